/**
 * Replaying a capture into the simulated network: each packet of the file
 * enters at one interface, in file order, on the virtual clock.
 *
 * - `receive`: the interface receives it, as if the other end of its wire
 *   had sent it (`natlab replay --into NODE:IFACE`); it then goes wherever
 *   the node and the network take it.
 * - `send`: the node sends it out of the interface through a packet socket
 *   (`tcpreplay -i IFACE`): dev_queue_xmit() without the IP stack or
 *   netfilter of the sender, as PF_PACKET does. sendto() returns only once
 *   the NET_RX softirq its transmit set going has run (queue.ts:
 *   SoftirqChain): what the network does with a packet, answers included,
 *   comes before the next packet goes, however close their timestamps.
 *
 * Pacing: the file's timestamps relative to the first packet (divided by
 * a speed multiplier, as tcpreplay -x), a fixed packet rate (--pps), a
 * bit rate (--mbps: each packet waits its own length at that rate), or
 * back to back (--topspeed: at 10 Gbit/s line rate, preamble and gap
 * included, so the queue never holds more than a wire's worth of frames).
 *
 * The file is read as the replay goes (one packet ahead), never all at
 * once; one event in the queue at a time drives it. Each packet is copied
 * from the reader's window into an skb from the slab (allocSkb()), so a
 * packet that dies where the model frees it (kfreeSkb()) gives its object
 * and buffer to a later one: no allocation per packet.
 */
import { NatlabError } from '../config/errors.js';
import { devQueueXmit, netifReceive } from '../model/dev.js';
import type { Host } from '../model/host.js';
import type { Iface } from '../model/iface.js';
import { allocSkb, kfreeSkb, newPacketId, type Skb } from '../model/skb.js';
import { SoftirqChain, TIME_FIELD } from '../sim/queue.js';
import type { CaptureReader } from './capture-reader.js';
import { checkEthernet, LINKTYPE_ETHERNET, toEthernet, type WrapMacs } from './link.js';

export type Pacing = { mode: 'timestamps'; speed: number } | { mode: 'topspeed' } | { mode: 'pps'; pps: number } | { mode: 'mbps'; mbps: number };

/** 10 Gbit/s: 0.8 ns per byte on the wire, with 8 bytes of preamble, 12 of gap and a 4-byte FCS */
export function lineRateNs(len: number): number {
  return Math.ceil((Math.max(len, 60) + 24) * 0.8);
}

export interface ReplayTarget {
  host: Host;
  dev: Iface;
  how: 'receive' | 'send';
}

export interface ReplayOptions {
  pacing: Pacing;
  /** stop after this many packets (tcpreplay -L) */
  limit?: number;
  /** called with every frame as it enters (before the network touches it); `false` refuses it (not sent, still counted) */
  onFrame?: (frame: Uint8Array, caplen: number) => unknown;
  /** called every `progressEvery` packets */
  onProgress?: (sent: number) => void;
  progressEvery?: number;
  /** called once, when the last packet went in (or the file ended in an error) */
  onDone?: () => void;
  /**
   * every packet's bytes go out as they are, whatever the capture's link
   * type (a cooked or raw packet's first bytes then stand where the
   * Ethernet header would be), as tcpreplay sends them; otherwise they are
   * made into Ethernet frames (link.ts)
   */
  asCaptured?: boolean;
}

export class Replayer {
  /** packets and bytes (captured lengths) injected */
  sent = 0;
  bytes = 0;
  /** virtual times of the first and the last injection */
  firstAt = TIME_FIELD;
  lastAt = TIME_FIELD;
  done = false;
  /** a truncated or corrupt file: the packets before it were replayed */
  error: NatlabError | null = null;
  /** the link types met, for the summary's note on made-up MACs */
  readonly linktypes = new Set<number>();
  private startAt = TIME_FIELD;
  /** the next packet as an Ethernet frame made from another link type; null: an Ethernet packet, still in the reader */
  private frame: Uint8Array | null = null;
  /** the next packet's frame length */
  private frameLen = 0;
  private lastLinktype = -1;
  /** the per-packet reads of target and opts, taken once (neither changes during a replay) */
  private readonly host: Host;
  private readonly dev: Iface;
  private readonly receive: boolean;
  private readonly onFrame: ((frame: Uint8Array, caplen: number) => unknown) | null;
  private readonly onProgress: ((sent: number) => void) | null;
  private readonly progressEvery: number;
  /** packets left until the next onProgress call (sent % progressEvery === 0 without a division) */
  private progressLeft: number;
  private readonly limit: number;
  private readonly asCaptured: boolean;
  /** `send`: what the last packet's transmit set going, which the next waits for */
  private readonly sendChain = new SoftirqChain();
  /** the last packet's lengths, for the next one's pacing once the softirq is done */
  private lastLen = 0;
  private lastCaplen = 0;
  private readonly afterSoftirq: () => void;

  constructor(
    private readonly reader: CaptureReader,
    private readonly target: ReplayTarget,
    private readonly macs: WrapMacs,
    private readonly opts: ReplayOptions,
  ) {
    this.firstAt = this.lastAt = -1;
    this.startAt = 0;
    this.host = target.host;
    this.dev = target.dev;
    this.receive = target.how === 'receive';
    this.onFrame = opts.onFrame ?? null;
    this.onProgress = opts.onProgress ?? null;
    this.progressEvery = opts.progressEvery ?? 65536;
    this.progressLeft = this.progressEvery;
    this.limit = opts.limit ?? Infinity;
    this.asCaptured = opts.asCaptured === true;
    this.afterSoftirq = (): void => this.scheduleNext(this.lastAt, this.lastLen, this.lastCaplen);
  }

