/**
 * `-m ecn [!] --ecn-tcp-cwr [!] --ecn-tcp-ece [!] --ecn-ip-ect N`: the ECN
 * bits, as xt_ecn.c (ecn_mt4): the IP header's ECN field (the TOS byte's
 * low two bits) equal to N, and the TCP header's ECE and CWR flags set (or,
 * after `!`, clear). The TCP flags are only allowed in a rule for `-p tcp`
 * (ecn_mt_check4(): EINVAL otherwise); the header is read at the
 * transport offset whatever the fragment, as the kernel does.
 */
import type { Skb } from '../../model/skb.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { xtUint } from '../xt-opts.js';
import { l4 } from './util.js';

/** XT_ECN_OP_MATCH_* */
const OP_IP = 0x01;
const OP_ECE = 0x10;
const OP_CWR = 0x20;

export interface EcnData {
  operation: number;
  invert: number;
  ipEct: number;
}

const not = (d: EcnData, op: number): string => (d.invert & op ? '!' : '');

/** the TCP flags byte (CWR 0x80, ECE 0x40), read at the transport offset */
function tcpFlags(skb: Skb): number {
  const th = l4(skb);
  // skb_header_pointer() fails past the packet's end: no match
  return th + 14 <= skb.l3 + skb.l3len ? skb.data[th + 13]! : -1;
}

export const ecnMatch: MatchSpec<EcnData> = {
  name: 'ecn',
  x6: true,
  // libxt_ecn's table (O_ECN_TCP_CWR, O_ECN_TCP_ECE, O_ECN_IP_ECT), each XTOPT_INVERT
  options: [
    { name: 'ecn-tcp-cwr', arg: false },
    { name: 'ecn-tcp-ece', arg: false },
    { name: 'ecn-ip-ect', arg: true },
  ],
  init: () => ({ operation: 0, invert: 0, ipEct: 0 }),
  parse(d, opt, arg, invert) {
    const op = opt === 'ecn-tcp-cwr' ? OP_CWR : opt === 'ecn-tcp-ece' ? OP_ECE : OP_IP;
    if (op === OP_IP) d.ipEct = xtUint('ecn', opt, arg!, 0, 3);
    d.operation |= op;
    if (invert) d.invert |= op;
  },
  final(d) {
    // ecn_check(): no newline, so no blank line before the hint
    if (d.operation === 0) throw new XtError('ECN match: some option required');
  },
  // ecn_mt_check4()
  check: (d, env) => !(d.operation & (OP_ECE | OP_CWR)) || (env.proto === 6 && !env.invProto),
  save(d) {
    let s = '';
    if (d.operation & OP_ECE) s += `${d.invert & OP_ECE ? ' !' : ''} --ecn-tcp-ece`;
    if (d.operation & OP_CWR) s += `${d.invert & OP_CWR ? ' !' : ''} --ecn-tcp-cwr`;
    if (d.operation & OP_IP) s += `${d.invert & OP_IP ? ' !' : ''} --ecn-ip-ect ${d.ipEct}`;
    return s;
  },
  print(d) {
    let s = ' ECN match';
    if (d.operation & OP_ECE) s += ` ${not(d, OP_ECE)}ECE`;
    if (d.operation & OP_CWR) s += ` ${not(d, OP_CWR)}CWR`;
    if (d.operation & OP_IP) s += ` ${not(d, OP_IP)}ECT=${d.ipEct}`;
    return s;
  },
  match(d, skb) {
    if (d.operation & OP_IP && ((skb.data[skb.l3 + 1]! & 3) === d.ipEct) === ((d.invert & OP_IP) !== 0)) return false;
    if (d.operation & (OP_ECE | OP_CWR)) {
      // match_tcp()
      const f = tcpFlags(skb);
      if (f < 0) return false;
      if (d.operation & OP_ECE && ((f & 0x40) !== 0) === ((d.invert & OP_ECE) !== 0)) return false;
      if (d.operation & OP_CWR && ((f & 0x80) !== 0) === ((d.invert & OP_CWR) !== 0)) return false;
    }
    return true;
  },
};

registerMatch(ecnMatch);
