/**
 * tcpdump's filter language (pcap-filter(7)), compiled to a predicate over
 * Ethernet frames. It follows libpcap's code generator (gencode.c), not a
 * reading of the man page, where they differ:
 * - `and` and `or` have the same precedence and group to the left
 *   (`a or b and c` is `(a or b) and c`); `not` binds tightest;
 * - a bare value after `and`/`or`/`not` repeats the last qualifiers
 *   (`host a or b` is `host a or host b`), but not across a closing
 *   parenthesis or after a qualifier-less primitive like `icmp`;
 * - `host`/`net` match IPv4 source/destination and ARP/RARP sender/target;
 * - `port` matches TCP, UDP and SCTP, over IPv4 (only the first fragment)
 *   and IPv6 (fixed header);
 * - `tcp[...]`, `udp[...]`, `icmp[...]` count from the transport header
 *   and are false for other packets and non-first fragments;
 * - a byte load past the end of the frame rejects the whole packet, as a
 *   BPF program does, even under `or` or `not`;
 * - protocol names that are keywords must be escaped: `ip proto \icmp`.
 * `vlan`, `mpls` and other encapsulations are refused, as are IPv6 address
 * primitives; `ip6` alone matches the IPv6 ethertype.
 */
import { NatlabError } from '../config/errors.js';

export type FramePredicate = (frame: Uint8Array) => boolean;

/** Compile a filter; throws NatlabError naming the column on any error. An empty filter matches everything. */
export function compileFilter(expr: string): FramePredicate {
  const p = new FilterParser(expr);
  const pred = p.parse();
  return (frame: Uint8Array): boolean => {
    try {
      return pred(frame);
    } catch (e) {
      if (e === REJECT) return false;
      throw e;
    }
  };
}

// --- frame access ----------------------------------------------------------

/** Thrown by a load past the end: BPF returns 0 for the whole program. */
const REJECT: unique symbol = Symbol('reject');

const ETH_TYPE = 12;
const L3 = 14;
const ETHERTYPE_IP = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_RARP = 0x8035;
const ETHERTYPE_IPV6 = 0x86dd;
const IP_PROTO = L3 + 9;
const IP_FRAG = L3 + 6;
const IP_SRC = L3 + 12;
const IP_DST = L3 + 16;
const ARP_SPA = L3 + 14;
const ARP_TPA = L3 + 24;
const IP6_NEXT = L3 + 6;
const IP6_PAYLOAD = L3 + 40;
const IPPROTO_FRAGMENT6 = 44;

function u8(f: Uint8Array, off: number): number {
  if (off < 0 || off >= f.length) throw REJECT;
  return f[off]!;
}
function u16(f: Uint8Array, off: number): number {
  if (off < 0 || off + 2 > f.length) throw REJECT;
  return (f[off]! << 8) | f[off + 1]!;
}
function u32(f: Uint8Array, off: number): number {
  if (off < 0 || off + 4 > f.length) throw REJECT;
  return ((f[off]! << 24) | (f[off + 1]! << 16) | (f[off + 2]! << 8) | f[off + 3]!) >>> 0;
}
function load(f: Uint8Array, off: number, size: number): number {
  return size === 1 ? u8(f, off) : size === 2 ? u16(f, off) : u32(f, off);
}
/** offset of the IPv4 payload (14 + IHL*4), like BPF's `ldxb 4*([14]&0xf)` */
function l4(f: Uint8Array): number {
  return L3 + (u8(f, L3) & 0xf) * 4;
}

const isEthertype =
  (t: number): FramePredicate =>
  (f) =>
    u16(f, ETH_TYPE) === t;
const ipFirstFragment: FramePredicate = (f) => (u16(f, IP_FRAG) & 0x1fff) === 0;
const ipProto =
  (p: number): FramePredicate =>
  (f) =>
    u16(f, ETH_TYPE) === ETHERTYPE_IP && u8(f, IP_PROTO) === p;
/** next header of the fixed IPv6 header, or behind one fragment header, as gen_proto() does */
const ip6Proto =
  (p: number): FramePredicate =>
  (f) => {
    if (u16(f, ETH_TYPE) !== ETHERTYPE_IPV6) return false;
    const nh = u8(f, IP6_NEXT);
    return nh === p || (nh === IPPROTO_FRAGMENT6 && u8(f, IP6_PAYLOAD) === p);
  };