  /** schedule the first packet now */
  start(): void {
    this.startAt = this.target.host.now();
    if (!this.readNext()) return;
    this.target.host.net.queue.postAt(this.startAt, Replayer.pump, this, null, null);
  }

  /**
   * read the next packet (converted into `frame` unless it is Ethernet);
   * false (and done) at the end or on an error. The usual packet (a
   * header's worth of Ethernet, the link type of the one before) is
   * settled here in a few lines, so that V8 inlines this into pump();
   * anything else is readOther()'s.
   */
  private readNext(): boolean {
    const r = this.reader;
    if (this.sent >= this.limit) return this.finish();
    try {
      if (!r.next()) return this.finish();
      const lt = r.linktype;
      if (lt === this.lastLinktype && lt === LINKTYPE_ETHERNET && r.caplen >= 14) {
        this.frame = null;
        this.frameLen = r.caplen;
        return true;
      }
      this.readOther(lt);
    } catch (e) {
      if (!(e instanceof NatlabError)) throw e;
      this.error = e;
      return this.finish();
    }
    return true;
  }

  /** readNext() of a packet of a new link type, of another link type than Ethernet, or shorter than an Ethernet header (checkEthernet() throws) */
  private readOther(lt: number): void {
    const r = this.reader;
    if (lt !== this.lastLinktype) {
      this.lastLinktype = lt;
      this.linktypes.add(lt);
    }
    if (lt === LINKTYPE_ETHERNET || this.asCaptured) {
      checkEthernet(r.caplen, r.number, r.file);
      this.frame = null;
      this.frameLen = r.caplen;
    } else {
      const f = toEthernet(lt, r.data, this.macs, r.number, r.file);
      this.frame = f;
      this.frameLen = f.length;
    }
  }

  private finish(): false {
    if (!this.done) {
      this.done = true;
      this.frame = null;
      this.opts.onDone?.();
    }
    return false;
  }

  /**
   * One packet goes in, and the next is scheduled: the replay's posted
   * event itself (a static method, so the queue runs the work without a
   * function in between that calls it).
   */
  private static pump(rp: Replayer): void {
    const host = rp.host;
    const now = host.now();
    const caplen = rp.reader.caplen;
    if (rp.firstAt < 0) rp.firstAt = now;
    rp.lastAt = now;
    rp.sent++;
    rp.bytes += caplen;
    const prevLen = rp.frameLen;
    const skb = allocSkb(prevLen, newPacketId());
    if (rp.frame === null) rp.reader.copyData(skb.data, skb.headView, skb.headWords);
    else skb.data.set(rp.frame);
    // onFrame may say the frame cannot be sent (sendto() failed): it is counted, not sent
    const refused = rp.onFrame !== null && rp.onFrame(skb.data, caplen) === false;
    if (rp.onProgress !== null && --rp.progressLeft === 0) {
      rp.progressLeft = rp.progressEvery;
      rp.onProgress(rp.sent);
    }
    if (refused) kfreeSkb(skb);
    else if (rp.receive) netifReceive(host, rp.dev, skb);
    else if (rp.send(skb)) {
      // the softirq runs on: the next packet is read and paced when it is done
      rp.lastLen = prevLen;
      rp.lastCaplen = caplen;
      return;
    }
    if (!rp.readNext()) return;
    // nextAt()'s timestamps case written out: the usual pacing, without a call per packet
    const p = rp.opts.pacing;
    const at = p.mode === 'timestamps' ? Math.max(now, rp.startAt + Math.floor(rp.reader.relNs() / p.speed)) : rp.nextAt(now, prevLen, caplen);
    host.net.queue.postAt(at, Replayer.pump, rp, null, null);
  }

  /**
   * `send`: sendto() on the packet socket, in process context; true when
   * the softirq work it set going is still to run (the replay goes on in
   * afterSoftirq() when it is done)
   */
  private send(skb: Skb): boolean {
    const q = this.host.net.queue;
    const ch = this.sendChain;
    const outer = q.chain;
    q.chain = ch;
    devQueueXmit(this.host, this.dev, skb);
    q.chain = outer;
    if (ch.pending === 0) return false;
    ch.then = this.afterSoftirq;
    return true;
  }

  /** the next packet is read and posted, paced from the last one's time and lengths (or at once, when that time is past) */
  private scheduleNext(prev: number, prevLen: number, prevCaplen: number): void {
    if (!this.readNext()) return;
    this.host.net.queue.postAt(this.nextAt(prev, prevLen, prevCaplen), Replayer.pump, this, null, null);
  }

  /** when the packet just read goes, given the previous one's time and lengths */
  private nextAt(prev: number, prevLen: number, prevCaplen: number): number {
    const p = this.opts.pacing;
    switch (p.mode) {
      case 'timestamps':
        return Math.max(prev, this.startAt + Math.floor(this.reader.relNs() / p.speed));
      case 'topspeed':
        return prev + lineRateNs(prevLen);
      case 'pps':
        return this.startAt + Math.floor((this.sent * 1e9) / p.pps);
      case 'mbps':
        return prev + Math.ceil((prevCaplen * 8 * 1000) / p.mbps);
    }
  }
}
