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
import { tcpSetClosing } from './conntrack/proto-tcp.js';
import { ConntrackTable } from './conntrack/table.js';
import { HOOK_PLAN, HookFn } from './hooks.js';
import { NatBound, natBoundPacket, natHook, type NatTableWalker } from './nat/hook.js';
import { CONNTRACK_OPS, makeNatOps } from './nat/ops.js';
import { NatState, seedFromName } from './nat/state.js';
import { IptablesState, TABLE_NAMES } from './tables/state.js';
import type { Table } from './tables/types.js';
import { chainIndex } from './tables/chain-index.js';
import { iptDoTable } from './tables/walk.js';
import type { XtContext } from './xt-context.js';

/**
 * The matches and targets whose checkentry() loads conntrack in the
 * namespace (nf_ct_netns_get()), and nothing else does: a rule using one
 * turns conntrack on, and deleting the last one turns it off again
 * (nf_ct_netns_put()). The nat table by itself does not (its chains see no
 * packet without an entry: a nat table of ACCEPT rules counts nothing),
 * nor does NOTRACK / CT --notrack (xt_ct_tg_check() returns before it);
 * all measured with iptables-nft 1.8.9 on Linux 6.18.
 */
const CT_MATCHES = new Set(['state', 'conntrack', 'connmark', 'connlimit', 'helper', 'connbytes']);
const CT_TARGETS = new Set(['CONNMARK', 'MASQUERADE', 'SNAT', 'DNAT', 'REDIRECT', 'NETMAP']);

export class Netfilter implements NfSeam, NatTableWalker {
  readonly ipt = new IptablesState();
  readonly conntrack = new ConntrackTable();
  readonly nat: NatState;
  /** conntrack is loaded in this namespace */
  ctActive = false;
  /** any IPv4 hook has work to do */
  active = false;
  private readonly ctx: XtContext;
  /** per hook, a bit (1 << HookFn) per hook function that has work (planFor()), made again by refresh() */
  private readonly planBits = new Int32Array(5);
  /** a table walk is on (walkTable()): a hook called now is nested in it */
  private walking = false;

  constructor(readonly host: Host) {
    this.nat = new NatState(this.conntrack, host, seedFromName(host.name));
    this.ctx = {
      host,
      hook: NfHook.PRE_ROUTING,
      inDev: null,
      outDev: null,
      table: 'filter',
      nat: makeNatOps(this.nat, host),
      ct: CONNTRACK_OPS,
    };
    host.sysctls.register('net.netfilter.', this.conntrack.settings);
    // conntrack -L's use=: the packets waiting for a neighbour hold their entries
    this.conntrack.heldBySkbs = (ct) => host.neigh.queuedWith(ct);
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
    let ct = false;
    let any = false;
    for (const name of TABLE_NAMES) {
      const table = t[name];
      if (!table.exists) continue;
      any = true;
      for (const c of table.chains.values()) {
        for (const r of c.rules) {
          if (r.matches.some((m) => CT_MATCHES.has(m.spec.name))) ct = true;
          if (r.target !== null && CT_TARGETS.has(r.target.spec.name)) ct = true;
          // connbytes_mt_check(): "Forcing CT accounting to be enabled", for good (measured: the sysctl reads 1 after)
          if (r.matches.some((m) => m.spec.name === 'connbytes')) this.conntrack.settings.acct = 1;
        }
      }
    }
    this.ctActive = ct;
    this.active = any || ct;
    for (let h = 0; h < this.planBits.length; h++) this.planBits[h] = this.planFor(h as NfHook);
  }

