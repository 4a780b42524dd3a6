/**
 * `ip address add|del|flush|show` (iproute2 6.1 ipaddress.c over the
 * kernel's inet_rtm_newaddr()/inet_rtm_deladdr()).
 *
 * The model's Host.addAddr()/delAddr() make and remove the routes; this file
 * adds what the netlink layer decides: duplicate and scope checks
 * (__inet_insert_ifa()), the place of a new address in the list (a primary
 * goes after the last primary of the same or wider scope, a secondary last),
 * labels, and that deleting a device's last address disables IP on it
 * (fib_disable_ip(): every route through the device goes, and its neighbours).
 */
import type { Host } from '../../model/host.js';
import { RT_SCOPE_HOST, RT_SCOPE_UNIVERSE, type IfAddr, type Iface } from '../../model/iface.js';
import { ip4ToString, parseIp4, prefixMask } from '../../wire/ip4.js';
import { badPrefix, garbage, matches, noDevice, parsePrefix, parseScope, scopeName, invarg, extack } from './args.js';
import { addrHeader, linkName, operState, type ShowOpts } from './link-print.js';
import { parseShowSelector, selected } from './ip-link.js';
import { fail, notModelled, ok, type CmdResult } from './result.js';

const IP = 'ip';

export function ipAddr(h: Host, args: string[], o: ShowOpts): CmdResult {
  if (args.length === 0) return ipAddrShow(h, [], o);
  const c = args[0]!;
  const rest = args.slice(1);
  if (matches(c, 'add')) return ipAddrModify(h, rest, 'add');
  if (matches(c, 'change') || c === 'chg') return notModelled(IP, '"ip address change"');
  if (matches(c, 'replace')) return ipAddrModify(h, rest, 'replace');
  if (matches(c, 'delete')) return ipAddrModify(h, rest, 'del');
  if (matches(c, 'list') || matches(c, 'show') || matches(c, 'lst')) return ipAddrShow(h, rest, o);
  if (matches(c, 'flush')) return ipAddrFlush(h, rest);
  if (matches(c, 'help')) return notModelled(IP, '"ip address help"');
  return fail(255, `Command "${c}" is unknown, try "ip address help".\n`);
}

interface AddrReq {
  local: { addr: number; len: number; explicitLen: boolean; text: string } | null;
  dev: string | null;
  brd: number | '+' | '-' | null;
  scope: number | null;
  label: string | null;
}

