/** `-m mac --mac-source`: the Ethernet source, as xt_mac.c; PREROUTING, INPUT, FORWARD only. */
import { NfHook } from '../../model/nf-seam.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { inv } from './util.js';

export interface MacData {
  mac: Uint8Array;
  invert: boolean;
}
const macText = (m: Uint8Array): string => Array.from(m, (b) => b.toString(16).padStart(2, '0')).join(':');

export const macMatch: MatchSpec<MacData> = {
  name: 'mac',
  x6: true,
  options: [{ name: 'mac-source', arg: true }],
  init: () => ({ mac: new Uint8Array(6), invert: false }),
  hooks: (1 << NfHook.PRE_ROUTING) | (1 << NfHook.LOCAL_IN) | (1 << NfHook.FORWARD),
  parse(d, _opt, arg, invert) {
    const p = arg!.split(':');
    if (p.length !== 6 || p.some((x) => !/^[0-9a-fA-F]{1,2}$/.test(x))) throw new XtError(`Bad mac address "${arg}"`);
    d.mac = Uint8Array.from(p.map((x) => parseInt(x, 16)));
    d.invert = invert;
  },
  save: (d) => `${inv(d.invert)} --mac-source ${macText(d.mac)}`,
  print: (d) => ` MAC${d.invert ? ' !' : ''} ${macText(d.mac)}`,
  match(d, skb) {
    // the Ethernet header must be there (skb_mac_header_was_set)
    if (skb.l3 < 14) return false;
    let eq = true;
    for (let i = 0; i < 6; i++) if (skb.data[6 + i] !== d.mac[i]) eq = false;
    return eq !== d.invert;
  },
};

registerMatch(macMatch);
