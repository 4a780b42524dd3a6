/**
 * NFLOG: hands the packet to nfnetlink_log for a userspace logger (ulogd,
 * ufw's and Docker's log chains use it), then continues, as xt_NFLOG.c
 * nflog_tg() does. natlab has no nfnetlink listeners, and with none the
 * kernel sends nothing: the target only continues.
 */
import { saveString, xtoptString } from '../matches/util.js';
import { registerTarget } from '../tables/registry.js';
import { XT_CONTINUE, XtError, type TargetSpec } from '../tables/types.js';
import { xtUint, xtWarnings } from '../xt-opts.js';

export interface NflogData {
  group: number;
  prefix: string;
  /** --nflog-size (0 with `hasSize` false = the whole packet) */
  size: number;
  hasSize: boolean;
  threshold: number;
  /** which options were given, for the exclusion check */
  given: string[];
}

export const nflogTarget: TargetSpec<NflogData> = {
  name: 'NFLOG',
  x6: true,
  options: [
    { name: 'nflog-group', arg: true },
    { name: 'nflog-prefix', arg: true },
    { name: 'nflog-range', arg: true, excl: ['nflog-size'] },
    { name: 'nflog-size', arg: true, excl: ['nflog-range'] },
    { name: 'nflog-threshold', arg: true },
  ],
  init: () => ({ group: 0, prefix: '', size: 0, hasSize: false, threshold: 1, given: [] }),
  parse(d, opt, arg) {
    const a = arg!;
    d.given.push(opt);
    switch (opt) {
      case 'nflog-group':
        d.group = xtUint('NFLOG', opt, a, 0, 65535);
        break;
      case 'nflog-prefix':
        if (a.length < 1) throw new XtError('Argument must have a minimum length of 1 characters\n');
        // struct xt_nflog_info: char prefix[64], but iptables-nft keeps the nft log expression's 128 (measured: 130 bytes list as 127)
        d.prefix = xtoptString(a, 128);
        break;
      case 'nflog-range':
        // kept nowhere: the kernel never used the range (NFLOG_check() warns)
        xtUint('NFLOG', opt, a, 0, 0xffffffff);
        break;
      case 'nflog-size':
        d.size = xtUint('NFLOG', opt, a, 0, 0xffffffff);
        d.hasSize = true;
        break;
      default:
        d.threshold = xtUint('NFLOG', opt, a, 0, 65535);
    }
  },
  // NFLOG_check(): it warns before the table's exclusions are checked
  final(d) {
    if (d.given.includes('nflog-range')) xtWarnings.push('warn: --nflog-range has never worked and is no longer supported, please use --nflog-size instead\n');
  },
  save: (d) =>
    (d.prefix ? ' --nflog-prefix' + saveString(d.prefix) : '') +
    (d.group ? ` --nflog-group ${d.group}` : '') +
    (d.hasSize ? ` --nflog-size ${d.size}` : '') +
    (d.threshold !== 1 && d.threshold !== 0 ? ` --nflog-threshold ${d.threshold}` : ''),
  print: (d) =>
    (d.prefix ? ' nflog-prefix' + saveString(d.prefix) : '') +
    (d.group ? ` nflog-group ${d.group}` : '') +
    (d.hasSize ? ` nflog-size ${d.size}` : '') +
    (d.threshold !== 1 && d.threshold !== 0 ? ` nflog-threshold ${d.threshold}` : ''),
  target: () => XT_CONTINUE,
};

registerTarget(nflogTarget);
