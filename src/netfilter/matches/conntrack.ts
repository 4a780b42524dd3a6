/**
 * `-m conntrack` (revision 3) and `-m state`: the packet's conntrack
 * state and entry, as xt_conntrack.c conntrack_mt() and xt_state.c.
 */
import { CtInfo, type Skb } from '../../model/skb.js';
import { parseAddrMask, ipToString, maskSuffix } from '../tables/addr.js';
import { parseProto } from '../tables/protocols.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { IpsBit, type Conn } from '../ct-types.js';
import { inv, parsePortRange } from './util.js';
import { portRange } from './tcp.js';

/** state bits as XT_STATE_BIT() and XT_CONNTRACK_STATE_*: a const enum, written in place by tsc (stateBit() runs per packet) */
export const enum XtState {
  INVALID = 1 << 0,
  ESTABLISHED = 1 << 1,
  RELATED = 1 << 2,
  NEW = 1 << 3,
  UNTRACKED = 1 << 4,
  SNAT = 1 << 8,
  DNAT = 1 << 9,
}
export const ST_INVALID = XtState.INVALID;
export const ST_ESTABLISHED = XtState.ESTABLISHED;
export const ST_RELATED = XtState.RELATED;
export const ST_NEW = XtState.NEW;
export const ST_UNTRACKED = XtState.UNTRACKED;
export const ST_SNAT = XtState.SNAT;
export const ST_DNAT = XtState.DNAT;
const STATE_NAMES: [string, number][] = [
  ['INVALID', ST_INVALID], ['NEW', ST_NEW], ['RELATED', ST_RELATED], ['ESTABLISHED', ST_ESTABLISHED],
  ['UNTRACKED', ST_UNTRACKED], ['SNAT', ST_SNAT], ['DNAT', ST_DNAT],
];
const STATUS_NAMES: [string, number][] = [['EXPECTED', 1], ['SEEN_REPLY', 2], ['ASSURED', 4], ['CONFIRMED', 8]];

function parseStates(s: string, what: string, allowNat: boolean): number {
  let v = 0;
  for (const w of s.split(',')) {
    const e = STATE_NAMES.find(([n]) => n === w.toUpperCase());
    if (!e || (!allowNat && e[1] >= ST_SNAT)) throw new XtError(`Bad ${what} "${w}"`);
    v |= e[1];
  }
  return v;
}
const stateNames = (v: number): string =>
  STATE_NAMES.filter(([, b]) => v & b).map(([n]) => n).join(',');

/** the packet's state bit, as conntrack_mt() computes statebit */
export function stateBit(skb: Skb): number {
  const ct = skb.ct as Conn | null;
  if (ct === null) return XtState.INVALID;
  if (ct.untracked) return XtState.UNTRACKED;
  let b = 1 << ((skb.ctInfo % CtInfo.ESTABLISHED_REPLY) + 1);
  if (ct.status & IpsBit.SRC_NAT) b |= XtState.SNAT;
  if (ct.status & IpsBit.DST_NAT) b |= XtState.DNAT;
  return b;
}

type AddrOpt = { addr: number; mask: number; inv: boolean } | null;
export interface ConntrackData {
  state: number;
  invState: boolean;
  proto: number;
  invProto: boolean;
  origSrc: AddrOpt;
  origDst: AddrOpt;
  replSrc: AddrOpt;
  replDst: AddrOpt;
  ports: ({ r: [number, number]; inv: boolean } | null)[];
  status: number;
  hasStatus: boolean;
  invStatus: boolean;
  dir: number;
}

const ADDR_OPTS = ['ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst'] as const;
const ADDR_KEYS = ['origSrc', 'origDst', 'replSrc', 'replDst'] as const;
const PORT_OPTS = ['ctorigsrcport', 'ctorigdstport', 'ctreplsrcport', 'ctrepldstport'];

