/**
 * The chain walk of one table at one hook, as the kernel's ipt_do_table():
 * start at the hook's built-in chain, test each rule's IPv4 part and its
 * matches, count the rule (packets +1, bytes += IP length) when all match,
 * then run its target; jumps push a return point, goto does not, RETURN or
 * the end of a user chain pops, and the end of the built-in chain applies
 * its policy. ACCEPT ends only this table at this hook.
 *
 * Trace events use the vocabulary of the kernel's nf_tables trace as
 * `xtables-monitor --trace` prints it (measured on 6.18): a matching rule
 * gives its verdict (ACCEPT, DROP, CONTINUE for a rule without one,
 * `JUMP:CHAIN`, `GOTO:CHAIN`, RETURN), the end of a built-in chain gives
 * its policy, and falling off the end of a user chain gives no event.
 */
import type { HopEvent } from '../../trace/events.js';
import type { NfHook } from '../../model/nf-seam.js';
import { HOOK_NAMES, Verdict } from '../../model/nf-seam.js';
import type { Skb } from '../../model/skb.js';
import type { XtContext } from '../xt-context.js';
import { ifaceMatch } from '../matches/iface-name.js';
import { chainIndex, nextCandidate, type ChainIndex } from './chain-index.js';
import { RuleKind, XT_CONTINUE, XT_RETURN, type Chain, type Rule, type Table } from './types.js';

/** the return stack, reused across walks (the walk is not re-entrant per table) */
const stackChain: Chain[] = [];
const stackIdx: number[] = [];

/** drop the return points this walk pushed (setting an array's length is not free: only when needed) */
function unwind(sp0: number): void {
  if (stackChain.length !== sp0) {
    stackChain.length = sp0;
    stackIdx.length = sp0;
  }
}

/** ip_packet_match(): the fixed IPv4 part of a rule */
function ipMatch(r: Rule, skb: Skb, ctx: XtContext): boolean {
  const b = skb.data;
  const o = skb.l3;
  if (r.srcMask !== 0 || r.invSrc) {
    const src = ((b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!) >>> 0;
    if ((((src & r.srcMask) >>> 0) === r.src) === r.invSrc) return false;
  }
  if (r.dstMask !== 0 || r.invDst) {
    const dst = ((b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!) >>> 0;
    if ((((dst & r.dstMask) >>> 0) === r.dst) === r.invDst) return false;
  }
  if (r.inIface && ifaceMatch(r.inIface, ctx.inDev ? ctx.inDev.name : '') === r.invIn) return false;
  if (r.outIface && ifaceMatch(r.outIface, ctx.outDev ? ctx.outDev.name : '') === r.invOut) return false;
  if (r.proto !== 0 && (b[o + 9] === r.proto) === r.invProto) return false;
  // -f: a fragment other than the first (the 13-bit fragment offset is not 0)
  if (r.frag && ((((b[o + 6]! & 0x1f) | b[o + 7]!) !== 0) === r.invFrag)) return false;
  return true;
}

function ruleMatches(r: Rule, skb: Skb, ctx: XtContext): boolean {
  if (!ipMatch(r, skb, ctx)) return false;
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i]!;
    if (!m.spec.match(m.data, skb, ctx)) return false;
  }
  return true;
}

/**
 * A rule's text as `iptables -S` prints it (`-A CHAIN spec`), made once per
 * rule: the entry is stale, and made again, when the chain was renamed
 * (-E) or the rule's spec changed; a replaced rule (-R) is a new object.
 */
const ruleTexts = new WeakMap<Rule, { chain: string; spec: string; text: string }>();
export function ruleText(c: Chain, r: Rule): string {
  const k = ruleTexts.get(r);
  if (k !== undefined && k.chain === c.name && k.spec === r.spec) return k.text;
  const text = `-A ${c.name}${r.spec}`;
  ruleTexts.set(r, { chain: c.name, spec: r.spec, text });
  return text;
}

function traceChain(ctx: XtContext, skb: Skb, c: Chain, n: number, r: Rule | null, verdict: string): void {
  const sink = ctx.host.trace;
  if (sink === null) return;
  const text = r ? ruleText(c, r) : undefined;
  if (sink.chain !== undefined) {
    // a sink that takes the parts: no event object
    sink.chain(ctx.host.now(), ctx.host.name, skb.id, HOOK_NAMES[ctx.hook], ctx.table, c.name, r ? n : 0, text ?? null, verdict, ctx.inDev ? ctx.inDev.name : null, ctx.outDev ? ctx.outDev.name : null, skb.physIn ? skb.physIn.name : null, skb.physOut ? skb.physOut.name : null);
  } else {
    const e: Parameters<typeof sink.emit>[0] = {
      t: ctx.host.now(),
      node: ctx.host.name,
      kind: 'chain',
      pkt: skb.id,
      hook: HOOK_NAMES[ctx.hook],
      table: ctx.table as 'filter',
      chain: c.name,
      verdict,
    };
    if (r) {
      e.rule = n;
      e.ruleText = text;
    } else e.policy = true;
    if (ctx.inDev) e.in = ctx.inDev.name;
    if (ctx.outDev) e.out = ctx.outDev.name;
    if (skb.physIn) e.physin = skb.physIn.name;
    if (skb.physOut) e.physout = skb.physOut.name;
    sink.emit(e);
  }
  if (verdict === 'DROP') {
    const d: Omit<HopEvent, 'seq'> = { t: ctx.host.now(), node: ctx.host.name, kind: 'drop', pkt: skb.id, hook: HOOK_NAMES[ctx.hook], table: ctx.table as 'filter', chain: c.name, reason: r ? 'rule' : 'policy' };
    if (r) {
      d.rule = n;
      d.ruleText = text;
    }
    sink.emit(d);
  }
}

