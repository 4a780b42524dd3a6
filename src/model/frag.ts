/**
 * IPv4 fragmentation on output (net/ipv4/ip_output.c: ip_fragment,
 * ip_do_fragment). A packet larger than the MTU of its way out, with DF
 * clear (or DF set but `ignoreDf`, as after netfilter's reassembly), leaves
 * as fragments in order, first to last, each a copy of the header with its
 * own total length, MF bit, offset (in 8-byte units) and header checksum;
 * the id and TTL are the original's. DF is cleared, except on the pieces
 * cut from a packet reassembled from DF fragments (IPSKB_FRAG_PMTU) and
 * routed (a bridge cuts them all without DF).
 *
 * The size of the pieces: the MTU, or the largest original fragment when
 * the packet was reassembled here (`skb.fragMaxSize`, IPCB->frag_max_size),
 * so a router that reassembled for conntrack sends what it received. When
 * the reassembled packet still has its original pieces (`skb.fragList`)
 * and they all fit, they are sent as they were (the frag_list fast path).
 */
import { IP_DF, IP_MF, IP_OFFSET, ipFillChecksum, ipFragField, ipHeaderLen, ipTotalLen, setIpFragField, setIpTotalLen } from '../wire/ipv4.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED } from '../wire/icmp.js';
import type { Host } from './host.js';
import { icmpSend } from './icmp.js';
import { Skb } from './skb.js';
import { SoftirqChain } from '../sim/queue.js';

/**
 * ip_fragment(): a DF packet that may not be split is answered with
 * "fragmentation needed" (with `mtu`) and dropped; else ip_do_fragment().
 */
