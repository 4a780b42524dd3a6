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
import { DefragUser, ipDefrag } from '../model/defrag.js';
import type { Skb } from '../model/skb.js';
import { conntrackConfirm } from './conntrack/confirm.js';
import type { CtEntry } from './conntrack/conn.js';
import { IpsBit } from './ct-types.js';
import { conntrackIn } from './conntrack/in.js';
import { ConntrackTable } from './conntrack/table.js';
import { HOOK_PLAN, HookFn } from './hooks.js';
import { NatBound, natBoundPacket, natHook } from './nat/hook.js';
import { CONNTRACK_OPS, makeNatOps } from './nat/ops.js';
import { NatState, seedFromName } from './nat/state.js';
import { IptablesState } from './tables/state.js';
import type { Table } from './tables/types.js';
import { iptDoTable } from './tables/walk.js';
import type { XtContext } from './xt-context.js';

/** matches and targets that need conntrack (their checkentry calls nf_ct_netns_get) */
const CT_MATCHES = new Set(['state', 'conntrack', 'connmark', 'connlimit', 'helper']);
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
  /** per hook, a bit (1 << HookFn) per hook function that has work (planFor()), made again by refresh() */
  private readonly planBits = new Int32Array(5);
  /** a table walk is on (walkTable()): a hook called now is nested in it */
  private walking = false;

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
    this.walkNat = (skb: Skb) => this.walkTable(this.ipt.tables.nat, this.ctx.hook, skb, this.ctx.inDev, this.ctx.outDev);
    host.sysctls.register('net.netfilter.', this.conntrack.settings);
    // masq_device_event() / masq_inet_event(): MASQUERADE entries die with their device or address
    host.netdevDown.push((dev) => void this.conntrack.killMasqueraded(dev.ifindex));
    host.inetaddrDel.push((dev, addr) => void this.conntrack.killMasqueradedAddr(dev.ifindex, addr));
  }

  /**
   * After any iptables change (every `iptables` and `iptables-restore`
   * line calls it; nothing else changes tables, chains or the rules'
   * matches): is conntrack needed, is anything hooked, and which hook
   * functions have work at each hook. The plans go stale on exactly those
   * changes: a table coming into existence (`exists`), a built-in chain
   * being created (`created`), iptables-restore replacing a table object,
   * conntrack being loaded. Rules, policies and counters are read by the
   * walk itself, so changing them needs no new plan.
   */
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
    for (let h = 0; h < this.planBits.length; h++) this.planBits[h] = this.planFor(h as NfHook);
  }

  /**
   * The hook functions of HOOK_PLAN[hook] that do something now, as a bit
   * per HookFn: a table walk only where its built-in chain for the hook
   * exists in the kernel (iptDoTable() of a chain nobody created accepts
   * without counting or tracing), conntrack, defrag and confirmation only
   * with conntrack loaded, NAT only with conntrack and the nat table.
   */
  private planFor(hook: NfHook): number {
    const t = this.ipt.tables;
    const hooked = (table: Table): boolean => table.exists && table.byHook[hook]?.created === true;
    const ct = this.ctActive;
    let bits = 0;
    for (const fn of HOOK_PLAN[hook]) {
      let on: boolean;
      switch (fn) {
        case HookFn.DEFRAG:
        case HookFn.CONNTRACK_IN:
        case HookFn.CONFIRM:
          on = ct;
          break;
        case HookFn.RAW:
          on = hooked(t.raw);
          break;
        case HookFn.MANGLE:
          on = hooked(t.mangle);
          break;
        case HookFn.FILTER:
          on = hooked(t.filter);
          break;
        case HookFn.NAT_DST:
        case HookFn.NAT_SRC:
          on = ct && t.nat.exists;
          break;
      }
      if (on) bits |= 1 << fn;
    }
    return bits;
  }

  /**
   * NF_HOOK(NFPROTO_IPV4, hook, ...): every hook function with work, in
   * priority order. A target may send a packet while its rule's walk is
   * still on (REJECT's reply passes this host's OUTPUT and POSTROUTING):
   * that nested hook gets its own state, as nf_hook_slow() builds a fresh
   * nf_hook_state on the stack, and the outer walk gets its own back when
   * it returns (nestedHook()).
   */
  hook(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    if (!this.active) return Verdict.ACCEPT;
    if (this.walking) return this.nestedHook(hook, skb, inDev, outDev);
    return this.runPlan(hook, skb, inDev, outDev);
  }

  /** hook() called from inside a table walk: the walk's context is saved and given back */
  private nestedHook(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    const ctx = this.ctx;
    const outerHook = ctx.hook;
    const outerIn = ctx.inDev;
    const outerOut = ctx.outDev;
    const outerTable = ctx.table;
    this.walking = false;
    try {
      return this.runPlan(hook, skb, inDev, outDev);
    } finally {
      this.walking = true;
      ctx.hook = outerHook;
      ctx.inDev = outerIn;
      ctx.outDev = outerOut;
      ctx.table = outerTable;
    }
  }

  /**
   * The hook functions planned for `hook` (the bits of planFor()), until
   * one does not ACCEPT. Every hook's HOOK_PLAN is in ascending priority
   * (hooks.test.ts), so one straight line in the order of PRIORITY, each
   * step behind its bit, runs any hook's plan in its order, without a
   * loop over a list and a switch per step.
   */
  private runPlan(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    const bits = this.planBits[hook]!;
    let v: number;
    if ((bits & (1 << HookFn.DEFRAG)) !== 0) {
      // ip_is_fragment(): MF or a fragment offset (the low 6 bits of byte 6, byte 7)
      const b = skb.data;
      if (((b[skb.l3 + 6]! & 0x3f) | b[skb.l3 + 7]!) !== 0) {
        v = this.defrag(hook, skb);
        if (v !== Verdict.ACCEPT) return this.stopped(HookFn.DEFRAG, v, skb, inDev, outDev);
      }
    }
    if ((bits & (1 << HookFn.RAW)) !== 0) {
      v = this.walkTable(this.ipt.tables.raw, hook, skb, inDev, outDev);
      if (v !== Verdict.ACCEPT) return v as Verdict;
    }
    if ((bits & (1 << HookFn.CONNTRACK_IN)) !== 0) {
      v = conntrackIn(this.conntrack, hook, skb, this.host);
      if (v !== Verdict.ACCEPT) return this.stopped(HookFn.CONNTRACK_IN, v, skb, inDev, outDev);
    }
    if ((bits & (1 << HookFn.MANGLE)) !== 0) {
      v = this.walkTable(this.ipt.tables.mangle, hook, skb, inDev, outDev);
      if (v !== Verdict.ACCEPT) return v as Verdict;
    }
    if ((bits & (1 << HookFn.NAT_DST)) !== 0) {
      v = this.host.trace === null ? natBoundPacket(this.conntrack, hook, skb, outDev) : NatBound.UNBOUND;
      if (v === NatBound.UNBOUND) v = this.natStep(hook, skb, inDev, outDev);
      if (v !== Verdict.ACCEPT) return this.stopped(HookFn.NAT_DST, v, skb, inDev, outDev);
    }
    if ((bits & (1 << HookFn.FILTER)) !== 0) {
      v = this.walkTable(this.ipt.tables.filter, hook, skb, inDev, outDev);
      if (v !== Verdict.ACCEPT) return v as Verdict;
    }
    if ((bits & (1 << HookFn.NAT_SRC)) !== 0) {
      v = this.host.trace === null ? natBoundPacket(this.conntrack, hook, skb, outDev) : NatBound.UNBOUND;
      if (v === NatBound.UNBOUND) v = this.natStep(hook, skb, inDev, outDev);
      if (v !== Verdict.ACCEPT) return this.stopped(HookFn.NAT_SRC, v, skb, inDev, outDev);
    }
    if ((bits & (1 << HookFn.CONFIRM)) !== 0) {
      // a confirmed entry (and the untracked template, confirmed too) has nothing to confirm
      const ct = skb.ct as CtEntry | null;
      if (ct === null || (ct.status & IpsBit.CONFIRMED) === 0) {
        v = conntrackConfirm(this.conntrack, skb, this.host.now());
        if (v !== Verdict.ACCEPT) return this.stopped(HookFn.CONFIRM, v, skb, inDev, outDev);
      }
    }
    return Verdict.ACCEPT;
  }

  /** a hook function other than a table walk did not accept: traced as a drop with its reason */
  private stopped(fn: HookFn, v: number, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    if (v === Verdict.DROP && this.host.trace !== null) {
      this.host.drop(skb, inDev ?? outDev, fn === HookFn.CONFIRM ? 'conntrack: confirm clash' : fn === HookFn.CONNTRACK_IN ? 'conntrack: invalid' : 'nat: no binding possible');
    }
    return v as Verdict;
  }

  /**
   * The NAT hook function where runPlan()'s natBoundPacket() did not
   * settle it (a connection not bound at this hook yet, or tracing on).
   */
  private natStep(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    if (this.host.trace !== null) return this.tracedNat(hook, skb, inDev, outDev);
    this.setHookState(hook, inDev, outDev);
    return natHook(this.nat, hook, skb, this.ctx, this.walkNat);
  }

  /** the context's hook and devices, for a walk (or natHook(), which reads the output device and walks) */
  private setHookState(hook: NfHook, inDev: Iface | null, outDev: Iface | null): void {
    const ctx = this.ctx;
    ctx.hook = hook;
    ctx.inDev = inDev;
    ctx.outDev = outDev;
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

  /**
   * The NAT hook, and a `nat` hop event when it rewrote the packet
   * (addresses, ports, ICMP id). A connection already bound at this hook
   * takes natBoundPacket(), as untraced, and its frame before the rewrite
   * is made again afterwards, only when the rewrite showed: natPacket()
   * writes nothing but the bytes natView() keeps (NAT_KEPT), so the frame
   * now with those bytes put back is the frame before. Anything else (a
   * first packet, RELATED, a changed masquerade device) is copied whole
   * before natHook(), whose table walk and targets may write anywhere.
   */
  private tracedNat(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    natView(skb);
    let v = natBoundPacket(this.conntrack, hook, skb, outDev);
    if (v === NatBound.UNBOUND) {
      const copyOff = natCopyFrame(skb);
      this.setHookState(hook, inDev, outDev);
      v = natHook(this.nat, hook, skb, this.ctx, this.walkNat);
      if (v === Verdict.ACCEPT && natChanged(skb)) this.natTraced(hook, skb, inDev ?? outDev, copyOff);
      return v;
    }
    if (v === Verdict.ACCEPT && natChanged(skb)) {
      const copyOff = natCopyFrame(skb);
      natRestore(skb, copyOff);
      this.natTraced(hook, skb, inDev ?? outDev, copyOff);
    }
    return v;
  }

  /** the `nat` event of tracedNat(): the frame before is natCopy[copyOff..] */
  private natTraced(hook: NfHook, skb: Skb, iface: Iface | null, copyOff: number): void {
    this.host.natEvent(skb, iface, HOOK_NAMES[hook], hook === NfHook.PRE_ROUTING || hook === NfHook.LOCAL_OUT ? 'destination NAT' : 'source NAT', natCopy, copyOff);
  }

  /**
   * One table's walk, with the context (`struct xt_action_param`) set for
   * it: the context is written only here, so a hook whose functions do not
   * walk (conntrack, a bound flow's NAT, confirmation) never touches it,
   * and `walking` tells hook() that a packet sent meanwhile is nested.
   */
  private walkTable(table: Table, hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    const ctx = this.ctx;
    ctx.hook = hook;
    ctx.inDev = inDev;
    ctx.outDev = outDev;
    ctx.table = table.name;
    // (no try/finally on the packet path: after an exception `walking` stays set, and later hooks
    // only take nestedHook()'s slower, equally correct way)
    this.walking = true;
    const v = iptDoTable(table, hook, skb, ctx);
    this.walking = false;
    return v;
  }
}

