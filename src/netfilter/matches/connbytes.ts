/**
 * `-m connbytes [!] --connbytes FROM[:TO] --connbytes-dir original|reply|both
 * --connbytes-mode packets|bytes|avgpkt`: what the packet's connection has
 * carried so far, this packet included (conntrack counted it on its way
 * in), as xt_connbytes.c reads the accounting extension: packets, bytes,
 * or bytes per packet, in one direction or both, within FROM..TO (no TO:
 * no upper end). `!` swaps the two ends, and a range whose start is above
 * its end matches outside it. A packet without an entry, or with one made
 * while accounting was off, does not match. The rule turns accounting on
 * for the namespace, for good (connbytes_mt_check(): "Forcing CT
 * accounting to be enabled"; Netfilter.refresh()).
 */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import type { Conn } from '../ct-types.js';
import { U64_MAX, xtRange } from '../xt-opts.js';

const MODES = ['packets', 'bytes', 'avgpkt'];
const DIRS = ['original', 'reply', 'both'];

export interface ConnbytesData {
  /** count.from and count.to, u64, swapped by `!` */
  from: bigint;
  to: bigint;
  /** the same as numbers for the packet path, clamped to 2^53 (beyond any count a simulation reaches) */
  fromN: number;
  toN: number;
  /** XT_CONNBYTES_PKTS, _BYTES, _AVGPKT; -1 unset */
  what: number;
  /** XT_CONNBYTES_DIR_ORIGINAL, _REPLY, _BOTH; -1 unset */
  dir: number;
}

/** print_from_to() */
function fromTo(d: ConnbytesData, prefix: string): string {
  const inverted = d.from > d.to;
  const from = inverted ? d.to : d.from;
  const to = inverted ? d.from : d.to;
  return `${inverted ? ' !' : ''} ${prefix}connbytes ${from}${to !== 0n && to < U64_MAX ? `:${to}` : ''}`;
}

export const connbytesMatch: MatchSpec<ConnbytesData> = {
  name: 'connbytes',
  x6: true,
  // libxt_connbytes: O_CONNBYTES (XTTYPE_UINT64RC, XTOPT_INVERT), O_CONNBYTES_DIR, O_CONNBYTES_MODE, all XTOPT_MAND
  options: [
    { name: 'connbytes', arg: true, mand: true },
    { name: 'connbytes-dir', arg: true, mand: true },
    { name: 'connbytes-mode', arg: true, mand: true },
  ],
  init: () => ({ from: 0n, to: U64_MAX, fromN: 0, toN: 2 ** 53, what: -1, dir: -1 }),
  parse(d, opt, arg, invert) {
    const a = arg!;
    if (opt === 'connbytes') {
      // XTTYPE_UINT64RC; one number: no upper end
      const v = xtRange('connbytes', opt, a, U64_MAX);
      d.from = v[0]!;
      d.to = v.length === 2 ? v[1]! : U64_MAX;
      if (d.to < d.from) throw new XtError(`${d.from} should be less than ${d.to}`);
      if (invert) [d.from, d.to] = [d.to, d.from];
      d.fromN = Number(d.from < 2n ** 53n ? d.from : 2n ** 53n);
      d.toN = Number(d.to < 2n ** 53n ? d.to : 2n ** 53n);
    } else if (opt === 'connbytes-dir') {
      d.dir = DIRS.indexOf(a);
      if (d.dir < 0) throw new XtError(`Unknown --connbytes-dir \`${a}'`);
    } else {
      d.what = MODES.indexOf(a);
      if (d.what < 0) throw new XtError(`Unknown --connbytes-mode \`${a}'`);
    }
  },
  save: (d) => `${fromTo(d, '--')} --connbytes-mode ${MODES[d.what]} --connbytes-dir ${DIRS[d.dir]}`,
  print: (d) => `${fromTo(d, '')} connbytes mode ${MODES[d.what]} connbytes direction ${DIRS[d.dir]}`,
  // connbytes_mt()
  match(d, skb) {
    const ct = skb.ct as Conn | null;
    if (ct === null || ct.untracked || !ct.acct) return false;
    const pkts = d.dir === 0 ? ct.packetsOrig : d.dir === 1 ? ct.packetsReply : ct.packetsOrig + ct.packetsReply;
    const bytes = d.dir === 0 ? ct.bytesOrig : d.dir === 1 ? ct.bytesReply : ct.bytesOrig + ct.bytesReply;
    // div64_u64(): whole bytes per packet; 0 before any packet
    const what = d.what === 0 ? pkts : d.what === 1 ? bytes : pkts === 0 ? 0 : Math.floor(bytes / pkts);
    if (d.to >= d.from) return what <= d.toN && what >= d.fromN;
    return what < d.toN || what > d.fromN;
  },
};

registerMatch(connbytesMatch);