export function ipFragment(h: Host, skb: Skb, mtu: number, output: (h: Host, skb: Skb) => number): number {
  const b = skb.data;
  const o = skb.l3;
  if ((ipFragField(b, o) & IP_DF) !== 0 && (!skb.ignoreDf || (skb.fragMaxSize !== 0 && skb.fragMaxSize > mtu))) {
    h.drop(skb, skb.dev, `output: ${ipTotalLen(b, o)} bytes exceed the mtu ${mtu} of ${skb.dev?.name ?? '?'} and DF is set`);
    icmpSend(h, skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
    return 0;
  }
  return ipDoFragment(h, skb, mtu, output);
}

/**
 * ip_do_fragment(): the fragments of `skb`, handed to `output` one by one,
 * first first; the first that `output` fails (a nonzero return) ends it,
 * the rest are never sent, and its code is returned. `ipcbKept` false:
 * the packet's IPCB was zeroed on the way (the bridge's
 * br_validate_ipv4(), which parses no options), so no piece is cut with
 * DF (IPSKB_FRAG_PMTU) and ip_options_fragment() finds no options
 * (opt.optlen 0): every piece carries the first's options as they are.
 *
 * In process context (a program's send: no softirq chain runs), each
 * fragment's transmit runs the NET_RX softirq to its end before the next
 * fragment is cut (queue.ts: SoftirqChain): the next waits for all the
 * one before caused on the network. The sender's call has returned by
 * then; a later fragment's error reaches no one, where the kernel's
 * sendmsg() would return it. In a softirq (forwarding, an echo reply) the
 * fragments go one after another onto the backlog.
 */
export function ipDoFragment(h: Host, skb: Skb, dstMtu: number, output: (h: Host, skb: Skb) => number, ipcbKept = true): number {
  const cut = new FragmentCutter(skb, dstMtu, ipcbKept);
  if (h.net.queue.chain === null) return sendInProcessContext(h, cut, output);
  for (let piece = cut.next(); piece !== null; piece = cut.next()) {
    const err = output(h, piece);
    if (err !== 0) return err;
  }
  return 0;
}

/** the fragments from `cut` on, each after the softirq work of the one before (ip_do_fragment() in a syscall) */
function sendInProcessContext(h: Host, cut: FragmentCutter, output: (h: Host, skb: Skb) => number): number {
  const q = h.net.queue;
  for (let piece = cut.next(); piece !== null; piece = cut.next()) {
    const chain = new SoftirqChain();
    q.chain = chain;
    const err = output(h, piece);
    q.chain = null;
    if (err !== 0) return err;
    if (chain.pending !== 0 && !cut.done()) {
      chain.then = () => void sendInProcessContext(h, cut, output);
      return 0;
    }
  }
  return 0;
}

/** ip_do_fragment()'s loop: the pieces of one packet, cut one at a time */
class FragmentCutter {
  private readonly b: Uint8Array;
  private readonly o: number;
  private readonly hl: number;
  private readonly room: number;
  private readonly baseOffset: number;
  private readonly notLast: number;
  private readonly total: number;
  private readonly pieces: readonly number[] | null;
  private readonly df: number;
  private off = 0;
  private i = 0;

  constructor(
    private readonly skb: Skb,
    dstMtu: number,
    private readonly ipcbKept: boolean,
  ) {
    const b = skb.data;
    const o = skb.l3;
    this.b = b;
    this.o = o;
    this.hl = ipHeaderLen(b, o);
    let mtu = dstMtu;
    if (skb.fragMaxSize !== 0 && skb.fragMaxSize < mtu) mtu = skb.fragMaxSize;
    this.room = mtu - this.hl;
    const field = ipFragField(b, o);
    this.baseOffset = (field & IP_OFFSET) << 3;
    this.notLast = field & IP_MF;
    this.total = ipTotalLen(b, o) - this.hl;
    this.pieces = fastPathPieces(skb, field, this.total, this.room);
    // DF: never on the frag_list pieces (ip_fraglist_init() and _prepare() write MF and the
    // offset only); on cut pieces only for IPSKB_FRAG_PMTU, which ip_frag_reasm() sets when
    // the largest fragment had DF, as it sets DF on the packet (ip_frag_next()), and which
    // the bridge clears (`ipcbKept` false: br_validate_ipv4() zeroes IPCB)
    this.df = this.pieces === null && ipcbKept && skb.fragMaxSize !== 0 ? field & IP_DF : 0;
  }

  done(): boolean {
    return this.off >= this.total;
  }

  /** the next piece, or null after the last */
  next(): Skb | null {
    const { b, o, hl, off, total, pieces, skb } = this;
    if (off >= total) return null;
    let len: number;
    if (pieces !== null) len = pieces[this.i++]!;
    else {
      // slow path: as much as fits, in 8-byte units except the last
      len = total - off;
      if (len > this.room) len = this.room & ~7;
    }
    const last = off + len >= total;
    const frag = new Uint8Array(o + hl + len);
    frag.set(b.subarray(0, o + hl), 0);
    if (off !== 0 && hl > 20 && this.ipcbKept) ipOptionsFragment(frag, o, hl);
    frag.set(b.subarray(o + hl + off, o + hl + off + len), o + hl);
    setIpTotalLen(frag, o, hl + len);
    setIpFragField(frag, o, this.df | (last ? this.notLast : IP_MF) | (((this.baseOffset + off) >>> 3) & IP_OFFSET));
    ipFillChecksum(frag, o);
    const piece = fragmentSkb(skb, frag);
    if (off === 0 && pieces !== null) {
      // the fast path sends the head itself (ip_fraglist_init()): its ip_summed, which may be COMPLETE
      // with the sum of the whole packet (csum-state.ts), comes along; a piece cut anew is NONE
      piece.ipSummed = skb.ipSummed;
      piece.csumValid = skb.csumValid;
    }
    this.off = off + len;
    return piece;
  }
}

/**
 * ip_options_fragment(): the fragments after the first keep the header's
 * length but only the options marked "copied" (type bit 0x80); the others
 * (record route, timestamp) become NOPs.
 */
function ipOptionsFragment(f: Uint8Array, o: number, hl: number): void {
  let p = o + 20;
  let l = hl - 20;
  while (l > 0) {
    const t = f[p]!;
    if (t === 0) return; // IPOPT_END
    if (t === 1) {
      l--;
      p++;
      continue;
    }
    const optlen = f[p + 1]!;
    if (optlen < 2 || optlen > l) return;
    if ((t & 0x80) === 0) f.fill(1, p, p + optlen);
    l -= optlen;
    p += optlen;
  }
}

/** the original pieces when ip_do_fragment's frag_list fast path applies, else null */
function fastPathPieces(skb: Skb, field: number, total: number, room: number): readonly number[] | null {
  const p = skb.fragList;
  if (p === null || (field & (IP_MF | IP_OFFSET)) !== 0) return null;
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const len = p[i]!;
    if (len > room || ((len & 7) !== 0 && i < p.length - 1)) return null;
    sum += len;
  }
  return sum === total ? p : null;
}

/** ip_copy_metadata(): what a fragment inherits from the packet it is cut from */
function fragmentSkb(skb: Skb, data: Uint8Array): Skb {
  const f = new Skb(data);
  f.l3 = skb.l3;
  f.parent = skb.id;
  f.dev = skb.dev;
  f.inDev = skb.inDev;
  f.physIn = skb.physIn;
  f.physOut = skb.physOut;
  f.bridged = skb.bridged;
  f.nfBridge = skb.nfBridge;
  f.pktType = skb.pktType;
  f.mark = skb.mark;
  f.ct = skb.ct;
  f.ctInfo = skb.ctInfo;
  f.nfTrace = skb.nfTrace;
  f.route = skb.route;
  f.fromLocal = skb.fromLocal;
  return f;
}