const VERDICT_NAMES = ['DROP', 'ACCEPT', 'STOLEN'];

/** ipt_do_table(): the verdict of `table` for `skb` at `hook` */
export function iptDoTable(table: Table, hook: NfHook, skb: Skb, ctx: XtContext): Verdict {
  const base = table.byHook[hook];
  // iptables-nft: a built-in chain nobody created is not hooked at all
  if (!base || !base.created) return Verdict.ACCEPT;
  const tracing = ctx.host.trace !== null;
  const sp0 = stackChain.length;
  let chain: Chain = base;
  let i = 0;
  // the chain's address dispatch (chain-index.ts): skip rules whose exact address cannot match
  let idxChain: Chain | null = null;
  let idx: ChainIndex | null = null;
  let addr = 0;
  for (;;) {
    const rules = chain.rules;
    if (chain !== idxChain) {
      idxChain = chain;
      idx = chainIndex(chain);
      if (idx !== null) {
        const b = skb.data;
        const o = skb.l3 + idx.field;
        addr = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
      }
    }
    if (idx !== null && i < rules.length) i = nextCandidate(idx, i, addr);
    if (i >= rules.length) {
      if (stackChain.length > sp0 && chain !== base) {
        // end of a user chain: back to the caller (nft_do_chain traces nothing here)
        chain = stackChain.pop()!;
        i = stackIdx.pop()!;
        continue;
      }
      // the built-in chain's policy (also after a goto chain ends)
      const v = base.policy === 'ACCEPT' ? Verdict.ACCEPT : Verdict.DROP;
      if (base.countersOn) {
        base.packets++;
        base.bytes += skb.l3len;
      }
      if (tracing) traceChain(ctx, skb, base, 0, null, base.policy);
      unwind(sp0);
      return v;
    }
    const r = rules[i]!;
    if (!ruleMatches(r, skb, ctx)) {
      i++;
      continue;
    }
    r.packets++;
    r.bytes += skb.l3len;
    switch (r.kind) {
      case RuleKind.ACCEPT:
      case RuleKind.DROP: {
        if (tracing) traceChain(ctx, skb, chain, i + 1, r, r.kind === RuleKind.ACCEPT ? 'ACCEPT' : 'DROP');
        unwind(sp0);
        return r.kind === RuleKind.ACCEPT ? Verdict.ACCEPT : Verdict.DROP;
      }
      case RuleKind.RETURN:
        if (tracing) traceChain(ctx, skb, chain, i + 1, r, 'RETURN');
        if (stackChain.length > sp0) {
          chain = stackChain.pop()!;
          i = stackIdx.pop()!;
        } else i = Number.MAX_SAFE_INTEGER; // RETURN from the built-in chain (or a goto chain): policy
        continue;
      case RuleKind.JUMP:
      case RuleKind.GOTO: {
        const to = table.chains.get(r.jumpTo)!;
        if (tracing) traceChain(ctx, skb, chain, i + 1, r, `${r.kind === RuleKind.JUMP ? 'JUMP' : 'GOTO'}:${r.jumpTo}`);
        if (r.kind === RuleKind.JUMP) {
          stackChain.push(chain);
          stackIdx.push(i + 1);
        }
        chain = to;
        i = 0;
        continue;
      }
      case RuleKind.TARGET: {
        const t = r.target!;
        const v = t.spec.target(t.data, skb, ctx);
        if (v === XT_CONTINUE) {
          if (tracing) traceChain(ctx, skb, chain, i + 1, r, 'CONTINUE');
          i++;
          continue;
        }
        if (v === XT_RETURN) {
          if (stackChain.length > sp0) {
            chain = stackChain.pop()!;
            i = stackIdx.pop()!;
          } else i = Number.MAX_SAFE_INTEGER;
          continue;
        }
        if (tracing) traceChain(ctx, skb, chain, i + 1, r, VERDICT_NAMES[v] ?? String(v));
        unwind(sp0);
        return v as Verdict;
      }
      default:
        // no -j: counted, and the walk goes on (traced as CONTINUE)
        if (tracing) traceChain(ctx, skb, chain, i + 1, r, 'CONTINUE');
        i++;
    }
  }
}