export const conntrackMatch: MatchSpec<ConntrackData> = {
  name: 'conntrack',
  x6: true,
  options: ['ctstate', 'ctproto', ...ADDR_OPTS, ...PORT_OPTS, 'ctstatus', 'ctexpire', 'ctdir'].map((name) => ({ name, arg: true })),
  init: () => ({
    state: -1, invState: false, proto: -1, invProto: false, origSrc: null, origDst: null, replSrc: null, replDst: null,
    ports: [null, null, null, null], status: 0, hasStatus: false, invStatus: false, dir: -1,
  }),
  parse(d, opt, arg, invert) {
    const a = arg!;
    const ai = ADDR_OPTS.indexOf(opt as (typeof ADDR_OPTS)[number]);
    if (ai >= 0) {
      d[ADDR_KEYS[ai]!] = { ...parseAddrMask(a), inv: invert };
      return;
    }
    const pi = PORT_OPTS.indexOf(opt);
    if (pi >= 0) {
      d.ports[pi] = { r: parsePortRange(a), inv: invert };
      return;
    }
    switch (opt) {
      case 'ctexpire':
        // libxt_conntrack has it (the entry's remaining timeout); natlab does not model it
        throw new XtError('conntrack: --ctexpire is not modelled by natlab');
      case 'ctstate':
        d.state = parseStates(a, 'ctstate', true);
        d.invState = invert;
        break;
      case 'ctproto': {
        const p = parseProto(a);
        if (p <= 0) throw new XtError(`Unknown protocol "${a}"`);
        d.proto = p;
        d.invProto = invert;
        break;
      }
      case 'ctstatus':
        d.status = 0;
        for (const w of a.split(',')) {
          if (w.toUpperCase() === 'NONE') continue;
          const e = STATUS_NAMES.find(([n]) => n === w.toUpperCase());
          if (!e) throw new XtError(`Bad ctstatus "${w}"`);
          d.status |= e[1];
        }
        d.hasStatus = true;
        d.invStatus = invert;
        break;
      case 'ctdir':
        if (a.toUpperCase() === 'ORIGINAL') d.dir = 0;
        else if (a.toUpperCase() === 'REPLY') d.dir = 1;
        else throw new XtError(`Unknown --ctdir "${a}"`);
        break;
    }
  },
  save(d) {
    let s = '';
    if (d.state >= 0) s += `${inv(d.invState)} --ctstate ${stateNames(d.state)}`;
    if (d.proto >= 0) s += `${inv(d.invProto)} --ctproto ${d.proto}`;
    ADDR_KEYS.forEach((k, i) => {
      const a = d[k];
      if (a) s += `${inv(a.inv)} --${ADDR_OPTS[i]} ${ipToString(a.addr)}${maskSuffix(a.mask, false)}`;
    });
    d.ports.forEach((p, i) => {
      if (p) s += `${inv(p.inv)} --${PORT_OPTS[i]} ${portRange(p.r)}`;
    });
    if (d.hasStatus) s += `${inv(d.invStatus)} --ctstatus ${statusNames(d.status)}`;
    if (d.dir >= 0) s += ` --ctdir ${d.dir ? 'REPLY' : 'ORIGINAL'}`;
    return s;
  },
  print(d) {
    return this.save(d).replace(/ --/g, ' ');
  },
  match(d, skb) {
    const ct = skb.ct as Conn | null;
    if (d.state >= 0 && ((stateBit(skb) & d.state) !== 0) === d.invState) return false;
    if (ct === null || ct.untracked) return d.proto < 0 && d.origSrc === null && d.origDst === null && d.replSrc === null && d.replDst === null && !d.hasStatus && d.dir < 0 && d.ports.every((p) => p === null);
    const o = ct.tuple[0];
    const r = ct.tuple[1];
    if (d.proto >= 0 && (o.proto === d.proto) === d.invProto) return false;
    if (d.origSrc && (((o.src & d.origSrc.mask) >>> 0 === d.origSrc.addr) === d.origSrc.inv)) return false;
    if (d.origDst && (((o.dst & d.origDst.mask) >>> 0 === d.origDst.addr) === d.origDst.inv)) return false;
    if (d.replSrc && (((r.src & d.replSrc.mask) >>> 0 === d.replSrc.addr) === d.replSrc.inv)) return false;
    if (d.replDst && (((r.dst & d.replDst.mask) >>> 0 === d.replDst.addr) === d.replDst.inv)) return false;
    for (let i = 0; i < 4; i++) {
      const p = d.ports[i];
      if (!p) continue;
      const port = i === 0 ? o.sport : i === 1 ? o.dport : i === 2 ? r.sport : r.dport;
      if ((port >= p.r[0] && port <= p.r[1]) === p.inv) return false;
    }
    if (d.hasStatus && ((ct.status & d.status) !== 0) === d.invStatus) return false;
    if (d.dir >= 0) {
      const replyDir = skb.ctInfo >= CtInfo.ESTABLISHED_REPLY && skb.ctInfo !== CtInfo.NONE;
      if (replyDir !== (d.dir === 1)) return false;
    }
    return true;
  },
};

function statusNames(v: number): string {
  if (v === 0) return 'NONE';
  return STATUS_NAMES.filter(([, b]) => v & b).map(([n]) => n).join(',');
}

export interface StateData {
  state: number;
  invert: boolean;
}

export const stateMatch: MatchSpec<StateData> = {
  name: 'state',
  x6: true,
  options: [{ name: 'state', arg: true }],
  init: () => ({ state: -1, invert: false }),
  parse(d, _opt, arg, invert) {
    d.state = parseStates(arg!, 'state', false);
    d.invert = invert;
  },
  final(d) {
    if (d.state < 0) throw new XtError('state: option "--state" must be specified\n');
  },
  save: (d) => `${inv(d.invert)} --state ${stateNames(d.state)}`,
  print: (d) => `${d.invert ? ' !' : ''} state ${stateNames(d.state)}`,
  match: (d, skb) => ((stateBit(skb) & d.state) !== 0) !== d.invert,
};

registerMatch(conntrackMatch);
registerMatch(stateMatch);