const and =
  (a: FramePredicate, b: FramePredicate): FramePredicate =>
  (f) =>
    a(f) && b(f);
const or =
  (a: FramePredicate, b: FramePredicate): FramePredicate =>
  (f) =>
    a(f) || b(f);
const not =
  (a: FramePredicate): FramePredicate =>
  (f) =>
    !a(f);
const TRUE: FramePredicate = () => true;
const FALSE: FramePredicate = () => false;

// --- names -----------------------------------------------------------------

/** the protocol qualifiers understood (pcap-filter's `proto`) */
const PROTOS = new Set(['ether', 'link', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'igmp', 'sctp']);
const IP_PROTO_NUM: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, sctp: 132 };
const ETHER_PROTO_NUM: Record<string, number> = { ip: ETHERTYPE_IP, arp: ETHERTYPE_ARP, rarp: ETHERTYPE_RARP, ip6: ETHERTYPE_IPV6 };
/** protocol names accepted after `proto` (from /etc/protocols); keywords need a backslash */
const PROTO_NAMES: Record<string, number> = { ...IP_PROTO_NUM, gre: 47, esp: 50, ah: 51, ospf: 89, pim: 103, vrrp: 112 };
/** service names accepted after `port` (from /etc/services) */
const SERVICES: Record<string, number> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, bootps: 67, bootpc: 68, tftp: 69, http: 80, ntp: 123, snmp: 161, https: 443, syslog: 514,
};
/** named constants of the arithmetic (pcap-filter: icmptype, tcpflags, ...) */
const CONSTANTS: Record<string, number> = {
  icmptype: 0, icmpcode: 1,
  'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5, 'icmp-echo': 8,
  'icmp-routeradvert': 9, 'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12,
  'icmp-tstamp': 13, 'icmp-tstampreply': 14, 'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17, 'icmp-maskreply': 18,
  tcpflags: 13, 'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08, 'tcp-ack': 0x10, 'tcp-urg': 0x20, 'tcp-ece': 0x40, 'tcp-cwr': 0x80,
};
/** words of pcap-filter natlab refuses rather than gets wrong */
const UNSUPPORTED = new Set([
  'vlan', 'mpls', 'pppoed', 'pppoes', 'geneve', 'vxlan', 'gateway', 'inbound', 'outbound', 'ifname', 'on', 'rulenum', 'reason', 'rset',
  'srnr', 'subrulenum', 'action', 'iso', 'esis', 'isis', 'clnp', 'decnet', 'atalk', 'aarp', 'ipx', 'netbeui', 'stp', 'lat', 'sca',
  'moprc', 'mopdl', 'llc', 'icmp6', 'ah', 'esp', 'pim', 'vrrp', 'carp', 'radio', 'fddi', 'tr', 'wlan', 'type', 'subtype', 'dir',
  'ra', 'ta', 'addr1', 'addr2', 'addr3', 'addr4', 'protochain', 'l1', 'l2', 'iih', 'lsp', 'snp', 'csnp', 'psnp', 'hdpm', 'atm',
]);
const KEYWORDS = new Set([
  ...PROTOS, 'src', 'dst', 'host', 'net', 'port', 'portrange', 'proto', 'mask', 'and', 'or', 'not', 'less', 'greater', 'len',
  'broadcast', 'multicast', ...UNSUPPORTED,
]);

// --- lexer -----------------------------------------------------------------

interface Tok {
  kind: 'id' | 'op' | 'eof';
  text: string;
  /** 1-based column */
  col: number;
  /** written with a leading backslash: never a keyword */
  escaped: boolean;
}

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '<<', '>>', '(', ')', '[', ']', ':', '!', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^'];
const MAC_RE = /^[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}(?![\w.:])/;
const ID_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*/;
/** IPv6-looking words (two colons or more), only so the error can say what they are */
const IP6_RE = /^(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*/;

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const rest = s.slice(i);
    const escaped = c === '\\';
    const body = escaped ? rest.slice(1) : rest;
    const m = MAC_RE.exec(body) ?? IP6_RE.exec(body) ?? ID_RE.exec(body);
    if (m) {
      out.push({ kind: 'id', text: m[0], col: i + 1, escaped });
      i += m[0].length + (escaped ? 1 : 0);
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (!op) throw new NatlabError('unexpected character', { col: i + 1, token: c });
    out.push({ kind: 'op', text: op, col: i + 1, escaped: false });
    i += op.length;
  }
  out.push({ kind: 'eof', text: '', col: s.length + 1, escaped: false });
  return out;
}