/** the frame before the NAT hook (tracing only), summarised only when NAT changed it: at its end, so no view is made */
let natCopy = new Uint8Array(2048);
/**
 * The bytes natPacket() may write (manipPktTo(): addresses and the IP
 * checksum, the first 8 bytes of L4, the TCP checksum), as they were
 * before the hook: IP header bytes 12..19, L4 bytes 0..7 (the 16 a line
 * can show, compared by natChanged()), then IP bytes 10, 11 and L4 bytes
 * 16, 17 (checksums); -1 past the frame's end.
 */
const NAT_KEPT = 20;
const natBefore = new Int16Array(NAT_KEPT);
/** the frame ends before L4 byte 17: natBefore has a -1 (a short frame, read and written byte by byte with bounds) */
let natShort = false;

/** the bytes of NAT_KEPT from the frame into natBefore (tracing only) */
function natView(skb: Skb): void {
  const b = skb.data;
  const n = b.length;
  const ip = skb.l3;
  const l4 = ip + (b[ip]! & 0x0f) * 4;
  const out = natBefore;
  natShort = l4 + 18 > n;
  if (!natShort) {
    // the usual frame: every byte there (the IP header is shorter than L4)
    for (let i = 0; i < 8; i++) {
      out[i] = b[ip + 12 + i]!;
      out[8 + i] = b[l4 + i]!;
    }
    out[16] = b[ip + 10]!;
    out[17] = b[ip + 11]!;
    out[18] = b[l4 + 16]!;
    out[19] = b[l4 + 17]!;
    return;
  }
  for (let i = 0; i < 8; i++) {
    out[i] = ip + 12 + i < n ? b[ip + 12 + i]! : -1;
    out[8 + i] = l4 + i < n ? b[l4 + i]! : -1;
  }
  out[16] = ip + 10 < n ? b[ip + 10]! : -1;
  out[17] = ip + 11 < n ? b[ip + 11]! : -1;
  out[18] = l4 + 16 < n ? b[l4 + 16]! : -1;
  out[19] = l4 + 17 < n ? b[l4 + 17]! : -1;
}

