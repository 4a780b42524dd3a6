/**
 * A packet on its way through one host, as the kernel's `struct sk_buff`.
 *
 * `data` always holds the whole Ethernet frame (header at offset 0); `l3`
 * is where the IPv4 (or ARP) header starts. Layers rewrite the bytes in
 * place; NAT and TTL changes fix checksums incrementally.
 */
import type { Iface } from './iface.js';

/** skb->pkt_type as eth_type_trans() sets it. */
export const enum PktType {
  HOST = 0,
  BROADCAST = 1,
  MULTICAST = 2,
  OTHERHOST = 3,
  OUTGOING = 4,
  /** a copy of the host's own broadcast or multicast, looped back to it (dev_loopback_xmit()) */
  LOOPBACK = 5,
}

/** What conntrack hangs on a packet (`skb->_nfct`); netfilter's Conn implements it. */
export interface CtRef {
  readonly id: number;
  /** the untracked template (NOTRACK), not an entry */
  readonly untracked?: boolean;
}

/** enum ip_conntrack_info */
export const enum CtInfo {
  ESTABLISHED = 0,
  RELATED = 1,
  NEW = 2,
  ESTABLISHED_REPLY = 3,
  RELATED_REPLY = 4,
  /** no entry: INVALID when `ct` is null, UNTRACKED when `ct` is the untracked template */
  NONE = 5,
}

/** Where a routing decision sends a packet (the kernel's `dst_entry` / `rtable`). */
export interface RouteResult {
  kind: 'local' | 'unicast' | 'broadcast' | 'multicast' | 'unreachable' | 'blackhole' | 'prohibit';
  /** output device (for local: the loopback / receiving device) */
  dev: Iface | null;
  /** next hop: the gateway, or the destination itself when on-link */
  nexthop: number;
  /** preferred source address of the route (`src`), 0 if none */
  prefsrc: number;
  /** the gateway when the route has one, 0 if on-link */
  gateway: number;
  /**
   * rt_pmtu: the path MTU learnt for this destination (a next-hop
   * exception, fnhe.ts), bound by rt_bind_exception(); absent when none.
   * Only locally generated packets use it (ip_dst_mtu_maybe_forward()).
   */
  pmtu?: number;
  /** the learnt path MTU was below ip_rt_min_pmtu and is locked: DF is never set (ip_dont_fragment()) */
  pmtuLocked?: boolean;
  /**
   * rt_iif of a local output route: the device of the FIB's local route
   * (FIB_RES_OIF), which ip_route_output_key_hash_rcu() keeps as orig_oif
   * although the packet goes through lo. After loopback, inet_iif() is this
   * device, and sockets bound to a device match on it (inetIif()).
   */
  iif?: Iface;
  /**
   * A route of a locally generated packet (ip_route_output_key()), not a
   * local one. A unicast one's dst.input is dst_discard (rt_dst_alloc()
   * gives ip_local_deliver to RTCF_LOCAL routes only): such a packet looped
   * back through lo, by a route through lo or a socket bound to lo, is
   * dropped on arrival (ipRcvFinish()).
   */
  output?: true;
}

/**
 * skb->sk as xt_owner's owner_mt() reads it through skb_to_full_sk(): the
 * full socket that sent the packet and the file it is open as, or a
 * kernel socket (sock_create_kern(): sk->sk_socket without a file, as the
 * per-namespace ICMP and TCP control sockets are). A request socket
 * stands for its listener (sk_to_full_sk()); a TIME_WAIT socket is no
 * full socket, so what it sends carries none (null).
 */
export interface SkOwner {
  /** the f_cred of sk->sk_socket->file: uid and gid; null for a kernel socket */
  readonly file: { readonly uid: number; readonly gid: number } | null;
  /** sk->sk_bound_dev_if: the device SO_BINDTODEVICE bound it to, which a new route lookup keeps (ip_route_me_harder()) */
  readonly boundDev: Iface | null;
}

const ROOT_CRED = Object.freeze({ uid: 0, gid: 0 });
/** a socket of natlab's programs (ping, nc, dhclient, the TCP sockets): they run as root, uid 0, gid 0 */
export const SK_ROOT: SkOwner = Object.freeze({ file: ROOT_CRED, boundDev: null });
/** a per-namespace control socket (icmp_sk(), ipv4_tcp_sk): exists, no file, no owner */
export const SK_KERNEL: SkOwner = Object.freeze({ file: null, boundDev: null });

/** a program's socket (as root) bound to `dev` with SO_BINDTODEVICE; SK_ROOT for none */
export function skRootBound(dev: Iface | null): SkOwner {
  return dev === null ? SK_ROOT : Object.freeze({ file: ROOT_CRED, boundDev: dev });
}