// --- values ----------------------------------------------------------------

/** an unsigned number as libpcap reads it: decimal, 0x hex, 0 octal */
function parseNumber(t: string): number | null {
  let v: number;
  if (/^0[xX][0-9A-Fa-f]+$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^0[0-7]+$/.test(t)) v = parseInt(t.slice(1), 8);
  else if (/^[0-9]+$/.test(t)) v = parseInt(t, 10);
  else return null;
  return v <= 0xffffffff ? v : null;
}

/** dotted IPv4 with 1..4 parts: value left-aligned, and how many bits were given */
function parseDotted(t: string): { v: number; bits: number } | null {
  const parts = t.split('.');
  if (parts.length > 4 || parts.some((p) => !/^[0-9]+$/.test(p) || Number(p) > 255)) return null;
  let v = 0;
  for (const p of parts) v = (v * 256 + Number(p)) >>> 0;
  const bits = parts.length * 8;
  return { v: bits === 32 ? v : (v * 2 ** (32 - bits)) >>> 0, bits };
}

function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

function parseMac(t: string): Uint8Array | null {
  if (!MAC_RE.test(t) || t.length !== MAC_RE.exec(t)![0].length) return null;
  return Uint8Array.from(t.split(':').map((x) => parseInt(x, 16)));
}

// --- parser ----------------------------------------------------------------

type Dir = 'src' | 'dst' | 'srcordst' | 'srcanddst';
interface Qual {
  proto: string | null;
  dir: Dir | null;
  type: 'host' | 'net' | 'port' | 'portrange' | 'proto' | null;
}

/** an arithmetic value: how to compute it, the conditions its loads need, its value when constant */
interface Arith {
  v: (f: Uint8Array) => number;
  guard: FramePredicate | null;
  k: number | null;
}

const RELOPS = new Set(['=', '==', '!=', '<', '<=', '>', '>=']);
const ARITH_BIN: { ops: string[] }[] = [{ ops: ['|', '^'] }, { ops: ['&'] }, { ops: ['<<', '>>'] }, { ops: ['+', '-'] }, { ops: ['*', '/', '%'] }];
const ARITH_OPS = new Set(ARITH_BIN.flatMap((l) => l.ops));

class FilterParser {
  private readonly toks: Tok[];
  private i = 0;
  /** qualifiers a bare value repeats; null where libpcap would say "syntax error" */
  private last: Qual | null = { proto: null, dir: null, type: null };

  constructor(src: string) {
    this.toks = lex(src);
  }

  parse(): FramePredicate {
    if (this.peek().kind === 'eof') return TRUE;
    const e = this.expr();
    const t = this.peek();
    if (t.kind !== 'eof') throw this.err('syntax error', t);
    return e;
  }