/** the addresses, ports or ICMP id differ from natView()'s before (a checksum alone does not count) */
function natChanged(skb: Skb): boolean {
  const b = skb.data;
  const n = b.length;
  const ip = skb.l3;
  const l4 = ip + (b[ip]! & 0x0f) * 4;
  const was = natBefore;
  // (NAT never changes the header length: l4 is where it was)
  for (let i = 0; i < 8; i++) if ((ip + 12 + i < n ? b[ip + 12 + i]! : -1) !== was[i]) return true;
  for (let i = 0; i < 8; i++) if ((l4 + i < n ? b[l4 + i]! : -1) !== was[8 + i]) return true;
  return false;
}

/** the frame (from its Ethernet header) to the end of natCopy; returns where it starts there */
function natCopyFrame(skb: Skb): number {
  const data = skb.data;
  const off = skb.l3 - 14;
  const n = data.length - off;
  if (natCopy.length < n) natCopy = new Uint8Array(n * 2);
  const copyOff = natCopy.length - n;
  natCopy.set(off === 0 ? data : data.subarray(off), copyOff);
  return copyOff;
}

/** natBefore's bytes put back into the copy of the frame at copyOff: the frame as it was before natPacket() */
function natRestore(skb: Skb, copyOff: number): void {
  const b = skb.data;
  const at = copyOff - (skb.l3 - 14);
  const ip = at + skb.l3;
  const l4 = ip + (b[skb.l3]! & 0x0f) * 4;
  const c = natCopy;
  const was = natBefore;
  if (!natShort) {
    for (let i = 0; i < 8; i++) {
      c[ip + 12 + i] = was[i]!;
      c[l4 + i] = was[8 + i]!;
    }
    c[ip + 10] = was[16]!;
    c[ip + 11] = was[17]!;
    c[l4 + 16] = was[18]!;
    c[l4 + 17] = was[19]!;
    return;
  }
  for (let i = 0; i < 8; i++) {
    if (was[i]! >= 0) c[ip + 12 + i] = was[i]!;
    if (was[8 + i]! >= 0) c[l4 + i] = was[8 + i]!;
  }
  if (was[16]! >= 0) c[ip + 10] = was[16]!;
  if (was[17]! >= 0) c[ip + 11] = was[17]!;
  if (was[18]! >= 0) c[l4 + 16] = was[18]!;
  if (was[19]! >= 0) c[l4 + 17] = was[19]!;
}
