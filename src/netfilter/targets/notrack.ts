/** NOTRACK and CT --notrack (raw table only): attach the untracked template, as xt_CT.c notrack_tg(). */
import { CtInfo } from '../../model/skb.js';
import { registerTarget } from '../tables/registry.js';
import { XT_CONTINUE, XtError, type TargetSpec } from '../tables/types.js';

export const notrackTarget: TargetSpec<null> = {
  name: 'NOTRACK',
  // iptables-nft lists it as the CT target it is an alias of
  listName: 'CT',
  x6: true,
  options: [],
  init: () => null,
  tables: ['raw'],
  parse() {},
  save: () => '',
  print: () => ' NOTRACK',
  target(_d, skb, ctx) {
    // a packet that already has an entry (looped back) keeps it
    if (skb.ct !== null) return XT_CONTINUE;
    skb.ct = ctx.ct.untracked;
    skb.ctInfo = CtInfo.NONE;
    return XT_CONTINUE;
  },
};

/** libxt_CT's (revision 2) options that natlab does not model: helpers, timeout policies, event masks, zones */
const CT_NOT_MODELLED = ['helper', 'timeout', 'ctevents', 'expevents', 'zone', 'zone-orig', 'zone-reply'];

export const ctTarget: TargetSpec<{ notrack: boolean }> = {
  name: 'CT',
  x6: true,
  options: [{ name: 'notrack', arg: false }, ...CT_NOT_MODELLED.map((name) => ({ name, arg: true }))],
  init: () => ({ notrack: false }),
  tables: ['raw'],
  parse(d, opt) {
    // a real option, so a natlab limit rather than iptables' "unknown option"
    if (opt !== 'notrack') throw new XtError(`CT: --${opt} is not modelled by natlab`);
    d.notrack = true;
  },
  final(d) {
    // zones, helpers, timeouts and events are not modelled
    if (!d.notrack) throw new XtError('CT: only --notrack is supported by natlab');
  },
  save: () => ' --notrack',
  print: () => ' CT notrack',
  target: (_d, skb, ctx) => notrackTarget.target(null, skb, ctx),
};

export const traceTarget: TargetSpec<null> = {
  name: 'TRACE',
  // libxt_TRACE has no options and no parser of either kind
  x6: false,
  options: [],
  init: () => null,
  // any table: iptables-nft writes TRACE as nft's `meta nftrace set 1`, not
  // xt_TRACE (whose .table is "raw"); measured in every table with 1.8.9
  parse() {},
  save: () => '',
  print: () => '',
  target(_d, skb) {
    skb.nfTrace = true;
    return XT_CONTINUE;
  },
};

registerTarget(notrackTarget);
registerTarget(ctTarget);
registerTarget(traceTarget);
