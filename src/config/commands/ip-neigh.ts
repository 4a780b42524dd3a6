/**
 * `ip neigh add|replace|change|del|show|flush` (iproute2 6.1 ipneigh.c over
 * the kernel's neigh_add()/neigh_delete()), through the model's ARP table.
 */
import { neighAdminSet } from '../../model/arp.js';
import type { Host } from '../../model/host.js';
import type { Iface } from '../../model/iface.js';
import { NUD_NAMES, Nud, type Neighbour } from '../../model/neigh.js';
import { ip4ToString, parseIp4 } from '../../wire/ip4.js';
import { macToString } from '../../wire/mac.js';
import { badAddr, garbage, invarg, matches, noDevice, rtnl } from './args.js';
import { parseLladdr } from './ip-link.js';
import { fail, notModelled, ok, type CmdResult } from './result.js';

const IP = 'ip';

const NUD_BY_NAME: Record<string, Nud> = {
  permanent: Nud.PERMANENT,
  reachable: Nud.REACHABLE,
  stale: Nud.STALE,
  noarp: Nud.NOARP,
  delay: Nud.DELAY,
  probe: Nud.PROBE,
  failed: Nud.FAILED,
  incomplete: Nud.INCOMPLETE,
  none: Nud.NONE,
};
const NUD_MODELLED = new Set(['permanent', 'reachable', 'stale', 'noarp']);

export function ipNeigh(h: Host, args: string[]): CmdResult {
  if (args.length === 0) return ipNeighShow(h, [], false);
  const c = args[0]!;
  const rest = args.slice(1);
  if (matches(c, 'add')) return ipNeighModify(h, rest, 'add');
  if (matches(c, 'change') || c === 'chg') return ipNeighModify(h, rest, 'change');
  if (matches(c, 'replace')) return ipNeighModify(h, rest, 'replace');
  if (matches(c, 'delete')) return ipNeighModify(h, rest, 'del');
  if (matches(c, 'get')) return notModelled(IP, '"ip neigh get"');
  if (matches(c, 'show') || matches(c, 'list') || matches(c, 'lst')) return ipNeighShow(h, rest, false);
  if (matches(c, 'flush')) return ipNeighShow(h, rest, true);
  if (matches(c, 'help')) return notModelled(IP, '"ip neigh help"');
  return fail(255, `Command "${c}" is unknown, try "ip neigh help".\n`);
}

/** ipneigh_modify() */
function ipNeighModify(h: Host, args: string[], cmd: 'add' | 'change' | 'replace' | 'del'): CmdResult {
  let dst: number | null = null;
  let devName: string | null = null;
  let lladdr: Uint8Array | null = null;
  let nud: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if (a === 'lladdr' || a === 'nud' || a === 'dev') {
      if (v === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
      i++;
      if (a === 'lladdr') {
        const m = parseLladdr(v);
        if (typeof m === 'string') return fail(1, m);
        lladdr = m;
      } else if (a === 'nud') {
        if (NUD_BY_NAME[v] === undefined) return invarg('nud state is bad', v);
        nud = v;
      } else devName = v;
    } else if (['proxy', 'router', 'extern_learn', 'use', 'managed', 'protocol', 'self', 'master'].includes(a)) {
      return notModelled(IP, `"ip neigh ... ${a}"`);
    } else {
      const t = a === 'to' ? args[++i] : a;
      if (t === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
      if (dst !== null) return garbage('to', t);
      const d = parseIp4(t);
      if (d === null) return badAddr(t);
      dst = d;
    }
  }
  if (devName === null || dst === null) return fail(255, 'Device and destination are required arguments.\n');
  const dev = h.ifaceByName(devName);
  if (dev === undefined) return noDevice(devName);
  const n = h.neigh.lookup(dev, dst);
  if (cmd === 'del') {
    if (n === undefined || n.state === Nud.NONE) return rtnl('No such file or directory');
    h.neigh.delete(n);
    return ok();
  }
  const state = nud ?? 'permanent';
  if (!NUD_MODELLED.has(state)) return notModelled(IP, `"nud ${state}"`);
  if (lladdr === null) return notModelled(IP, 'a neighbour without "lladdr"');
  if (cmd === 'add' && n !== undefined && n.state !== Nud.NONE) return rtnl('File exists');
  if (cmd === 'change' && (n === undefined || n.state === Nud.NONE)) return rtnl('No such file or directory');
  neighAdminSet(h, dev, dst, lladdr, NUD_BY_NAME[state]!);
  return ok();
}

/** `ip neigh show` hides NOARP entries; `flush` keeps PERMANENT and NOARP ones (iproute2's filter.state) */
function ipNeighShow(h: Host, args: string[], flush: boolean): CmdResult {
  let dev: Iface | null = null;
  let all = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev') {
      const v = args[++i];
      if (v === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
      const d = h.ifaceByName(v);
      if (d === undefined) return noDevice(v);
      dev = d;
    } else if (a === 'all' && flush) all = true;
    else return notModelled(IP, `the neighbour selector "${a}"`);
  }
  if (flush && dev === null && !all) return fail(1, 'Flush requires arguments.\n');
  const mask = flush ? 0xff & ~(Nud.PERMANENT | Nud.NOARP) : 0xff & ~Nud.NOARP;
  let out = '';
  for (const n of h.neigh.all()) {
    if (dev !== null && n.dev !== dev) continue;
    if ((n.state & mask) === 0) continue;
    if (flush) h.neigh.delete(n);
    else out += neighLine(n, dev !== null);
  }
  return ok(out);
}

/** print_neigh(): `A [dev D] [lladdr M] STATE ` */
function neighLine(n: Neighbour, hideDev: boolean): string {
  let s = ip4ToString(n.ip) + ' ';
  if (!hideDev) s += `dev ${n.dev.name} `;
  if ((n.state & (Nud.INCOMPLETE | Nud.FAILED)) === 0) s += `lladdr ${macToString(n.ha)} `;
  return s + `${NUD_NAMES[n.state] ?? n.state} \n`;
}
