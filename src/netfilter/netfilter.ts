/**
 * One host's netfilter: its iptables tables, conntrack table and NAT state,
 * run at each hook in the order `hooks.ts` gives. It is the host's NfSeam.
 *
 * Conntrack runs only once something in the namespace needs it, as
 * nf_ct_netns_get() arranges in the kernel: the nat table, or a rule
 * using a conntrack match or target (state, conntrack, connmark,
 * CONNMARK, NOTRACK/CT, NAT targets). Until then there are no entries.
 */
import type { Host } from '../model/host.js';
import type { Iface } from '../model/iface.js';
import { HOOK_NAMES, NfHook, Verdict, type NfSeam } from '../model/nf-seam.js';
import { frameSummary } from '../model/frame-summary.js';
import { DefragUser, ipDefrag } from '../model/defrag.js';
import { ipIsFragment } from '../wire/ipv4.js';
import type { Skb } from '../model/skb.js';
import { conntrackConfirm } from './conntrack/confirm.js';
import { conntrackIn } from './conntrack/in.js';
import { ConntrackTable } from './conntrack/table.js';
import { HOOK_PLAN, HookFn } from './hooks.js';
import { natHook } from './nat/hook.js';
import { CONNTRACK_OPS, makeNatOps } from './nat/ops.js';
import { NatState, seedFromName } from './nat/state.js';
import { IptablesState } from './tables/state.js';
import type { Table } from './tables/types.js';
import { iptDoTable } from './tables/walk.js';
import type { XtContext } from './xt-context.js';

/** matches and targets that need conntrack (their checkentry calls nf_ct_netns_get) */
const CT_MATCHES = new Set(['state', 'conntrack', 'connmark']);
const CT_TARGETS = new Set(['CONNMARK', 'NOTRACK', 'CT', 'MASQUERADE', 'SNAT', 'DNAT', 'REDIRECT']);

export class Netfilter implements NfSeam {
  readonly ipt = new IptablesState();
  readonly conntrack = new ConntrackTable();
  readonly nat: NatState;
  /** conntrack is loaded in this namespace */
  ctActive = false;
  /** any IPv4 hook has work to do */
  active = false;
  private readonly ctx: XtContext;
  private readonly walkNat: (skb: Skb) => Verdict;

  constructor(readonly host: Host) {
    this.nat = new NatState(this.conntrack, () => host.now(), seedFromName(host.name));
    this.ctx = {
      host,
      hook: NfHook.PRE_ROUTING,
      inDev: null,
      outDev: null,
      table: 'filter',
      nat: makeNatOps(this.nat, host),
      ct: CONNTRACK_OPS,
    };
    this.walkNat = (skb: Skb) => this.walkTable(this.ipt.tables.nat, this.ctx.hook, skb);
    host.sysctls.register('net.netfilter.', this.conntrack.settings);
    // masq_device_event() / masq_inet_event(): MASQUERADE entries die with their device or address
    host.netdevDown.push((dev) => void this.conntrack.killMasqueraded(dev.ifindex));
    host.inetaddrDel.push((dev, addr) => void this.conntrack.killMasqueradedAddr(dev.ifindex, addr));
  }

  /** after any iptables change: is conntrack needed, is anything hooked? */
  refresh(): void {
    const t = this.ipt.tables;
    let ct = this.ctActive || t.nat.exists;
    let any = false;
    for (const name of ['raw', 'mangle', 'nat', 'filter'] as const) {
      const table = t[name];
      if (!table.exists) continue;
      any = true;
      for (const c of table.chains.values()) {
        for (const r of c.rules) {
          if (r.matches.some((m) => CT_MATCHES.has(m.spec.name))) ct = true;
          if (r.target !== null && CT_TARGETS.has(r.target.spec.name)) ct = true;
        }
      }
    }
    this.ctActive = ct;
    this.active = any || ct;
  }