let nextPacketId = 1;
/** Ids are per process but reset for every run, so results stay deterministic. */
export function resetPacketIds(): void {
  nextPacketId = 1;
}
export function newPacketId(): number {
  return nextPacketId++;
}

/** skb->ip_summed as natlab tracks it (csum-state.ts); CHECKSUM_PARTIAL is not */
export const enum IpSummed {
  NONE = 0,
  UNNECESSARY = 1,
  COMPLETE = 2,
}

export class Skb {
  /** the frame; Ethernet header at 0 */
  data: Uint8Array;
  /** offset of the network header */
  l3 = 14;
  /** trace id (see trace/events.ts `pkt`) */
  id: number;
  /** the packet this one is a copy of (a flooded or locally delivered clone), 0 if none */
  parent = 0;
  /** skb->dev: the device the packet is on now */
  dev: Iface | null = null;
  /** the device it arrived on (netfilter IN=), null for locally generated */
  inDev: Iface | null = null;
  /** br_netfilter: bridge ports the frame came in on / goes out of (PHYSIN= / PHYSOUT=) */
  physIn: Iface | null = null;
  physOut: Iface | null = null;
  /** br_netfilter: this packet is being bridged, not routed (physdev-is-bridged) */
  bridged = false;
  /** br_netfilter: the destination was changed by DNAT in bridge PREROUTING */
  bridgedDnat = false;
  /** br_netfilter: nf_bridge_info is attached (the frame went through br_nf_pre_routing) */
  nfBridge = false;
  /** br_netfilter: the Ethernet source and type saved before neighbour output rewrote them (neigh_header) */
  neighHeader: Uint8Array | null = null;
  /** br_netfilter: PACKET_OTHERHOST turned into PACKET_HOST for the IP hooks (pkt_otherhost) */
  pktOtherhost = false;
  pktType: PktType = PktType.HOST;
  mark = 0;
  /** skb->priority (CLASSIFY): the traffic control class; no device natlab models has a qdisc that reads it */
  priority = 0;
  /** conntrack entry and the packet's relation to it */
  ct: CtRef | null = null;
  ctInfo: CtInfo = CtInfo.NONE;
  /** TRACE target was hit: emit trace events for every rule */
  nfTrace = false;
  /** routing decision taken for this packet (skb_dst) */
  route: RouteResult | null = null;
  /** locally generated: the socket's marker; 0 for forwarded */
  fromLocal = false;
  /**
   * skb->sk: the socket that sent it (see SkOwner), null for none (a
   * forwarded packet, REJECT's reset, a TIME_WAIT socket's reply). Set
   * by each sender before ip_local_out(); ip_rcv_core() orphans it
   * (skb_orphan()), and so does scrub() across namespaces (see there).
   */
  sk: SkOwner | null = null;
  /** IPCB(skb)->frag_max_size: the largest fragment this packet was reassembled from, 0 if it was not */
  fragMaxSize = 0;
  /** skb->ignore_df: netfilter reassembled it, so DF does not forbid fragmenting it again */
  ignoreDf = false;
  /** IPCB(skb)->opt as ip_options_compile() left it, packed (ip-options.ts); 0 for a packet without options */
  ipOpt = 0;
  /** the payload lengths of the fragments it was reassembled from, in order (the frag_list), null if none */
  fragList: number[] | null = null;
  /**
   * skb_set_dst_pending_confirm(): sent by a TCP socket that has heard
   * from its peer since its last segment (sk_dst_confirm()); neighbour
   * output then confirms the next hop as reachable (sock_confirm_neigh()).
   * Nothing clears the bit on the way: neither skb_scrub_packet() at a
   * veth nor forwarding, so a router that forwards such a segment out of
   * a veth confirms its own next hop too (measured: a masquerading router
   * sent no ARP probe to a client whose TCP peer had confirmed).
   */
  dstPendingConfirm = false;
  /**
   * skb->ip_summed (csum-state.ts): NONE as it arrives; COMPLETE once a
   * netfilter check summed it (`csumValid`: whether the sum was right).
   * skb_scrub_packet() keeps both: the next host trusts them.
   */
  ipSummed: IpSummed = IpSummed.NONE;
  csumValid = false;
  /**
   * skb->head: the buffer allocSkb() gave this skb, which stays with the
   * object through kfreeSkb() so that the next packet of the same length
   * is copied into it; null for an skb made around a buffer its maker
   * owns. `data` is `head`, a view of it (trimmed), or a buffer a layer put
   * there instead (reassembly). Memory, not packet state: scrub() keeps it.
   */
  head: Uint8Array | null = null;
  /**
   * A DataView over `head` (made with it by allocSkb()), so that a frame
   * is copied into the buffer four bytes at a time (CaptureReader.copyData()).
   * Memory, not packet state, like `head`.
   */
  headView: DataView | null = null;
  /**
   * The whole 32-bit words of `head` (its first len >> 2 * 4 bytes) as an
   * Int32Array (made with it by allocSkb()): a frame whose source is
   * 4-byte aligned too is copied a word at a time without the DataView's
   * byte swaps and checks (CaptureReader.copyData()). Memory, like `head`.
   */
  headWords: Int32Array | null = null;
  /** made by allocSkb(): kfreeSkb() recycles it (any other skb is left to the garbage collector). Memory, not packet state. */
  fromSlab = false;

