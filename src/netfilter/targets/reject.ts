/**
 * REJECT: answer with an ICMP error or a TCP RST, then drop, as
 * ipt_REJECT.c reject_tg(). INPUT, FORWARD and OUTPUT only.
 */
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { registerTarget } from '../tables/registry.js';
import { rejectUnreachAllowed } from './reject-csum.js';
import { XtError, type TargetSpec } from '../tables/types.js';

/** [name, alias, icmp type, code]; tcp-reset has type -1 */
const TYPES: [string, string, number, number][] = [
  ['icmp-net-unreachable', 'net-unreach', 3, 0],
  ['icmp-host-unreachable', 'host-unreach', 3, 1],
  ['icmp-proto-unreachable', 'proto-unreach', 3, 2],
  ['icmp-port-unreachable', 'port-unreach', 3, 3],
  ['icmp-net-prohibited', 'net-prohib', 3, 9],
  ['icmp-host-prohibited', 'host-prohib', 3, 10],
  ['tcp-reset', 'tcp-rst', -1, 0],
  ['icmp-admin-prohibited', 'admin-prohib', 3, 13],
];

export const rejectTarget: TargetSpec<{ with: number }> = {
  name: 'REJECT',
  x6: true,
  options: [{ name: 'reject-with', arg: true }],
  init: () => ({ with: 3 }),
  // ipt_REJECT's .table: "filter" (EINVAL in raw, mangle, nat and security, measured)
  tables: ['filter'],
  hooks: (1 << NfHook.LOCAL_IN) | (1 << NfHook.FORWARD) | (1 << NfHook.LOCAL_OUT),
  parse(d, _opt, arg) {
    const i = TYPES.findIndex(([n, a]) => n === arg || a === arg);
    if (i < 0) throw new XtError(`unknown reject type "${arg}"`);
    d.with = i;
  },
  // reject_tg_check(): tcp-reset only for -p tcp
  check: (d, env) => TYPES[d.with]![2] !== -1 || (env.proto === 6 && !env.invProto),
  save: (d) => ` --reject-with ${TYPES[d.with]![0]}`,
  print: (d) => ` reject-with ${TYPES[d.with]![0]}`,
  target(d, skb, ctx) {
    const [, , type, code] = TYPES[d.with]!;
    if (type === -1) ctx.host.tcpSendReset(skb, ctx.hook);
    else if (rejectUnreachAllowed(skb, ctx.hook)) ctx.host.icmpSend(skb, type, code, 0);
    return Verdict.DROP;
  },
};

registerTarget(rejectTarget);
