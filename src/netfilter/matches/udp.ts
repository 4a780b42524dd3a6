/** `-m udp` (implicit with -p udp): --sport/--dport, as xt_tcpudp.c udp_mt(). */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { mergePorts, parsePortOpt, portMatch, printPorts, savePorts, type PortsData } from './tcp.js';
import { ipFragOff, l4, u16 } from './util.js';

export const udpMatch: MatchSpec<PortsData> = {
  name: 'udp',
  x6: true,
  // libxt_udp's table: each long name first, its alias after it with the same id
  options: [
    { name: 'source-port', arg: true, id: 0 },
    { name: 'sport', arg: true, id: 0 },
    { name: 'destination-port', arg: true, id: 1 },
    { name: 'dport', arg: true, id: 1 },
  ],
  init: () => ({ spts: [0, 65535], dpts: [0, 65535], invS: false, invD: false, hasS: false, hasD: false }),
  parse(d, opt, arg, invert) {
    parsePortOpt(d, opt, arg!, invert);
  },
  final(_d, env) {
    if (env.proto !== 17 || env.invProto) throw new XtError("UDP match requires '-p udp'");
  },
  mergeShown: (into, from) => mergePorts(into, from),
  save: (d) => savePorts(d),
  print: (d, numeric) => ' udp' + printPorts('spt', d.spts, d.invS, 'udp', numeric) + printPorts('dpt', d.dpts, d.invD, 'udp', numeric),
  match(d, skb) {
    if (ipFragOff(skb) !== 0) return false;
    const o = l4(skb);
    return portMatch(d.spts[0], d.spts[1], u16(skb.data, o), d.invS) && portMatch(d.dpts[0], d.dpts[1], u16(skb.data, o + 2), d.invD);
  },
};

registerMatch(udpMatch);
