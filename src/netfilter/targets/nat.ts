/**
 * SNAT, DNAT, MASQUERADE and REDIRECT: they only ask conntrack's NAT to bind
 * the connection (nf_nat_setup_info() and friends, behind `ctx.nat`).
 * nat table only; SNAT in POSTROUTING/INPUT, DNAT and REDIRECT in
 * PREROUTING/OUTPUT, MASQUERADE in POSTROUTING.
 */
import { NfHook, Verdict } from '../../model/nf-seam.js';
import { ManipType, type Conn, type NatRange } from '../ct-types.js';
import { registerTarget } from '../tables/registry.js';
import { XtError, type OptionSpec, type TargetSpec } from '../tables/types.js';
import { emptyRange, flagsText, parseNatRange, parsePorts, portsText, rangeText } from './nat-range.js';

const bit = (...h: NfHook[]): number => h.reduce((a, x) => a | (1 << x), 0);

function flagParse(r: NatRange, opt: string): boolean {
  if (opt === 'random') r.random = true;
  else if (opt === 'random-fully') r.randomFully = true;
  else if (opt === 'persistent') r.persistent = true;
  else return false;
  return true;
}
/** the flag options of each target's table in libxt_NAT.c of 1.8.9: DNAT has no --random-fully, MASQUERADE no --persistent (measured: "unknown option") */
const flagOpts = (...names: string[]): OptionSpec[] => names.map((name) => ({ name, arg: false }));

function snatDnat(name: 'SNAT' | 'DNAT', opt: string, manip: ManipType, hooks: number, flags: OptionSpec[]): TargetSpec<NatRange & { set: boolean }> {
  return {
    name,
    x6: true,
    options: [{ name: opt, arg: true }, ...flags],
    init: () => ({ ...emptyRange(), set: false }),
    tables: ['nat'],
    hooks,
    parse(d, o, arg) {
      if (flagParse(d, o)) return;
      parseNatRange(d, arg!, name);
      d.set = true;
    },
    final(d, env) {
      if (!d.set) throw new XtError(`${name}: option "--${opt}" must be specified\n`);
      if (d.protoSpecified && ![6, 17, 33, 132, 136].includes(env.proto))
        throw new XtError('Need TCP, UDP, SCTP or DCCP with port specification');
    },
    save: (d) => ` --${opt} ${rangeText(d)}${flagsText(d, '--')}`,
    print: (d) => ` to:${rangeText(d)}${flagsText(d, '')}`,
    target(d, skb, ctx) {
      const ct = skb.ct as Conn | null;
      if (ct === null) return Verdict.ACCEPT;
      return ctx.nat.setupInfo(ct, d, manip);
    },
  };
}

export const snatTarget = snatDnat('SNAT', 'to-source', ManipType.SRC, bit(NfHook.POST_ROUTING, NfHook.LOCAL_IN), flagOpts('random', 'random-fully', 'persistent'));
export const dnatTarget = snatDnat('DNAT', 'to-destination', ManipType.DST, bit(NfHook.PRE_ROUTING, NfHook.LOCAL_OUT), flagOpts('random', 'persistent'));

export const masqueradeTarget: TargetSpec<NatRange> = {
  name: 'MASQUERADE',
  x6: true,
  options: [{ name: 'to-ports', arg: true }, ...flagOpts('random', 'random-fully')],
  init: emptyRange,
  tables: ['nat'],
  hooks: bit(NfHook.POST_ROUTING),
  parse(d, o, arg) {
    if (!flagParse(d, o)) parsePorts(d, arg!, 'MASQUERADE');
  },
  final(d, env) {
    if (d.protoSpecified && ![6, 17, 33, 132, 136].includes(env.proto)) throw new XtError('Need TCP, UDP, SCTP or DCCP with port specification');
  },
  save: (d) => (d.protoSpecified ? ` --to-ports ${portsText(d)}` : '') + flagsText(d, '--'),
  print: (d) => (d.protoSpecified ? ` masq ports: ${portsText(d)}` : '') + flagsText(d, ''),
  target(d, skb, ctx) {
    const ct = skb.ct as Conn | null;
    if (ct === null || ctx.outDev === null) return Verdict.ACCEPT;
    return ctx.nat.masquerade(skb, ct, d, ctx.outDev);
  },
};

export const redirectTarget: TargetSpec<NatRange> = {
  name: 'REDIRECT',
  x6: true,
  options: [{ name: 'to-ports', arg: true }, { name: 'random', arg: false }],
  init: emptyRange,
  tables: ['nat'],
  hooks: bit(NfHook.PRE_ROUTING, NfHook.LOCAL_OUT),
  parse(d, o, arg) {
    if (!flagParse(d, o)) parsePorts(d, arg!, 'REDIRECT');
  },
  final(d, env) {
    if (d.protoSpecified && ![6, 17, 33, 132, 136].includes(env.proto)) throw new XtError('Need TCP, UDP, SCTP or DCCP with port specification');
  },
  save: (d) => (d.protoSpecified ? ` --to-ports ${portsText(d)}` : '') + flagsText(d, '--'),
  print: (d) => (d.protoSpecified ? ` redir ports ${portsText(d)}` : '') + flagsText(d, ''),
  target(d, skb, ctx) {
    const ct = skb.ct as Conn | null;
    if (ct === null) return Verdict.ACCEPT;
    return ctx.nat.redirect(skb, ct, d, ctx.hook);
  },
};

registerTarget(snatTarget);
registerTarget(dnatTarget);
registerTarget(masqueradeTarget);
registerTarget(redirectTarget);
