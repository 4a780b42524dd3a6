/**
 * The `ip` command of `run:` lines (iproute2 6.1), on one host: global
 * options, then the object by unique prefix in iproute2's table order
 * (`ip a` is address, `ip r` route, `ip n` neigh, `ip l` link), then the
 * object's command. Objects natlab does not model are refused by name.
 */
import type { Host } from '../../model/host.js';
import { matches } from './args.js';
import { ipAddr } from './ip-addr.js';
import { ipLink } from './ip-link.js';
import { ipNeigh } from './ip-neigh.js';
import { ipRoute } from './ip-route.js';
import type { ShowOpts } from './link-print.js';
import { fail, notModelled, type CmdResult } from './result.js';

export type { CmdResult } from './result.js';

/** ip.c's cmds[], in order: the first one the word is a prefix of wins */
const OBJECTS = [
  'address', 'addrlabel', 'maddress', 'route', 'rule', 'neighbor', 'neighbour', 'ntable', 'ntbl', 'link', 'l2tp', 'fou',
  'ila', 'macsec', 'tunnel', 'tuntap', 'tap', 'token', 'tcpmetrics', 'tcp_metrics', 'monitor', 'xfrm', 'mroute', 'mrule',
  'netns', 'netconf', 'vrf', 'sr', 'nexthop', 'mptcp', 'ioam', 'stats', 'help',
];

/** `ip [OPTIONS] OBJECT [COMMAND [ARGS]]`; argv[0] is `ip` */
export function runIp(host: Host, argv: string[]): CmdResult {
  const o: ShowOpts = { oneline: false, brief: false, inet4: false };
  let i = 1;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    let opt = argv[i]!;
    if (opt === '--') {
      i++;
      break;
    }
    if (opt.startsWith('--')) opt = opt.slice(1);
    if (opt === '-4') o.inet4 = true;
    else if (matches(opt, '-oneline') && opt.length >= 2) o.oneline = true;
    else if (opt === '-br' || (matches(opt, '-brief') && opt.length >= 3)) o.brief = true;
    else if (opt === '-6' || opt === '-0' || matches(opt, '-family') || matches(opt, '-netns') || opt === '-n') return notModelled('ip', `the option "${argv[i]}"`);
    else if (['-s', '-stats', '-statistics', '-d', '-details', '-j', '-json', '-p', '-pretty', '-c', '-color', '-h', '-human', '-r', '-resolve', '-t', '-timestamp', '-a', '-all', '-b', '-batch', '-V', '-Version'].some((k) => matches(opt, k))) {
      return notModelled('ip', `the option "${argv[i]}"`);
    } else return fail(255, `Option "${argv[i]}" is unknown, try "ip -help".\n`);
  }
  if (i >= argv.length) return notModelled('ip', '"ip" without an object (its usage text)');
  const word = argv[i]!;
  const args = argv.slice(i + 1);
  const obj = OBJECTS.find((k) => matches(word, k));
  switch (obj) {
    case 'address':
      return ipAddr(host, args, o);
    case 'route':
      return ipRoute(host, args);
    case 'neighbor':
    case 'neighbour':
      return ipNeigh(host, args);
    case 'link':
      return ipLink(host, args, o);
    case undefined:
      return fail(1, `Object "${word}" is unknown, try "ip help".\n`);
    default:
      return notModelled('ip', `the object "${obj}"`);
  }
}