  constructor(data: Uint8Array, id: number = newPacketId()) {
    this.data = data;
    this.id = id;
  }

  /**
   * skb_scrub_packet(), as __dev_forward_skb() does when a veth hands the
   * skb to its peer: the frame and the trace id stay, everything the
   * sender's stack attached goes, and the skb is as new (the same values
   * the field initialisers above give), except that the mark and the socket go only
   * when the peer is in another namespace (`xnet`), as the kernel clears
   * skb->mark only then, and dst_pending_confirm and ip_summed never go. Keep in step with the fields: skb.test.ts checks
   * every field against a new Skb.
   */
  scrub(xnet: boolean): void {
    this.l3 = 14;
    this.parent = 0;
    this.dev = null;
    this.inDev = null;
    this.physIn = null;
    this.physOut = null;
    this.bridged = false;
    this.bridgedDnat = false;
    this.nfBridge = false;
    this.neighHeader = null;
    this.pktOtherhost = false;
    this.pktType = PktType.HOST;
    if (xnet) this.mark = 0;
    // ____dev_forward_skb(): skb->priority = 0 after the scrub, in one namespace too
    this.priority = 0;
    this.ct = null;
    this.ctInfo = CtInfo.NONE;
    this.nfTrace = false;
    this.route = null;
    this.fromLocal = false;
    // the kernel keeps skb->sk across a veth (skb_scrub_packet() no longer
    // orphans since 4.19), but owner_mt() ignores a socket of another
    // namespace (!net_eq(net, sock_net(sk))): the same as none. Within
    // one namespace it stays until ip_rcv_core() orphans it.
    if (xnet) this.sk = null;
    this.fragMaxSize = 0;
    this.ignoreDf = false;
    this.ipOpt = 0;
    this.fragList = null;
    // dstPendingConfirm stays: skb_scrub_packet() does not clear the bit; nor ip_summed
  }

  /** bytes as netfilter counts them: from the network header to the end */
  get l3len(): number {
    return this.data.length - this.l3;
  }
}

/**
 * inet_iif(): the device a socket lookup matches a bound device against:
 * the route's rt_iif when it has one (a local output route's, for a packet
 * looped back through lo), else the device the packet arrived on.
 */
export function inetIif(skb: Skb): Iface | null {
  return skb.route?.iif ?? skb.inDev;
}

/**
 * The big-endian 32 bits at `off` of `b` (the skb's `data`) as an int32
 * (an IPv4 address, or two ports): one load through `headView` when `b`
 * is the skb's slab buffer itself, else four byte loads (each with its
 * own bounds check in V8's code). The caller has checked that the four
 * bytes are within `b`.
 */