  /** NF_HOOK(NFPROTO_IPV4, hook, ...): every hook function in priority order */
  hook(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    if (!this.active) return Verdict.ACCEPT;
    const ctx = this.ctx;
    const plan = HOOK_PLAN[hook];
    for (let i = 0; i < plan.length; i++) {
      ctx.hook = hook;
      ctx.inDev = inDev;
      ctx.outDev = outDev;
      let v: Verdict = Verdict.ACCEPT;
      switch (plan[i]) {
        case HookFn.DEFRAG:
          if (this.ctActive && ipIsFragment(skb.data, skb.l3)) v = this.defrag(hook, skb);
          break;
        case HookFn.RAW:
          v = this.walkTable(this.ipt.tables.raw, hook, skb);
          break;
        case HookFn.CONNTRACK_IN:
          if (this.ctActive) v = conntrackIn(this.conntrack, hook, skb, this.host);
          break;
        case HookFn.MANGLE:
          v = this.walkTable(this.ipt.tables.mangle, hook, skb);
          break;
        case HookFn.NAT_DST:
        case HookFn.NAT_SRC:
          if (this.ctActive && this.ipt.tables.nat.exists) {
            if (this.host.trace === null) v = natHook(this.nat, hook, skb, ctx, this.walkNat);
            else v = this.tracedNat(hook, skb, inDev, outDev);
          }
          break;
        case HookFn.FILTER:
          v = this.walkTable(this.ipt.tables.filter, hook, skb);
          break;
        case HookFn.CONFIRM:
          if (this.ctActive) v = conntrackConfirm(this.conntrack, skb, this.host.now());
          break;
      }
      if (v !== Verdict.ACCEPT) {
        if (v === Verdict.DROP && this.host.trace !== null && plan[i] !== HookFn.RAW && plan[i] !== HookFn.MANGLE && plan[i] !== HookFn.FILTER) {
          this.host.event('drop', skb, inDev ?? outDev, { reason: plan[i] === HookFn.CONFIRM ? 'conntrack: confirm clash' : plan[i] === HookFn.CONNTRACK_IN ? 'conntrack: invalid' : 'nat: no binding possible' });
        }
        return v;
      }
    }
    return Verdict.ACCEPT;
  }

  /**
   * ipv4_conntrack_defrag(): reassemble before conntrack sees the packet.
   * A held fragment is stolen; the whole packet goes on, and may be
   * fragmented again on output even with DF (skb->ignore_df).
   */
  private defrag(hook: NfHook, skb: Skb): Verdict {
    if (skb.ct !== null) return Verdict.ACCEPT; // already tracked (loopback's second pass, NOTRACK template)
    if (skb.nfBridge) {
      // br_nf_pre_routing() reassembles too, and br_nf_dev_queue_xmit() refragments: not modelled
      this.host.unsupported(`an IPv4 fragment bridged through ${this.host.name} with br_netfilter and conntrack: bridge reassembly is not modelled`);
      return Verdict.DROP;
    }
    const user = hook === NfHook.PRE_ROUTING ? DefragUser.CONNTRACK_IN : DefragUser.CONNTRACK_OUT;
    if (!ipDefrag(this.host, skb, user)) return Verdict.STOLEN;
    skb.ignoreDf = true;
    return Verdict.ACCEPT;
  }

  /** the NAT hook, and a `nat` hop event when it rewrote the packet (addresses, ports, ICMP id) */
  private tracedNat(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    const frame = skb.data.subarray(skb.l3 - 14);
    natView(skb, natBefore);
    if (natCopy.length < frame.length) natCopy = new Uint8Array(frame.length * 2);
    const copyLen = frame.length;
    natCopy.set(frame);
    const v = natHook(this.nat, hook, skb, this.ctx, this.walkNat);
    if (v === Verdict.ACCEPT && natChanged(skb)) {
      this.host.event('nat', skb, inDev ?? outDev, {
        hook: HOOK_NAMES[hook],
        table: 'nat',
        before: frameSummary(natCopy.subarray(0, copyLen)),
        after: frameSummary(skb.data.subarray(skb.l3 - 14)),
        detail: hook === NfHook.PRE_ROUTING || hook === NfHook.LOCAL_OUT ? 'destination NAT' : 'source NAT',
      });
    }
    return v;
  }

  private walkTable(table: Table, hook: NfHook, skb: Skb): Verdict {
    if (!table.exists) return Verdict.ACCEPT;
    this.ctx.table = table.name;
    return iptDoTable(table, hook, skb, this.ctx);
  }
}

/** the frame before the NAT hook (tracing only), summarised only when NAT changed it */
let natCopy = new Uint8Array(2048);
const natBefore = new Int16Array(16);
const natAfter = new Int16Array(16);

/** the fields NAT may rewrite: addresses and the first 8 bytes of L4, -1 past the end (tracing only) */
function natView(skb: Skb, out: Int16Array): void {
  const b = skb.data;
  const o = skb.l3;
  const hl = (b[o]! & 0x0f) * 4;
  for (let i = 0; i < 8; i++) {
    out[i] = o + 12 + i < b.length ? b[o + 12 + i]! : -1;
    out[8 + i] = o + hl + i < b.length ? b[o + hl + i]! : -1;
  }
}

function natChanged(skb: Skb): boolean {
  natView(skb, natAfter);
  for (let i = 0; i < 16; i++) if (natAfter[i] !== natBefore[i]) return true;
  return false;
}