/** ipaddr_modify()'s parse loop */
function parseAddrArgs(args: string[]): AddrReq | CmdResult {
  const r: AddrReq = { local: null, dev: null, brd: null, scope: null, label: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string | undefined => args[++i];
    if (a === 'peer' || a === 'remote' || a === 'anycast' || matches(a, 'valid_lft') || matches(a, 'preferred_lft') || a === 'metric' || a === 'priority' || a === 'home' || a === 'nodad' || a === 'noprefixroute' || a === 'autojoin' || a === 'mngtmpaddr' || a === 'optimistic' || a === 'proto') {
      return notModelled(IP, `"ip address ... ${a}"`);
    } else if (matches(a, 'broadcast') || a === 'brd') {
      const v = next();
      if (v === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
      if (v === '+' || v === '-') r.brd = v;
      else {
        const b = parseIp4(v);
        if (b === null) return fail(1, `Error: inet address is expected rather than "${v}".\n`);
        r.brd = b;
      }
    } else if (a === 'scope') {
      const v = next();
      if (v === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
      const s = parseScope(v);
      if (s === null) return invarg('invalid scope value.', v);
      r.scope = s;
    } else if (a === 'dev') {
      const v = next();
      if (v === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
      r.dev = v;
    } else if (a === 'label') {
      const v = next();
      if (v === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
      r.label = v;
    } else {
      let v = a;
      if (a === 'local') {
        const n = next();
        if (n === undefined) return fail(255, 'Command line is not complete. Try option "help"\n');
        v = n;
      }
      if (r.local !== null) return garbage('local', v);
      const p = parsePrefix(v);
      if (p === null || v === 'default' || v === 'any' || v === 'all') return badPrefix(v);
      r.local = { ...p, text: v };
    }
  }
  return r;
}

function ipAddrModify(h: Host, args: string[], cmd: 'add' | 'replace' | 'del'): CmdResult {
  const r = parseAddrArgs(args);
  if ('exit' in r) return r;
  if (r.dev === null) return fail(1, 'Not enough information: "dev" argument is required.\n');
  const dev = h.ifaceByName(r.dev);
  if (dev === undefined) return noDevice(r.dev);
  if (cmd === 'del') return delAddr(h, dev, r);
  if (r.local === null) return fail(2, 'RTNETLINK answers: Operation not supported\n');
  if (cmd === 'replace') return notModelled(IP, '"ip address replace"');
  return addAddr(h, dev, r);
}

/** inet_rtm_newaddr() → __inet_insert_ifa() */
function addAddr(h: Host, dev: Iface, r: AddrReq): CmdResult {
  const { addr, len } = r.local!;
  const mask = prefixMask(len);
  const scope = r.scope ?? RT_SCOPE_UNIVERSE;
  for (const a of dev.addrs) {
    if (a.mask !== mask || ((a.addr ^ addr) & mask) !== 0) continue;
    if (a.addr === addr) return extack('ipv4: Address already assigned');
    if (a.scope !== scope) return extack('ipv4: Invalid scope value');
  }
  let brd: number | null = null;
  if (typeof r.brd === 'number') brd = r.brd;
  else if (r.brd === '+' && len < 31) brd = ((addr & mask) | ~mask) >>> 0;
  const err = h.addAddr(dev, addr, len, brd, scope);
  if (err !== null) return fail(2, err.endsWith('\n') ? err : err + '\n');
  const a = dev.addrs.find((x) => x.addr === addr && x.prefixLen === len)!;
  if (r.label !== null) a.label = r.label;
  placeAddr(dev, a);
  if (a.secondary) secondaryRoutesFromPrimary(h, dev, a);
  return ok();
}

/** fib_add_ifaddr(): a secondary's local and broadcast routes carry its primary's address as source */
function secondaryRoutesFromPrimary(h: Host, dev: Iface, a: IfAddr): void {
  const prim = dev.addrs.find((p) => !p.secondary && p.mask === a.mask && ((p.addr ^ a.addr) & a.mask) === 0);
  if (prim === undefined) return;
  for (const r of h.fib.table('local')) {
    if (r.dev === dev && r.proto === 'kernel' && r.prefsrc === a.addr && (r.dst === a.addr || r.dst === a.broadcast)) h.fib.setPrefsrc(r, prim.addr);
  }
}

/**
 * fib_del_ifaddr(): the local and broadcast routes no remaining address
 * needs go (the model removes them by source address, which for a
 * secondary is its primary's)
 */
function pruneKernelRoutes(h: Host, dev: Iface): void {
  h.fib.removeWhere('local', (r) => {
    if (r.dev !== dev || r.proto !== 'kernel' || r.prefixLen !== 32 || dev.kind === 'loopback') return false;
    const needed =
      r.type === 'local'
        ? dev.addrs.some((a) => a.addr === r.dst)
        : dev.addrs.some((a) => a.broadcast === r.dst || (a.prefixLen < 31 && ((a.addr | ~a.mask) >>> 0) === r.dst));
    return !needed;
  });
}

/** __inet_insert_ifa(): a primary after the last primary whose scope is not narrower, a secondary at the end */
function placeAddr(dev: Iface, a: IfAddr): void {
  const l = dev.addrs;
  l.splice(l.indexOf(a), 1);
  if (a.secondary) {
    l.push(a);
    return;
  }
  let at = 0;
  for (let i = 0; i < l.length; i++) if (!l[i]!.secondary && a.scope <= l[i]!.scope) at = i + 1;
  l.splice(at, 0, a);
}

/** inet_rtm_deladdr(): without a length, the first address with that local part (iproute2 warns) */
function delAddr(h: Host, dev: Iface, r: AddrReq): CmdResult {
  let warn = '';
  if (r.local === null) return notModelled(IP, '"ip address del" without an address');
  const { addr, len, explicitLen, text } = r.local;
  if (!explicitLen) {
    warn =
      'Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
      `         Explicitly specify the prefix length (${text}/32) to avoid this warning.\n` +
      '         This special behaviour is likely to disappear in further releases,\n' +
      '         fix your scripts!\n';
  }
  const a = dev.addrs.find((x) => x.addr === addr && (!explicitLen || x.prefixLen === len) && (r.label === null || x.label === r.label));
  if (a === undefined) return fail(2, warn + 'Error: ipv4: Address not found.\n');
  removeAddr(h, dev, a);
  return ok('', warn);
}

/** delete one address; the last one gone disables IP on the device (fib_disable_ip()) */
export function removeAddr(h: Host, dev: Iface, a: IfAddr): void {
  h.delAddr(dev, a);
  pruneKernelRoutes(h, dev);
  if (dev.addrs.length === 0) {
    h.fib.flushDev(dev, 'main');
    for (const n of h.neigh.flushDev(dev)) for (const skb of n.queue) h.drop(skb, dev, 'last address deleted');
  }
}

function ipAddrFlush(h: Host, args: string[]): CmdResult {
  if (args.length === 0) return fail(1, 'Flush requires arguments.\n');
  const sel = parseShowSelector(h, args);
  if ('exit' in sel) return sel;
  for (const dev of h.ifaces) {
    if (!selected(dev, sel)) continue;
    // lo keeps 127.0.0.1/8 only when flushed explicitly by name? no: flush removes what it selects
    while (dev.addrs.length > 0) removeAddr(h, dev, dev.addrs[0]!);
  }
  return ok();
}

/** print_addrinfo(): `    inet A/LEN [brd B] scope S [secondary] LABEL` */
function inetLine(a: IfAddr): string {
  const brd = a.broadcast !== 0 && !(a.scope === RT_SCOPE_HOST && a.prefixLen < 32 && a.addr >>> 24 === 127) ? ` brd ${ip4ToString(a.broadcast)}` : '';
  return `    inet ${ip4ToString(a.addr)}/${a.prefixLen}${brd} scope ${scopeName(a.scope)}${a.secondary ? ' secondary' : ''} ${a.label}`;
}

const LFT = '       valid_lft forever preferred_lft forever';

function ipAddrShow(h: Host, args: string[], o: ShowOpts): CmdResult {
  const sel = parseShowSelector(h, args);
  if ('exit' in sel) return sel;
  let out = '';
  for (const dev of h.ifaces) {
    if (!selected(dev, sel)) continue;
    if (o.brief) {
      if (o.inet4 && dev.addrs.length === 0) continue;
      out += `${linkName(h, dev).padEnd(16)} ${operState(dev).padEnd(14)} ${dev.addrs.map((a) => `${ip4ToString(a.addr)}/${a.prefixLen} `).join('')}\n`;
    } else if (o.oneline) {
      for (const a of dev.addrs) out += `${dev.ifindex}: ${dev.name}${inetLine(a)}\\${LFT}\n`;
    } else {
      if (o.inet4 && dev.addrs.length === 0) continue;
      out += addrHeader(h, dev, o.inet4);
      for (const a of dev.addrs) out += `${inetLine(a)}\n${LFT}\n`;
    }
  }
  return ok(out);
}