  // -- tokens
  private peek(k = 0): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Tok {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isWord(t: Tok, ...words: string[]): boolean {
    return t.kind === 'id' && !t.escaped && words.includes(t.text);
  }
  private isOp(t: Tok, ...ops: string[]): boolean {
    return t.kind === 'op' && ops.includes(t.text);
  }
  private err(detail: string, t: Tok, token?: string): NatlabError {
    const tok = token ?? (t.kind === 'eof' ? undefined : t.text);
    return new NatlabError(t.kind === 'eof' && detail === 'syntax error' ? 'syntax error: unexpected end of filter' : detail, tok === undefined ? { col: t.col } : { col: t.col, token: tok });
  }
  private expectOp(op: string): Tok {
    const t = this.next();
    if (!this.isOp(t, op)) throw this.err(`syntax error: expected '${op}'`, t);
    return t;
  }

  // -- boolean structure
  private expr(): FramePredicate {
    let left = this.term();
    for (;;) {
      const t = this.peek();
      if (this.isWord(t, 'and') || this.isOp(t, '&&')) {
        this.next();
        left = and(left, this.term());
      } else if (this.isWord(t, 'or') || this.isOp(t, '||')) {
        this.next();
        left = or(left, this.term());
      } else {
        return left;
      }
    }
  }

  private term(): FramePredicate {
    const t = this.peek();
    if (this.isWord(t, 'not') || this.isOp(t, '!')) {
      this.next();
      return not(this.term());
    }
    if (this.isOp(t, '(')) {
      const save = this.i;
      const rel = this.tryRelation();
      if (rel) return rel;
      this.i = save;
      this.next();
      const e = this.expr();
      this.expectOp(')');
      this.last = null;
      return e;
    }
    if (this.startsRelation()) return this.relation();
    return this.primitive();
  }

  // -- relations: arith relop arith
  private startsRelation(): boolean {
    const t = this.peek();
    const n = this.peek(1);
    if (this.isOp(t, '-')) return true;
    if (t.kind !== 'id') return false;
    if (!t.escaped && (t.text === 'len' || t.text in CONSTANTS)) return true;
    if (!t.escaped && PROTOS.has(t.text) && this.isOp(n, '[')) return true;
    return parseNumber(t.text) !== null && n.kind === 'op' && (RELOPS.has(n.text) || ARITH_OPS.has(n.text));
  }

  private tryRelation(): FramePredicate | null {
    const last = this.last;
    try {
      const r = this.relation();
      const t = this.peek();
      if (t.kind === 'eof' || this.isOp(t, ')', '&&', '||') || this.isWord(t, 'and', 'or')) return r;
    } catch (e) {
      if (!(e instanceof NatlabError)) throw e;
    }
    this.last = last;
    return null;
  }

  private relation(): FramePredicate {
    const a = this.arith(0);
    const opTok = this.next();
    if (opTok.kind !== 'op' || !RELOPS.has(opTok.text)) throw this.err('syntax error: expected a comparison (=, !=, <, <=, >, >=)', opTok);
    const b = this.arith(0);
    this.last = null;
    const cmp = compare(opTok.text);
    if (a.k !== null && b.k !== null) return cmp(a.k, b.k) ? TRUE : FALSE;
    const av = a.v;
    const bv = b.v;
    const rel: FramePredicate = (f) => cmp(av(f), bv(f));
    const guard = a.guard && b.guard ? and(a.guard, b.guard) : (a.guard ?? b.guard);
    return guard ? and(guard, rel) : rel;
  }

  private arith(level: number): Arith {
    if (level === ARITH_BIN.length) return this.unary();
    let left = this.arith(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !ARITH_BIN[level]!.ops.includes(t.text)) return left;
      this.next();
      const right = this.arith(level + 1);
      left = binary(t, left, right, this);
    }
  }

  /** for binary(): errors at a token */
  errAt(detail: string, t: Tok): NatlabError {
    return this.err(detail, t);
  }

  private unary(): Arith {
    const t = this.next();
    if (this.isOp(t, '-')) {
      const a = this.unary();
      const av = a.v;
      return { v: (f) => (-av(f)) >>> 0, guard: a.guard, k: a.k === null ? null : (-a.k) >>> 0 };
    }
    if (this.isOp(t, '(')) {
      const a = this.arith(0);
      this.expectOp(')');
      return a;
    }
    if (t.kind !== 'id') throw this.err('syntax error: expected a number, len or proto[...]', t);
    if (!t.escaped && t.text === 'len') return { v: (f) => f.length, guard: null, k: null };
    if (!t.escaped && t.text in CONSTANTS) return konst(CONSTANTS[t.text]!);
    if (!t.escaped && PROTOS.has(t.text) && this.isOp(this.peek(), '[')) return this.byteLoad(t);
    const n = parseNumber(t.text);
    if (n === null) throw this.err('not a number', t);
    return konst(n);
  }

