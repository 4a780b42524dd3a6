/**
 * NFQUEUE (revision 3): hand the packet to a user-space program reading
 * queue N (--queue-num, 0 by default) or one of a range
 * (--queue-balance). natlab runs no such program, so no queue is bound,
 * and the kernel's answer is what natlab does: nf_queue() finds no
 * instance (-ESRCH) and drops the packet, or with --queue-bypass lets it
 * go on as if the table had accepted it (nf_hook_slow(): the next hook
 * function). Measured on Linux 6.18: ping through `-j NFQUEUE` gets no
 * reply, the rule counts the request.
 */
import { Verdict } from '../../model/nf-seam.js';
import { registerTarget } from '../tables/registry.js';
import { XtError, type TargetSpec } from '../tables/types.js';
import { xtRange, xtUint } from '../xt-opts.js';

export interface NfqueueData {
  num: number;
  /** --queue-balance FROM:TO, or -1 */
  balanceFrom: number;
  balanceTo: number;
  bypass: boolean;
  fanout: boolean;
}

export const nfqueueTarget: TargetSpec<NfqueueData> = {
  name: 'NFQUEUE',
  x6: true,
  // libxt_NFQUEUE v3's table: --queue-num and --queue-balance exclude each other, --queue-cpu-fanout needs --queue-balance
  options: [
    { name: 'queue-num', arg: true, excl: ['queue-balance'] },
    { name: 'queue-balance', arg: true },
    { name: 'queue-bypass', arg: false },
    { name: 'queue-cpu-fanout', arg: false, also: ['queue-balance'] },
  ],
  init: () => ({ num: 0, balanceFrom: -1, balanceTo: -1, bypass: false, fanout: false }),
  parse(d, opt, arg) {
    if (opt === 'queue-num') d.num = xtUint('NFQUEUE', opt, arg!, 0, 65535);
    else if (opt === 'queue-balance') {
      // XTTYPE_UINT16RC, and two numbers wanted
      const v = xtRange('NFQUEUE', opt, arg!, 65535n);
      if (v.length !== 2) throw new XtError(`Bad range "${arg}"`);
      const from = Number(v[0]);
      const to = Number(v[1]);
      // nfqueue_parse_v1(): a range of one queue is refused too
      if (from >= to) throw new XtError(`${from} should be less than ${to}`);
      [d.balanceFrom, d.balanceTo] = [from, to];
    } else if (opt === 'queue-bypass') d.bypass = true;
    else d.fanout = true;
  },
  save(d) {
    let s = d.balanceFrom >= 0 ? ` --queue-balance ${d.balanceFrom}:${d.balanceTo}` : ` --queue-num ${d.num}`;
    if (d.bypass) s += ' --queue-bypass';
    if (d.fanout) s += ' --queue-cpu-fanout';
    return s;
  },
  print(d) {
    let s = d.balanceFrom >= 0 ? ` NFQUEUE balance ${d.balanceFrom}:${d.balanceTo}` : ` NFQUEUE num ${d.num}`;
    if (d.bypass) s += ' bypass';
    if (d.fanout) s += ' cpu-fanout';
    return s;
  },
  // no program reads any queue: nf_queue() fails with -ESRCH
  target: (d) => (d.bypass ? Verdict.ACCEPT : Verdict.DROP),
};

registerTarget(nfqueueTarget);
