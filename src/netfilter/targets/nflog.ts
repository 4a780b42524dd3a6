/**
 * NFLOG: hands the packet to nfnetlink_log for a userspace logger (ulogd,
 * ufw's and Docker's log chains use it), then continues, as xt_NFLOG.c
 * nflog_tg() does. natlab has no nfnetlink listeners, and with none the
 * kernel sends nothing: the target only continues.
 */
import { saveString, xtoptString } from '../matches/util.js';
import { registerTarget } from '../tables/registry.js';
import { XT_CONTINUE, XtError, type TargetSpec } from '../tables/types.js';
import { exclusive, xtUint, xtWarnings } from '../xt-opts.js';

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
  options: ['nflog-group', 'nflog-prefix', 'nflog-range', 'nflog-size', 'nflog-threshold'].map((name) => ({ name, arg: true })),
  init: () => ({ group: 0, prefix: '', size: 0, hasSize: false, threshold: 1, given: [] }),
  parse(d, opt, arg) {
    const a = arg!;
    if (opt === 'nflog-size' && d.given.includes('nflog-range')) throw exclusive('NFLOG', 'nflog-range', opt);
    if (opt === 'nflog-range' && d.given.includes('nflog-size')) throw exclusive('NFLOG', 'nflog-size', opt);
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
        // libxt_NFLOG warns and keeps nothing: the kernel never used the range
        xtWarnings.push('warn: --nflog-range has never worked and is no longer supported, please use --nflog-size instead\n');
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