  /** proto[expr] and proto[expr:size], as gen_load() does */
  private byteLoad(protoTok: Tok): Arith {
    this.expectOp('[');
    const idx = this.arith(0);
    let size = 1;
    if (this.isOp(this.peek(), ':')) {
      this.next();
      const st = this.next();
      const s = st.kind === 'id' ? parseNumber(st.text) : null;
      if (s !== 1 && s !== 2 && s !== 4) throw this.err('data size must be 1, 2, or 4', st);
      size = s;
    }
    this.expectOp(']');
    const iv = idx.v;
    const ik = idx.k;
    const proto = protoTok.text;
    let base: (f: Uint8Array) => number;
    let guard: FramePredicate | null;
    switch (proto) {
      case 'ether':
      case 'link':
        base = () => 0;
        guard = null;
        break;
      case 'ip':
      case 'arp':
      case 'rarp':
      case 'ip6':
        base = () => L3;
        guard = isEthertype(ETHER_PROTO_NUM[proto]!);
        break;
      default: {
        // tcp, udp, icmp, igmp, sctp: from the IPv4 payload, first fragment only
        const p = IP_PROTO_NUM[proto]!;
        base = l4;
        guard = and(ipProto(p), ipFirstFragment);
      }
    }
    const at = ik !== null ? (f: Uint8Array) => base(f) + ik : (f: Uint8Array) => base(f) + iv(f);
    const g = idx.guard ? (guard ? and(guard, idx.guard) : idx.guard) : guard;
    return { v: (f) => load(f, at(f), size), guard: g, k: null };
  }

  // -- primitives
  private primitive(): FramePredicate {
    const t = this.peek();
    if (t.kind !== 'id') throw this.err('syntax error', t);
    if (!t.escaped && UNSUPPORTED.has(t.text)) throw this.err(`not supported: '${t.text}' filters`, t);
    if (this.isWord(t, 'less', 'greater')) {
      this.next();
      const nt = this.next();
      const n = nt.kind === 'id' ? parseNumber(nt.text) : null;
      if (n === null) throw this.err(`${t.text} needs a number`, nt);
      this.last = null;
      return t.text === 'less' ? (f) => f.length <= n : (f) => f.length >= n;
    }
    if (this.isWord(t, 'broadcast', 'multicast')) {
      this.next();
      this.last = null;
      return t.text === 'broadcast' ? etherBroadcast : etherMulticast;
    }

    const q: Qual = { proto: null, dir: null, type: null };
    const protoTok = this.peek();
    if (this.isWord(protoTok, ...PROTOS)) {
      this.next();
      q.proto = protoTok.text === 'link' ? 'ether' : protoTok.text;
    }
    const dirTok = this.peek();
    if (this.isWord(dirTok, 'src', 'dst')) {
      this.next();
      q.dir = dirTok.text as Dir;
      const conj = this.peek();
      const other = this.peek(1);
      if (this.isWord(conj, 'or', 'and') && this.isWord(other, dirTok.text === 'src' ? 'dst' : 'src')) {
        this.next();
        this.next();
        q.dir = conj.text === 'or' ? 'srcordst' : 'srcanddst';
      }
    }
    const typeTok = this.peek();
    if (this.isWord(typeTok, 'host', 'net', 'port', 'portrange', 'proto')) {
      this.next();
      q.type = typeTok.text as Qual['type'];
    }

    if (q.proto !== null && q.dir === null && q.type === null) {
      // a protocol by itself, or `ether broadcast`, `ip multicast`, ...
      const n = this.peek();
      if (this.isWord(n, 'broadcast', 'multicast')) {
        this.next();
        this.last = null;
        return this.protoCast(q.proto, n.text, protoTok);
      }
      this.last = null;
      return this.protoAlone(q.proto, protoTok);
    }
    if (q.proto === null && q.dir === null && q.type === null) {
      // a bare value: the qualifiers of the previous primitive, or host
      if (this.last === null) throw this.err('syntax error', t);
      Object.assign(q, this.last);
    }
    const pred = this.qualified(q);
    this.last = q;
    return pred;
  }

  private protoAlone(proto: string, t: Tok): FramePredicate {
    switch (proto) {
      case 'ip':
      case 'arp':
      case 'rarp':
      case 'ip6':
        return isEthertype(ETHER_PROTO_NUM[proto]!);
      case 'icmp':
      case 'igmp':
        return ipProto(IP_PROTO_NUM[proto]!);
      case 'tcp':
      case 'udp':
      case 'sctp':
        return or(ipProto(IP_PROTO_NUM[proto]!), ip6Proto(IP_PROTO_NUM[proto]!));
      default:
        throw this.err(`'${proto}' needs a qualifier (host, src, dst, proto, broadcast, ...)`, t);
    }
  }

