/** `-m physdev`: the bridge ports of a bridged packet (br_netfilter), as xt_physdev.c physdev_mt(). */
import type { Iface } from '../../model/iface.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { inv } from './util.js';
import { ifaceMatch } from './iface-name.js';

export interface PhysdevData {
  in: string | null;
  out: string | null;
  invIn: boolean;
  invOut: boolean;
  isIn: number; // 0 unset, 1 set, 2 inverted
  isOut: number;
  isBridged: number;
}

const flag = (v: number, name: string): string => (v ? `${v === 2 ? ' !' : ''} --${name}` : '');

export const physdevMatch: MatchSpec<PhysdevData> = {
  name: 'physdev',
  x6: true,
  options: [
    { name: 'physdev-in', arg: true },
    { name: 'physdev-out', arg: true },
    { name: 'physdev-is-in', arg: false },
    { name: 'physdev-is-out', arg: false },
    { name: 'physdev-is-bridged', arg: false },
  ],
  init: () => ({ in: null, out: null, invIn: false, invOut: false, isIn: 0, isOut: 0, isBridged: 0 }),
  parse(d, opt, arg, invert) {
    if (arg !== undefined && arg.length > 15) throw new XtError(`interface name \`${arg}' must be shorter than IFNAMSIZ (15)`);
    if (opt === 'physdev-in') [d.in, d.invIn] = [arg!, invert];
    else if (opt === 'physdev-out') [d.out, d.invOut] = [arg!, invert];
    else if (opt === 'physdev-is-in') d.isIn = invert ? 2 : 1;
    else if (opt === 'physdev-is-out') d.isOut = invert ? 2 : 1;
    else d.isBridged = invert ? 2 : 1;
  },
  final(d) {
    if (d.in === null && d.out === null && !d.isIn && !d.isOut && !d.isBridged) throw new XtError('PHYSDEV: no physdev option specified');
  },
  save(d) {
    let s = flag(d.isIn, 'physdev-is-in');
    if (d.in !== null) s += `${inv(d.invIn)} --physdev-in ${d.in}`;
    s += flag(d.isOut, 'physdev-is-out');
    if (d.out !== null) s += `${inv(d.invOut)} --physdev-out ${d.out}`;
    return s + flag(d.isBridged, 'physdev-is-bridged');
  },
  print(d) {
    let s = ' PHYSDEV match';
    if (d.isIn) s += `${d.isIn === 2 ? ' !' : ''} --physdev-is-in`;
    if (d.in !== null) s += `${d.invIn ? ' !' : ''} --physdev-in ${d.in}`;
    if (d.isOut) s += `${d.isOut === 2 ? ' !' : ''} --physdev-is-out`;
    if (d.out !== null) s += `${d.invOut ? ' !' : ''} --physdev-out ${d.out}`;
    if (d.isBridged) s += `${d.isBridged === 2 ? ' !' : ''} --physdev-is-bridged`;
    return s;
  },
  match(d, skb) {
    const pin: Iface | null = skb.physIn;
    const pout: Iface | null = skb.physOut;
    // not a bridged packet: only the "is" flags can say anything (physdev_mt's !nf_bridge_info_exists branch)
    if (pin === null && pout === null && !skb.bridged) {
      if ((d.isBridged === 1) || (d.isIn === 1) || (d.isOut === 1)) return false;
      if (d.in !== null && !d.invIn) return false;
      if (d.out !== null && !d.invOut) return false;
      return true;
    }
    if (d.isBridged && (skb.bridged !== (d.isBridged === 1))) return false;
    if (d.isIn && ((pin !== null) !== (d.isIn === 1))) return false;
    if (d.isOut && ((pout !== null) !== (d.isOut === 1))) return false;
    // no bridge port in is no verdict of --physdev-in, "!" or not; no bridge port out (a routed
    // packet) fails --physdev-out, "!" or not (physdev_mt(): `if (indev)`, `if (!outdev) return false`)
    if (d.in !== null && pin !== null && ifaceMatch(d.in, pin.name) === d.invIn) return false;
    if (d.out !== null && (pout === null || ifaceMatch(d.out, pout.name) === d.invOut)) return false;
    return true;
  },
};

registerMatch(physdevMatch);