export function skbLoad32(skb: Skb, b: Uint8Array, off: number): number {
  const v = skb.headView;
  if (v !== null && b === skb.head) return v.getInt32(off);
  return (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
}

/**
 * The skb slab (skbuff_head_cache and the data that comes with it): skbs
 * that died, kept for the next packet so that a replay makes no object
 * and no buffer per packet. Only skbs from allocSkb() come back here, and
 * only from kfreeSkb() at a point where the packet certainly dies and
 * nothing holds the skb or its buffer (see kfreeSkb()). A recycled skb is
 * as new (every field a new Skb has, checked by skb.test.ts), with a new
 * id. At most SLAB_MAX are kept; the rest go to the garbage collector.
 *
 * A stack kept by hand (`slabTop` skbs in `slab[0..slabTop)`), never
 * popped to length 0: V8 drops an array's backing store when pop() empties
 * it, so a replay whose one skb went out and came back per packet grew the
 * array again every packet (GrowFastSmiOrObjectElements in perf). Slots
 * above `slabTop` still name skbs that were taken; they are never read
 * before being written again.
 */
const slab: Skb[] = [];
let slabTop = 0;
const SLAB_MAX = 256;
/** the `data` of an skb in the slab: a use after kfreeSkb() reads no bytes, and a second kfreeSkb() is caught */
const FREED = new Uint8Array(0);

/**
 * __alloc_skb() for a frame of `len` bytes that the caller copies in:
 * `data` is a buffer of exactly `len` bytes whose old contents the caller
 * overwrites (a recycled skb's own buffer when its length fits, else a
 * new one), `headView` a DataView over the same bytes and `headWords`
 * an Int32Array over its whole words.
 */
export function allocSkb(len: number, id: number): Skb {
  // the usual case (a recycled skb whose buffer has the length) in a few lines, so that callers inline it
  if (slabTop !== 0) {
    const skb = slab[slabTop - 1]!;
    const head = skb.head!;
    if (head.length === len) {
      slabTop--;
      skb.data = head;
      skb.id = id;
      return skb;
    }
  }
  return allocSkbOther(len, id);
}

/** allocSkb() with an empty slab, or a recycled skb that needs a buffer of another length */
function allocSkbOther(len: number, id: number): Skb {
  if (slabTop === 0) {
    const fresh = new Skb(new Uint8Array(len), id);
    fresh.head = fresh.data;
    fresh.headView = new DataView(fresh.data.buffer);
    fresh.headWords = new Int32Array(fresh.data.buffer, 0, len >> 2);
    fresh.fromSlab = true;
    return fresh;
  }
  const skb = slab[--slabTop]!;
  const head = new Uint8Array(len);
  skb.head = head;
  skb.headView = new DataView(head.buffer);
  skb.headWords = new Int32Array(head.buffer, 0, len >> 2);
  skb.data = head;
  skb.id = id;
  return skb;
}

/**
 * kfree_skb(): the packet dies here and its skb goes back to the slab,
 * when allocSkb() made it (others are left to the garbage collector).
 * Callers call it only where nothing else holds the skb or its bytes:
 * not on a neighbour, reassembly or socket queue, not a reassembled
 * packet (its fragments' queue keeps them), not a bridged one (the bridge
 * may still hold it on the way back up its call chain). Packet taps and
 * captures copy the bytes. A traced packet is freed too: a trace sink
 * keeps no frame it was given past the call (the TraceSink contract in
 * trace/events.ts; the sinks that keep one, the trace.jsonl encoder's
 * line memo and the record ring, copy it), so no event holds the skb or
 * its buffer once the packet is gone.
 */
export function kfreeSkb(skb: Skb): void {
  if (!skb.fromSlab) return;
  if (skb.data === FREED) throw new Error(`skb ${skb.id} freed twice`);
  skb.scrub(true);
  skb.dstPendingConfirm = false;
  skb.ipSummed = IpSummed.NONE;
  skb.csumValid = false;
  skb.data = FREED;
  skb.id = 0;
  if (slabTop < SLAB_MAX) slab[slabTop++] = skb;
}

/** how many skbs the slab holds (for tests) */
export function slabSize(): number {
  return slabTop;
}

/**
 * pskb_may_pull() of the first `n` bytes after the IP header, for a packet
 * reassembled with its fragments kept (`fragList`): the head holds the
 * first fragment's payload, and when that is shorter than `n`,
 * __pskb_pull_tail() moves bytes from the next fragments into it (those
 * emptied are freed, a partly emptied one shrinks). The pieces
 * ip_do_fragment() could send again change with it: a head of 20 bytes is
 * no multiple of 8, so the packet is cut anew (its slow path). Nothing
 * happens when the packet is shorter than `n`, or has no frag_list.
 */
export function skbPullPayload(skb: Skb, n: number): void {
  const p = skb.fragList;
  if (p === null || p[0]! >= n) return;
  let total = 0;
  for (const len of p) total += len;
  if (total < n) return;
  while (p[0]! < n) {
    const moved = Math.min(n - p[0]!, p[1]!);
    p[0]! += moved;
    p[1]! -= moved;
    if (p[1] === 0) p.splice(1, 1);
  }
}

/** a copy of the skb for one more destination (skb_clone + the copy a writer would make) */
export function cloneSkb(skb: Skb): Skb {
  const c = new Skb(skb.data.slice());
  c.parent = skb.id;
  c.l3 = skb.l3;
  c.dev = skb.dev;
  c.inDev = skb.inDev;
  c.physIn = skb.physIn;
  c.physOut = skb.physOut;
  c.bridged = skb.bridged;
  c.pktType = skb.pktType;
  c.mark = skb.mark;
  c.ct = skb.ct;
  c.ctInfo = skb.ctInfo;
  c.nfTrace = skb.nfTrace;
  c.route = skb.route;
  c.fromLocal = skb.fromLocal;
  c.nfBridge = skb.nfBridge;
  c.pktOtherhost = skb.pktOtherhost;
  c.fragMaxSize = skb.fragMaxSize;
  c.ignoreDf = skb.ignoreDf;
  c.ipSummed = skb.ipSummed;
  c.csumValid = skb.csumValid;
  return c;
}