  private protoCast(proto: string, what: string, t: Tok): FramePredicate {
    if (proto === 'ether') return what === 'broadcast' ? etherBroadcast : etherMulticast;
    if (proto === 'ip') {
      // netmask unknown when reading a file: libpcap tests for 0.0.0.0 and 255.255.255.255
      if (what === 'broadcast') return and(isEthertype(ETHERTYPE_IP), (f) => { const d = u32(f, IP_DST); return d === 0 || d === 0xffffffff; });
      return and(isEthertype(ETHERTYPE_IP), (f) => u8(f, IP_DST) >= 224);
    }
    throw this.err(`'${proto} ${what}' is not supported`, t);
  }

  /** a primitive with its qualifiers and value: host, net, port, portrange, proto */
  private qualified(q: Qual): FramePredicate {
    const vt = this.next();
    if (vt.kind !== 'id' || (!vt.escaped && KEYWORDS.has(vt.text) && q.type !== 'proto')) throw this.err('syntax error', vt);
    const dir: Dir = q.dir ?? 'srcordst';
    const type = q.type ?? 'host';
    const mac = parseMac(vt.text);
    if (mac) {
      if (q.proto !== 'ether' && q.proto !== null) throw this.err('ethernet address used in non-ether expression', vt);
      if (q.proto === null) throw this.err('ethernet address used in non-ether expression', vt);
      if (type !== 'host') throw this.err(`'${type}' does not take an ethernet address`, vt);
      return etherHost(mac, dir);
    }
    if (q.proto === 'ether') {
      if (type === 'proto') return this.etherProto(vt);
      if (type !== 'host') throw this.err(`'ether ${type}' is not supported`, vt);
      throw this.err('illegal link layer address', vt);
    }
    switch (type) {
      case 'host':
      case 'net':
        return this.hostNet(q, dir, type, vt);
      case 'port':
      case 'portrange':
        return this.port(q, dir, type, vt);
      case 'proto':
        return this.ipProtoPrim(q, vt);
    }
  }

  private hostNet(q: Qual, dir: Dir, type: 'host' | 'net', vt: Tok): FramePredicate {
    if (q.proto === 'ip6') throw this.err('not supported: IPv6 addresses', vt);
    if (q.proto !== null && q.proto !== 'ip' && q.proto !== 'arp' && q.proto !== 'rarp') {
      throw this.err(`'${q.proto}' modifier applied to ${type}`, vt);
    }
    const d = parseDotted(vt.text);
    if (!d) {
      if (/^[0-9a-fA-F:]+$/.test(vt.text) && vt.text.includes(':')) throw this.err('not supported: IPv6 addresses', vt);
      throw this.err(`not an IPv4 address (natlab does not resolve host names)`, vt);
    }
    let addr = d.v;
    let mask = prefixMask(d.bits);
    if (type === 'net') {
      const n = this.peek();
      if (this.isOp(n, '/')) {
        this.next();
        const lt = this.next();
        const len = lt.kind === 'id' ? parseNumber(lt.text) : null;
        if (len === null || len > 32) throw this.err('mask length must be <= 32', lt);
        mask = prefixMask(len);
        if ((addr & ~mask) >>> 0 !== 0) throw this.err(`non-network bits set in "${vt.text}/${len}"`, vt);
      } else if (this.isWord(n, 'mask')) {
        this.next();
        const mt = this.next();
        const m = mt.kind === 'id' ? parseDotted(mt.text) : null;
        if (!m || m.bits !== 32) throw this.err('mask must be a dotted quad', mt);
        mask = m.v;
        if ((addr & ~mask) >>> 0 !== 0) throw this.err(`non-network bits set in "${vt.text} mask ${mt.text}"`, vt);
      }
    }
    addr = (addr & mask) >>> 0;
    const protos = q.proto === null ? ['ip', 'arp', 'rarp'] : [q.proto];
    let pred: FramePredicate | null = null;
    for (const p of protos) {
      const [so, dO] = p === 'ip' ? [IP_SRC, IP_DST] : [ARP_SPA, ARP_TPA];
      const m = addrMatch(so, dO, addr, mask, dir);
      const one = and(isEthertype(ETHER_PROTO_NUM[p]!), m);
      pred = pred ? or(pred, one) : one;
    }
    return pred!;
  }

