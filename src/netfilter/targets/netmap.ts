/**
 * `-j NETMAP --to ADDR/MASK`: 1:1 mapping of a network, as xt_NETMAP.c
 * netmap_tg4() does: the host bits of the destination (PREROUTING,
 * OUTPUT) or of the source (POSTROUTING, INPUT) are kept and the network
 * bits taken from --to, then nf_nat_setup_info() binds the connection.
 */
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { ManipType, type Conn, type NatRange } from '../ct-types.js';
import { ipToString, maskSuffix, parseIp, prefixToMask } from '../tables/addr.js';
import { registerTarget } from '../tables/registry.js';
import { XtError, type TargetSpec } from '../tables/types.js';
import { mandatory } from '../xt-opts.js';
import { ipDst, ipSrc } from '../matches/util.js';
import { emptyRange } from './nat-range.js';

export interface NetmapData {
  addr: number;
  mask: number;
  set: boolean;
  /** the range handed to NAT, rewritten per packet (no allocation) */
  scratch: NatRange;
}

const bit = (...h: NfHook[]): number => h.reduce((a, x) => a | (1 << x), 0);

export const netmapTarget: TargetSpec<NetmapData> = {
  name: 'NETMAP',
  x6: true,
  options: [{ name: 'to', arg: true }],
  init: () => ({ addr: 0, mask: 0xffffffff, set: false, scratch: emptyRange() }),
  tables: ['nat'],
  hooks: bit(NfHook.PRE_ROUTING, NfHook.POST_ROUTING, NfHook.LOCAL_OUT, NfHook.LOCAL_IN),
  parse(d, _opt, arg) {
    const s = arg!;
    const slash = s.indexOf('/');
    const a = parseIp(slash < 0 ? s : s.slice(0, slash));
    // a host name: natlab resolves none, as iptables on a host without DNS answers
    if (a < 0) throw new XtError('getaddrinfo: Temporary failure in name resolution\n');
    let mask = 0xffffffff;
    if (slash >= 0) {
      const m = s.slice(slash + 1);
      // XTTYPE_HOSTMASK: a prefix length (above 32 gives /32, measured) or a dotted mask
      if (/^[0-9]+$/.test(m)) mask = prefixToMask(Math.min(Number(m), 32));
      else {
        const v = m.includes('.') ? parseIp(m) : -1;
        if (v < 0) throw new XtError(`NETMAP: bad mask "${m}"`);
        mask = v;
      }
    }
    d.addr = (a & mask) >>> 0;
    d.mask = mask;
    d.set = true;
  },
  final(d) {
    if (!d.set) throw mandatory('NETMAP', 'to');
  },
  save: (d) => ` --to ${ipToString(d.addr)}${maskSuffix(d.mask, true)}`,
  print: (d) => ` to:${ipToString(d.addr)}${maskSuffix(d.mask, true)}`,
  target(d, skb, ctx) {
    const ct = skb.ct as Conn | null;
    if (ct === null) return Verdict.ACCEPT;
    const h = ctx.hook;
    const dstSide = h === NfHook.PRE_ROUTING || h === NfHook.LOCAL_OUT;
    const old = dstSide ? ipDst(skb) : ipSrc(skb);
    const ip = ((old & ~d.mask) | (d.addr & d.mask)) >>> 0;
    const r = d.scratch;
    r.mapIps = true;
    r.minAddr = r.maxAddr = ip;
    return ctx.nat.setupInfo(ct, r, dstSide ? ManipType.DST : ManipType.SRC);
  },
};

registerTarget(netmapTarget);
