/** `-m pkttype --pkt-type`: skb->pkt_type, as xt_pkttype.c. */
import { PktType } from '../../model/skb.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { inv } from './util.js';

const NAMES: [string, number][] = [
  ['unicast', PktType.HOST], ['broadcast', PktType.BROADCAST], ['multicast', PktType.MULTICAST],
  ['host', PktType.HOST], ['otherhost', PktType.OTHERHOST], ['outgoing', PktType.OUTGOING],
];
const name = (t: number): string => NAMES.find(([, v]) => v === t)![0];

export const pkttypeMatch: MatchSpec<{ type: number; invert: boolean }> = {
  name: 'pkttype',
  x6: true,
  options: [{ name: 'pkt-type', arg: true }],
  init: () => ({ type: -1, invert: false }),
  parse(d, _opt, arg, invert) {
    const e = NAMES.find(([n]) => n === arg!.toLowerCase());
    if (!e) throw new XtError(`Bad packet type '${arg}'`);
    d.type = e[1];
    d.invert = invert;
  },
  final(d) {
    if (d.type < 0) throw new XtError('pkttype: option "--pkt-type" must be specified\n');
  },
  save: (d) => `${inv(d.invert)} --pkt-type ${name(d.type)}`,
  print: (d) => ` PKTTYPE ${d.invert ? '!' : ''}= ${name(d.type)}`,
  match(d, skb) {
    // locally generated packets: multicast by address, else the skb's type (pkttype_mt)
    let t: number = skb.pktType;
    // a looped-back copy of the host's own: multicast by address, else broadcast
    if (t === PktType.LOOPBACK) t = skb.data[skb.l3 + 16]! >= 224 && skb.data[skb.l3 + 16]! <= 239 ? PktType.MULTICAST : PktType.BROADCAST;
    else if (skb.fromLocal) {
      const dst0 = skb.data[skb.l3 + 16]!;
      t = dst0 >= 224 && dst0 <= 239 ? PktType.MULTICAST : PktType.HOST;
    }
    return (t === d.type) !== d.invert;
  },
};

registerMatch(pkttypeMatch);