  /**
   * Build every chain's address index (chain-index.ts) now, once the
   * node's setup lines ran (simulate.ts's build()), as the walk would on
   * a simulation's first packet. The walk still rebuilds a stale index
   * itself (rules changed mid-run: its own test of rules, length and
   * generation); this only keeps the first packet of each simulation out
   * of that branch of the walk's optimised code, which deopted
   * iptDoTable() in the second simulation of a process (the first one
   * built its indexes before V8 kept feedback for the call).
   */
  buildChainIndexes(): void {
    const t = this.ipt.tables;
    for (const name of TABLE_NAMES) {
      const table = t[name];
      if (!table.exists) continue;
      for (const c of table.chains.values()) chainIndex(c);
    }
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
        case HookFn.SECURITY:
          on = hooked(t.security);
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
  /** nf_ct_set_closing() for REJECT's RST (nf_send_reset()): the rejected segment's TCP connection is CLOSE */
  ctSetClosing(skb: Skb): void {
    const ct = skb.ct as CtEntry | null;
    if (ct === null || ct.untracked) return;
    tcpSetClosing(ct, this.conntrack.settings, this.host.now());
  }

  hook(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    if (!this.active) return Verdict.ACCEPT;
    if (this.walking) return this.nestedHook(hook, skb, inDev, outDev);
    // a plan of the filter table alone (FORWARD of a router without mangle rules): runPlan()'s one step, without the call
    if (this.planBits[hook] === 1 << HookFn.FILTER) return this.walkTable(this.ipt.tables.filter, hook, skb, inDev, outDev);
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
    if ((bits & (1 << HookFn.SECURITY)) !== 0) {
      v = this.walkTable(this.ipt.tables.security, hook, skb, inDev, outDev);
      if (v !== Verdict.ACCEPT) return v as Verdict;
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
    return natHook(this.nat, hook, skb, this.ctx, this);
  }

  /** NatTableWalker: the nat table's walk for the hook natStep() set up (natHook() calls it) */
  walkNat(skb: Skb): Verdict {
    return this.walkTable(this.ipt.tables.nat, this.ctx.hook, skb, this.ctx.inDev, this.ctx.outDev);
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
    // nf_ct_defrag_user(): a bridged packet (br_nf_pre_routing()) has queues of its own;
    // br_nf_dev_queue_xmit() cuts it again on the way out
    const user = skb.nfBridge ? DefragUser.CONNTRACK_BRIDGE_IN : hook === NfHook.PRE_ROUTING ? DefragUser.CONNTRACK_IN : DefragUser.CONNTRACK_OUT;
    if (!ipDefrag(this.host, skb, user)) return Verdict.STOLEN;
    skb.ignoreDf = true;
    return Verdict.ACCEPT;
  }

  /**
   * The NAT hook, and a `nat` hop event when it rewrote the packet
   * (addresses, ports, ICMP id): the frame is copied as it is before the
   * hook (natCopyFrame()), and compared with the copy afterwards
   * (natChanged()). A connection already bound at this hook takes
   * natBoundPacket(), as untraced; anything else (a first packet, RELATED,
   * a changed masquerade device) natHook(), whose table walk and targets
   * may write anywhere.
   */
  private tracedNat(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict {
    const before = natCopyFrame(skb);
    let v = natBoundPacket(this.conntrack, hook, skb, outDev);
    if (v === NatBound.UNBOUND) {
      this.setHookState(hook, inDev, outDev);
      v = natHook(this.nat, hook, skb, this.ctx, this);
    }
    if (v === Verdict.ACCEPT && natChanged(skb, before)) this.natTraced(hook, skb, inDev ?? outDev, before);
    return v;
  }

  /** the `nat` event of tracedNat(): `before` is the frame before the hook */
  private natTraced(hook: NfHook, skb: Skb, iface: Iface | null, before: Uint8Array): void {
    this.host.natEvent(skb, iface, HOOK_NAMES[hook], hook === NfHook.PRE_ROUTING || hook === NfHook.LOCAL_OUT ? 'destination NAT' : 'source NAT', before, 0);
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

/**
 * The copies of frames before the NAT hook (tracing only), one buffer per
 * frame length up to NAT_COPY_MAX (at most ~2 MB in all): a copy is the
 * whole buffer, so a trace sink takes it without a view (`bOff` 0). A
 * copy lives until the next traced NAT hook of a frame of its length:
 * the sink copies what it keeps (the TraceSink contract).
 */
const natCopies: (Uint8Array | undefined)[] = [];
const NAT_COPY_MAX = 2048;

/** the frame (from its Ethernet header) as it is now, copied */
function natCopyFrame(skb: Skb): Uint8Array {
  const data = skb.data;
  const off = skb.l3 - 14;
  const n = data.length - off;
  let c = n <= NAT_COPY_MAX ? natCopies[n] : undefined;
  if (c === undefined) {
    c = new Uint8Array(n);
    if (n <= NAT_COPY_MAX) natCopies[n] = c;
  }
  c.set(off === 0 ? data : data.subarray(off));
  return c;
}

/**
 * The addresses, ports or ICMP id differ from the copy natCopyFrame()
 * made before the hook (a checksum alone does not count): IP header
 * bytes 12..19 and L4 bytes 0..7, the 16 a tcpdump line can show; a byte
 * past either frame's end counts as absent (-1).
 */
function natChanged(skb: Skb, before: Uint8Array): boolean {
  const b = skb.data;
  const off = skb.l3 - 14;
  const n = b.length - off;
  const m = before.length;
  // offsets from the Ethernet header; NAT never changes the header length
  const ip = 14;
  const l4 = ip + (b[off + ip]! & 0x0f) * 4;
  if (l4 + 8 <= n && l4 + 8 <= m) {
    for (let i = 12; i < 20; i++) if (b[off + ip + i] !== before[ip + i]) return true;
    for (let i = 0; i < 8; i++) if (b[off + l4 + i] !== before[l4 + i]) return true;
    return false;
  }
  for (let i = 12; i < 20; i++) if ((ip + i < n ? b[off + ip + i]! : -1) !== (ip + i < m ? before[ip + i]! : -1)) return true;
  for (let i = 0; i < 8; i++) if ((l4 + i < n ? b[off + l4 + i]! : -1) !== (l4 + i < m ? before[l4 + i]! : -1)) return true;
  return false;
}