  private port(q: Qual, dir: Dir, type: 'port' | 'portrange', vt: Tok): FramePredicate {
    let protos: number[];
    if (q.proto === null) protos = [IP_PROTO_NUM.sctp!, IP_PROTO_NUM.tcp!, IP_PROTO_NUM.udp!];
    else if (q.proto === 'tcp' || q.proto === 'udp' || q.proto === 'sctp') protos = [IP_PROTO_NUM[q.proto]!];
    else if (q.proto === 'ip' || q.proto === 'ip6') throw this.err(`not supported: '${q.proto} ${type}'`, vt);
    else throw this.err(`'${q.proto}' modifier applied to ${type}`, vt);
    let lo: number;
    let hi: number;
    if (type === 'port') {
      if (parseDotted(vt.text)?.bits === 32) throw this.err(`'port' modifier applied to ip host`, vt);
      lo = hi = this.portNumber(vt.text, vt);
    } else {
      const m = /^([^-]+)-([^-]+)$/.exec(vt.text);
      if (!m) throw this.err("a port range is 'low-high'", vt);
      lo = this.portNumber(m[1]!, vt);
      hi = this.portNumber(m[2]!, vt);
      if (lo > hi) [lo, hi] = [hi, lo];
    }
    const inRange = (p: number): boolean => p >= lo && p <= hi;
    const portsMatch = (f: Uint8Array, at: number): boolean => {
      switch (dir) {
        case 'src':
          return inRange(u16(f, at));
        case 'dst':
          return inRange(u16(f, at + 2));
        case 'srcordst':
          return inRange(u16(f, at)) || inRange(u16(f, at + 2));
        case 'srcanddst':
          return inRange(u16(f, at)) && inRange(u16(f, at + 2));
      }
    };
    const protoOk = (p: number): boolean => protos.includes(p);
    // IPv6 first, then IPv4, as gen_port() orders them; the result does not depend on it
    return (f) => {
      const et = u16(f, ETH_TYPE);
      if (et === ETHERTYPE_IPV6) return protoOk(u8(f, IP6_NEXT)) && portsMatch(f, IP6_PAYLOAD);
      if (et !== ETHERTYPE_IP) return false;
      if (!protoOk(u8(f, IP_PROTO))) return false;
      if ((u16(f, IP_FRAG) & 0x1fff) !== 0) return false;
      return portsMatch(f, l4(f));
    };
  }

  private portNumber(text: string, t: Tok): number {
    const n = parseNumber(text);
    if (n !== null) {
      if (n > 65535) throw this.err(`illegal port number ${n} > 65535`, t);
      return n;
    }
    const s = SERVICES[text];
    if (s === undefined) throw this.err('unknown port name', t, text);
    return s;
  }

  /** `ip proto N`, `proto N` (IPv4 or IPv6), `ip6 proto N` */
  private ipProtoPrim(q: Qual, vt: Tok): FramePredicate {
    let n = parseNumber(vt.text);
    if (n === null) {
      if (!vt.escaped && KEYWORDS.has(vt.text)) throw this.err(`a keyword: write '\\${vt.text}'`, vt);
      const named = PROTO_NAMES[vt.text];
      if (named === undefined) throw this.err('unknown ip proto', vt);
      n = named;
    }
    if (n > 255) throw this.err('protocol number must be <= 255', vt);
    if (q.dir !== null) throw this.err(`'${q.dir}' does not go with proto`, vt);
    const p = n;
    switch (q.proto) {
      case 'ip':
        return ipProto(p);
      case 'ip6':
        return ip6Proto(p);
      case null:
        return or(ipProto(p), ip6Proto(p));
      default:
        throw this.err(`'${q.proto} proto' is not supported`, vt);
    }
  }

  private etherProto(vt: Tok): FramePredicate {
    let n = parseNumber(vt.text);
    if (n === null) {
      if (!vt.escaped && KEYWORDS.has(vt.text)) throw this.err(`a keyword: write '\\${vt.text}'`, vt);
      const named = ETHER_PROTO_NUM[vt.text];
      if (named === undefined) throw this.err('unknown ether proto', vt);
      n = named;
    }
    if (n <= 1500) throw this.err('not supported: 802.3 length field protocols (ether proto <= 1500)', vt);
    if (n > 0xffff) throw this.err('ether proto must be <= 0xffff', vt);
    return isEthertype(n);
  }
}

function konst(n: number): Arith {
  const v = n >>> 0;
  return { v: () => v, guard: null, k: v };
}

function binary(t: Tok, a: Arith, b: Arith, p: FilterParser): Arith {
  const op = t.text;
  if ((op === '/' || op === '%') && b.k === 0) throw p.errAt('division by zero', t);
  const fn = arithOp(op);
  const guard = a.guard && b.guard ? and(a.guard, b.guard) : (a.guard ?? b.guard);
  if (a.k !== null && b.k !== null) return { v: konst(fn(a.k, b.k)).v, guard: null, k: fn(a.k, b.k) };
  const av = a.v;
  const bv = b.v;
  return { v: (f) => fn(av(f), bv(f)), guard, k: null };
}

/** BPF ALU on unsigned 32-bit values; a division by zero at run time rejects */
function arithOp(op: string): (x: number, y: number) => number {
  switch (op) {
    case '+':
      return (x, y) => (x + y) >>> 0;
    case '-':
      return (x, y) => (x - y) >>> 0;
    case '*':
      return (x, y) => Math.imul(x, y) >>> 0;
    case '/':
      return (x, y) => {
        if (y === 0) throw REJECT;
        return Math.floor(x / y) >>> 0;
      };
    case '%':
      return (x, y) => {
        if (y === 0) throw REJECT;
        return x % y >>> 0;
      };
    case '&':
      return (x, y) => (x & y) >>> 0;
    case '|':
      return (x, y) => (x | y) >>> 0;
    case '^':
      return (x, y) => (x ^ y) >>> 0;
    case '<<':
      return (x, y) => (y >= 32 ? 0 : (x << y) >>> 0);
    default:
      return (x, y) => (y >= 32 ? 0 : x >>> y);
  }
}

function compare(op: string): (x: number, y: number) => boolean {
  switch (op) {
    case '=':
    case '==':
      return (x, y) => x === y;
    case '!=':
      return (x, y) => x !== y;
    case '<':
      return (x, y) => x < y;
    case '<=':
      return (x, y) => x <= y;
    case '>':
      return (x, y) => x > y;
    default:
      return (x, y) => x >= y;
  }
}

function addrMatch(srcOff: number, dstOff: number, addr: number, mask: number, dir: Dir): FramePredicate {
  const is = (f: Uint8Array, off: number): boolean => ((u32(f, off) & mask) >>> 0) === addr;
  switch (dir) {
    case 'src':
      return (f) => is(f, srcOff);
    case 'dst':
      return (f) => is(f, dstOff);
    case 'srcordst':
      return (f) => is(f, srcOff) || is(f, dstOff);
    case 'srcanddst':
      return (f) => is(f, srcOff) && is(f, dstOff);
  }
}

function macAt(f: Uint8Array, off: number, mac: Uint8Array): boolean {
  if (off + 6 > f.length) throw REJECT;
  for (let k = 0; k < 6; k++) if (f[off + k] !== mac[k]) return false;
  return true;
}

function etherHost(mac: Uint8Array, dir: Dir): FramePredicate {
  switch (dir) {
    case 'src':
      return (f) => macAt(f, 6, mac);
    case 'dst':
      return (f) => macAt(f, 0, mac);
    case 'srcordst':
      return (f) => macAt(f, 6, mac) || macAt(f, 0, mac);
    case 'srcanddst':
      return (f) => macAt(f, 6, mac) && macAt(f, 0, mac);
  }
}

const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const etherBroadcast: FramePredicate = (f) => macAt(f, 0, BROADCAST_MAC);
const etherMulticast: FramePredicate = (f) => (u8(f, 0) & 1) === 1;
