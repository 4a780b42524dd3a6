/**
 * One TCP connection (struct tcp_sock): the state machine of
 * net/ipv4/tcp_input.c / tcp_output.c / tcp_timer.c for the flows labs
 * use, on the virtual clock.
 *
 *   active open   connect() → SYN-SENT --SYN-ACK/ACK--> ESTABLISHED
 *   passive open  (listener) SYN → SYN-RECV --ACK--> ESTABLISHED → accept()
 *   close first   ESTABLISHED --FIN--> FIN-WAIT-1 --ACK--> FIN-WAIT-2 --FIN/ACK--> TIME-WAIT (60 s)
 *   close second  ESTABLISHED <--FIN-- CLOSE-WAIT --FIN--> LAST-ACK --ACK--> CLOSED
 *
 * Timers as Linux 6.18 has them (measured on veth pairs):
 * - SYN: retransmitted after 1 s, with tcp_syn_linear_timeouts (4) linear
 *   timeouts before exponential backoff: at 1, 2, 3, 4, 5, 7, 11, 19, 35,
 *   67 s; connect() fails with ETIMEDOUT when the next one would be due
 *   (131 s), after tcp_syn_retries + tcp_syn_linear_timeouts retransmissions.
 *   Each runs at the timer wheel's bucket edge after its expiry (1.024,
 *   2.048, ... 69.632 s: a few percent of slack, as measured).
 * - SYN-ACK: 1, 3, 7, 15, 31 s (tcp_synack_retries 5), dropped at 63 s; a
 *   retransmitted SYN is answered at once and pushes the timer back. A
 *   retransmission that cannot be sent (OUTPUT drops it) drops the request.
 *   SYN and SYN-ACK timers run on the timer wheel (armRtx()).
 * - Data and FIN: RTO = the handshake's RTT m + max(2m, tcp_rto_min), in
 *   whole jiffies (204 ms at HZ=250 on a veth; 3 s without a sample, after a
 *   retransmitted SYN without timestamps: rttSample()); with SACK the first
 *   expiry is a tail loss probe at min(2m + tcp_rto_min, RTO) (no backoff),
 *   then the RTO doubles: resent at 0.2, 0.41, 0.82, 1.63,
 *   3.26, 6.53 s (measured 0.20, 0.40, 0.83, 1.66, 3.30, 6.75); given up after
 *   tcp_retries2 (tcp_orphan_retries for a closed socket) in the kernel's
 *   time model (tcp_model_timeout()).
 * - ACKs: quick-ack mode for the first 16 data segments (tcp_incr_quickack
 *   on the first data), so they are acknowledged at once; afterwards, and
 *   after a FIN (pingpong mode), an ACK waits up to 40 ms for something to
 *   ride on. A program that closes when it reads the peer's FIN therefore
 *   answers with one FIN|ACK, as measured; the kernel sometimes sends a bare
 *   ACK first (a race with the application's close()), natlab never does.
 *
 * Windows follow tcp_select_window(): the advertised window is the receive
 * space clamped by rcv_ssthresh (64088 with the defaults), rounded up to the
 * window-scale unit, and never shrinks below what was already offered:
 * hence `win 63` (64512 >> 10) from the connecting side and `win 64` (65536
 * >> 10) from the accepting side, whose SYN-ACK offered 65160. The
 * application is assumed to read at once (no receive-queue build-up), and
 * receive-buffer autotuning is not modelled (it only matters for bulk data).
 *
 * Not modelled: simultaneous open and urgent data (reported as unsupported
 * when they arrive), SACK blocks, PAWS, keepalives, ECN, path-MTU changes,
 * out-of-order queueing (an out-of-order segment is answered with a
 * duplicate ACK and dropped, so the peer retransmits), congestion control
 * beyond an initial window of 10 segments growing by one per ACK.
 */
import { getU16, getU32 } from '../../wire/bytes.js';
import { ipDst, ipHeaderLen, ipSrc, ipTotalLen } from '../../wire/ipv4.js';
import {
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  TCPOPT_EOL,
  TCPOPT_MSS,
  TCPOPT_NOP,
  TCPOPT_SACK_PERM,
  TCPOPT_TIMESTAMP,
  TCPOPT_WINDOW,
  tcpChecksumOk,
} from '../../wire/tcp.js';
import { NS_PER_MS, NS_PER_US, TIME_FIELD, type Timer } from '../../sim/queue.js';
import type { Host } from '../host.js';
import { jiffies } from '../jiffies.js';
import { WheelTimer } from '../timer-wheel.js';
import { SK_ROOT, type Skb } from '../skb.js';
import type { TcpEndpoint } from '../sockets.js';
import { ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT } from './errno.js';
import { tcpIcmpErrno } from './err.js';
import { hash32, initialSeq, tsClock, tsOffset } from './identity.js';
import type { TcpListener } from './listen.js';
import { sendSegment, type SegmentSpec } from './output.js';
import {
  JIFFY,
  TCP_DELACK_MIN,
  TCP_FULL_SPACE,
  TCP_INIT_CWND,
  TCP_MAX_QUICKACKS,
  TCP_MIN_RCVMSS,
  TCP_MSS_DEFAULT,
  TCP_RTO_MAX,
  TCP_RTO_MIN,
  TCP_TIMEOUT_FALLBACK,
  TCP_TIMEOUT_INIT,
  TCP_TIMEWAIT_LEN,
  TCPOLEN_TSTAMP_ALIGNED,
  advMss,
  jiffiesCeil,
  initialRcvWnd,
  rcvWscale,
  windowClamp,
} from './params.js';
import { tcpV4SendReset } from './reset.js';
import { after, before, between, seqAdd, seqDiff } from './seq.js';
import type { TcpStack } from './stack.js';

/** enum tcp_state (include/net/tcp_states.h) */
export const enum TcpState {
  ESTABLISHED = 1,
  SYN_SENT = 2,
  SYN_RECV = 3,
  FIN_WAIT1 = 4,
  FIN_WAIT2 = 5,
  TIME_WAIT = 6,
  CLOSE = 7,
  CLOSE_WAIT = 8,
  LAST_ACK = 9,
  LISTEN = 10,
  CLOSING = 11,
}

/** state names as `ss` prints them */
export const TCP_STATE_NAMES = ['', 'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'UNCONN', 'CLOSE-WAIT', 'LAST-ACK', 'LISTEN', 'CLOSING'] as const;

/** What the owning program hears, always after the packet that caused it has been processed (process context). */
export interface TcpEvents {
  /** connect() finished: 0, or the errno it failed with */
  connected?(err: number): void;
  /** in-order data (a copy) */
  data?(bytes: Uint8Array): void;
  /** the peer's FIN: read() returns 0 */
  eof?(): void;
  /** an established connection died (reset, timeout): the errno */
  error?(err: number): void;
}

/** The fields of one parsed segment; one object per socket, reused. */
interface Rx {
  seq: number;
  ack: number;
  flags: number;
  win: number;
  dataOff: number;
  dataLen: number;
  mss: number;
  wscale: number;
  sackOk: boolean;
  sawTs: boolean;
  tsval: number;
  tsecr: number;
}

export class TcpSock implements TcpEndpoint {
  state: TcpState = TcpState.CLOSE;
  localAddr = 0;
  localPort = 0;
  remoteAddr = 0;
  remotePort = 0;
  events: TcpEvents = {};
  /** sk_err: why the connection failed (0 = it did not) */
  err = 0;
  /** sk_err_soft: an ICMP error remembered for a timeout */
  softErr = 0;
  /** the listener a SYN-RECV request belongs to */
  listener: TcpListener | null = null;
  /** the program closed it: no more events, gone once the protocol is done */
  orphan = false;
  /**
   * a program holds it (false for a connection waiting in a listener's
   * accept queue: what arrives meanwhile is kept for attach())
   */
  private attached = true;
  private pendingData: Uint8Array[] = [];
  private pendingEof = false;

  // send side
  iss = 0;
  sndUna = 0;
  /**
   * sk->sk_dst_pending_confirm: an ACK made forward progress since the last
   * segment sent (sk_dst_confirm() in tcp_ack()); the next segment confirms
   * the neighbour, so a route in use by a working connection never needs
   * an ARP probe. (The kernel also confirms on a pure duplicate ACK; not
   * modelled.)
   */
  dstPendingConfirm = false;
  sndNxt = 0;
  sndWnd = 0;
  sndWscale = 0;
  /** bytes from sndUna on: sent-but-unacknowledged, then unsent */
  private sendBuf = new Uint8Array(0);
  private finQueued = false;
  private finSent = false;
  private cwnd = TCP_INIT_CWND;

  // receive side
  irs = 0;
  rcvNxt = 0;
  rcvWnd = 0;
  rcvWup = 0;
  rcvWscale = 0;
  rcvSsthresh = 0;
  windowClamp = 0;
  /** icsk_ack.rcv_mss: the guess of the peer's segment size */
  private rcvMss = TCP_MIN_RCVMSS;

  // options
  tsOk = false;
  sackOk = false;
  wscaleOk = false;
  tsRecent = 0;
  tsOff = 0;
  /** our MSS (route MTU - 40) and the peer's announced one */
  advmss = 1460;
  mssClamp = TCP_MSS_DEFAULT;
  private ipId = 0;

  // ACK scheduling
  private quick = 0;
  private pingpong = false;
  private ackPending = false;
  private gotData = false;
  private delackTimer: Timer | null = null;

  // retransmission
  private rto = TCP_TIMEOUT_INIT;
  /** tail loss probe timeout with one segment out (tcp_schedule_loss_probe()), from the RTT sample */
  private pto = TCP_TIMEOUT_INIT;
  /** our SYN (or SYN-ACK) went out more than once: Karn's rule takes no RTT from its timing */
  private handshakeRetransmitted = false;
  private retransmits = 0;
  private totalRto = 0;
  /** virtual times (doubles from the start: TIME_FIELD) */
  private retransStamp = TIME_FIELD;
  private synSentAt = TIME_FIELD;
  private rtxTimer: Timer | WheelTimer | null = null;
  /** the next expiry is a tail loss probe (tcp_schedule_loss_probe()), not an RTO */
  private tlpArmed = false;
  /** SYN-RECV: the request timer's expirations (req->num_timeout) */
  private numTimeout = 0;
  private waitTimer: Timer | null = null;

  private readonly rx: Rx = { seq: 0, ack: 0, flags: 0, win: 0, dataOff: 0, dataLen: 0, mss: 0, wscale: -1, sackOk: false, sawTs: false, tsval: 0, tsecr: 0 };

  constructor(readonly stack: TcpStack) {
    this.retransStamp = this.synSentAt = this.lastRcv = 0;
    stack.socketCount++;
  }

  get host(): Host {
    return this.stack.host;
  }

  get stateName(): string {
    return TCP_STATE_NAMES[this.state];
  }

  /** ip id of the next segment: inet_id, from a per-socket start, +1 per segment (DF set) */
  seedIpId(seed: number): void {
    this.ipId = seed & 0xffff;
  }

  /**
   * tcp_conn_request() + tcp_openreq_init(): this socket becomes the
   * request for the SYN in `skb`, sends its SYN-ACK and waits in SYN-RECV.
   */
  initRequest(listener: TcpListener, skb: Skb, l4: number): void {
    const h = this.host;
    const b = skb.data;
    const rx = this.parse(b, skb.l3, l4);
    this.listener = listener;
    this.localAddr = ipDst(b, skb.l3);
    this.localPort = listener.localPort;
    this.remoteAddr = ipSrc(b, skb.l3);
    this.remotePort = getU16(b, l4);
    this.offerOptions();
    this.negotiate(rx);
    this.irs = rx.seq;
    this.rcvNxt = seqAdd(rx.seq, 1);
    this.rcvWup = this.rcvNxt;
    this.tsRecent = rx.sawTs ? rx.tsval : 0;
    this.sndWnd = rx.win;
    const rt = h.routeOutput(this.remoteAddr, this.localAddr, null);
    this.advmss = advMss(rt.dev?.mtu ?? 1500);
    this.rcvWnd = initialRcvWnd(this.advmss - (this.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0));
    this.iss = initialSeq(h.name, this.localAddr, this.remoteAddr, this.localPort, this.remotePort, h.now());
    this.tsOff = tsOffset(h.name, this.localAddr, this.remoteAddr);
    this.seedIpId(hash32(`ipid:${h.name}`, this.stack.socketCount, this.remoteAddr));
    this.stack.add(this);
    this.startRequest();
  }

  /** what we offer on our SYN / SYN-ACK, per the sysctls */
  offerOptions(): void {
    const sys = this.stack.sysctls;
    this.tsOk = sys.v('tcp_timestamps') !== 0;
    this.sackOk = sys.v('tcp_sack') !== 0;
    this.wscaleOk = sys.v('tcp_window_scaling') !== 0;
    this.rcvWscale = this.wscaleOk ? rcvWscale() : 0;
  }

  // ---- the program's side ------------------------------------------------

  /** a connection in an accept queue: events wait for attach() */
  detach(): void {
    this.attached = false;
  }

  /** accept() done: the program's handlers, and what arrived before them (the receive queue, a FIN, an error) */
  attach(events: TcpEvents): void {
    this.events = events;
    this.attached = true;
    for (const d of this.pendingData.splice(0)) this.notify((ev) => ev.data?.(d));
    if (this.pendingEof) this.notify((ev) => ev.eof?.());
    this.pendingEof = false;
    if (this.err !== 0) {
      const err = this.err;
      this.notify((ev) => ev.error?.(err));
    }
  }

  /** write(): queue bytes and send what the window allows */
  send(bytes: Uint8Array): void {
    if (this.finQueued || bytes.length === 0) return;
    const nb = new Uint8Array(this.sendBuf.length + bytes.length);
    nb.set(this.sendBuf);
    nb.set(bytes, this.sendBuf.length);
    this.sendBuf = nb;
    if (this.state === TcpState.ESTABLISHED || this.state === TcpState.CLOSE_WAIT) this.pushPending();
  }

  /** shutdown(SHUT_WR): a FIN after the queued data */
  shutdownWrite(): void {
    if (this.finQueued) return;
    if (this.state === TcpState.ESTABLISHED) this.setState(TcpState.FIN_WAIT1);
    else if (this.state === TcpState.CLOSE_WAIT) this.setState(TcpState.LAST_ACK);
    else return;
    this.finQueued = true;
    this.pushPending();
  }

  /** close() (tcp_close): the program lets go; the protocol finishes on its own */
  close(): void {
    if (this.orphan) return;
    this.orphan = true;
    this.events = {};
    switch (this.state) {
      case TcpState.SYN_SENT:
      case TcpState.CLOSE:
        this.done();
        return;
      case TcpState.ESTABLISHED:
      case TcpState.CLOSE_WAIT:
        this.shutdownWrite();
        return;
      case TcpState.FIN_WAIT2:
        this.startFinWait2Timer();
        return;
      default:
        return;
    }
  }

  /** tcp_send_active_reset() + tcp_done(): abort with a RST (a listener closing with unaccepted children) */
  abort(): void {
    if (this.state === TcpState.ESTABLISHED || this.state === TcpState.CLOSE_WAIT || this.state === TcpState.FIN_WAIT1 || this.state === TcpState.FIN_WAIT2 || this.state === TcpState.CLOSING) {
      this.xmit(TCP_RST | TCP_ACK, this.sndNxt, 0, 0);
    }
    this.orphan = true;
    this.events = {};
    this.done();
  }

  // ---- opening -------------------------------------------------------------

  /** tcp_connect(): send the SYN and arm the retransmission timer (the caller has set addresses, ISN, options) */
  startConnect(): void {
    this.setState(TcpState.SYN_SENT);
    this.sndUna = this.iss;
    this.sndNxt = seqAdd(this.iss, 1);
    this.synSentAt = this.host.now();
    this.retransStamp = this.synSentAt;
    this.rto = TCP_TIMEOUT_INIT;
    this.sendSyn();
    this.armRtx(this.rto);
  }

  /** the last SYN sent (the fclone of the rtx queue's head that skb_still_in_host_queue() looks at) */
  private readonly synSent: { skb: Skb | null } = { skb: null };

  private sendSyn(): void {
    this.xmit(TCP_SYN, this.iss, 0, 0, true, this.synSent);
  }

  /** the SYN-ACK of a request (tcp_v4_send_synack): ip id 0, as measured; 0 or a negative errno */
  sendSynAck(): number {
    const id = this.ipId;
    this.ipId = 0;
    const err = this.xmit(TCP_SYN | TCP_ACK, this.iss, 0, 0, true);
    this.ipId = id;
    return err;
  }

  /** a request's state after its SYN: SYN-RECV, SYN-ACK sent, request timer armed (tcp_conn_request) */
  startRequest(): void {
    this.setState(TcpState.SYN_RECV);
    this.sndUna = this.iss;
    this.sndNxt = seqAdd(this.iss, 1);
    this.synSentAt = this.host.now();
    this.numTimeout = 0;
    this.sendSynAck();
    // the kernel arms the request's timer before it sends the SYN-ACK
    this.armRtx(TCP_TIMEOUT_INIT, false);
  }

  // ---- receiving -----------------------------------------------------------

  /** tcp_v4_rcv() → tcp_v4_do_rcv() → tcp_rcv_state_process(), for this socket */
  segment(skb: Skb, l4: number): void {
    const h = this.host;
    const b = skb.data;
    const o = skb.l3;
    if (!tcpChecksumOk(b, o, l4)) {
      h.drop(skb, skb.inDev, 'tcp: bad checksum');
      return;
    }
    const rx = this.parse(b, o, l4);
    switch (this.state) {
      case TcpState.SYN_SENT:
        this.rcvSynSent(skb, rx);
        return;
      case TcpState.SYN_RECV:
        this.rcvSynRecv(skb, rx);
        return;
      case TcpState.TIME_WAIT:
        this.rcvTimeWait(skb, rx);
        return;
      case TcpState.CLOSE:
        h.drop(skb, skb.inDev, 'tcp: socket closed');
        tcpV4SendReset(h, skb, SK_ROOT);
        return;
      default:
        this.rcvSynchronized(skb, rx);
    }
  }

  private parse(b: Uint8Array, o: number, l4: number): Rx {
    const rx = this.rx;
    rx.seq = getU32(b, l4 + 4);
    rx.ack = getU32(b, l4 + 8);
    rx.flags = b[l4 + 13]!;
    rx.win = getU16(b, l4 + 14);
    const hl = (b[l4 + 12]! >>> 4) << 2;
    rx.dataOff = l4 + hl;
    rx.dataLen = Math.max(0, ipTotalLen(b, o) - ipHeaderLen(b, o) - hl);
    rx.mss = 0;
    rx.wscale = -1;
    rx.sackOk = false;
    rx.sawTs = false;
    // tcp_parse_options()
    const end = Math.min(l4 + hl, b.length);
    let i = l4 + 20;
    while (i < end) {
      const kind = b[i]!;
      if (kind === TCPOPT_EOL) break;
      if (kind === TCPOPT_NOP) {
        i++;
        continue;
      }
      if (i + 1 >= end) break;
      const len = b[i + 1]!;
      if (len < 2 || i + len > end) break;
      if (kind === TCPOPT_MSS && len === 4 && (rx.flags & TCP_SYN) !== 0) rx.mss = getU16(b, i + 2);
      else if (kind === TCPOPT_WINDOW && len === 3 && (rx.flags & TCP_SYN) !== 0) rx.wscale = Math.min(b[i + 2]!, 14);
      else if (kind === TCPOPT_SACK_PERM && len === 2 && (rx.flags & TCP_SYN) !== 0) rx.sackOk = true;
      else if (kind === TCPOPT_TIMESTAMP && len === 10) {
        rx.sawTs = true;
        rx.tsval = getU32(b, i + 2);
        rx.tsecr = getU32(b, i + 6);
      }
      i += len;
    }
    return rx;
  }

  /** tcp_rcv_synsent_state_process() */
  private rcvSynSent(skb: Skb, rx: Rx): void {
    const h = this.host;
    if ((rx.flags & TCP_ACK) !== 0) {
      if (!after(rx.ack, this.iss) || after(rx.ack, this.sndNxt)) {
        h.drop(skb, skb.inDev, 'tcp: SYN-SENT got an unacceptable ACK');
        tcpV4SendReset(h, skb, SK_ROOT);
        return;
      }
      if ((rx.flags & TCP_RST) !== 0) {
        this.fail(ECONNREFUSED);
        return;
      }
      if ((rx.flags & TCP_SYN) === 0) return;
      // SYN-ACK: the connection is up
      this.irs = rx.seq;
      this.rcvNxt = seqAdd(rx.seq, 1);
      this.rcvWup = this.rcvNxt;
      this.negotiate(rx);
      this.sndUna = rx.ack;
      this.dstPendingConfirm = true;
      this.sndWnd = rx.win;
      if (this.tsOk && rx.sawTs) this.tsRecent = rx.tsval;
      this.established();
      this.rttSample(this.synSentAt, rx);
      this.setState(TcpState.ESTABLISHED);
      this.cancelRtx();
      this.notify((ev) => ev.connected?.(0));
      this.sendAck();
      this.pushPending();
      return;
    }
    if ((rx.flags & TCP_RST) !== 0) return;
    if ((rx.flags & TCP_SYN) !== 0) {
      h.unsupported(`TCP simultaneous open on ${h.name} port ${this.localPort}: not modelled`);
    }
  }

  /** the options both sides agreed on, from the peer's SYN or SYN-ACK */
  negotiate(rx: Rx): void {
    const sys = this.stack.sysctls;
    this.tsOk = this.tsOk && rx.sawTs && sys.v('tcp_timestamps') !== 0;
    this.sackOk = this.sackOk && rx.sackOk && sys.v('tcp_sack') !== 0;
    this.wscaleOk = this.wscaleOk && rx.wscale >= 0 && sys.v('tcp_window_scaling') !== 0;
    if (!this.wscaleOk) {
      this.rcvWscale = 0;
      this.sndWscale = 0;
    } else {
      this.sndWscale = rx.wscale;
    }
    this.mssClamp = rx.mss !== 0 ? rx.mss : TCP_MSS_DEFAULT;
  }

  /** tcp_init_transfer() / tcp_init_buffer_space(): window clamp and rcv_ssthresh once synchronized */
  private established(): void {
    const mss = this.advmss - (this.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
    this.windowClamp = windowClamp(mss);
    this.rcvSsthresh = Math.min(this.rcvWnd, this.windowClamp);
    this.rcvMss = Math.max(88, Math.min(this.advmss, this.mssNow(), Math.floor(this.rcvWnd / 2), TCP_MIN_RCVMSS));
  }

  /** the payload size of a full segment we send (mss_cache) */
  private mssNow(): number {
    return Math.min(this.mssClamp, this.advmss) - (this.tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
  }

  /** tcp_check_req(): a segment for a request in SYN-RECV */
  private rcvSynRecv(skb: Skb, rx: Rx): void {
    const h = this.host;
    const listener = this.listener;
    if (listener === null || listener.closed) {
      // the listener is gone: so is the request
      this.done();
      h.drop(skb, skb.inDev, 'tcp: request of a closed listener');
      tcpV4SendReset(h, skb);
      return;
    }
    if (rx.seq === this.irs && (rx.flags & (TCP_SYN | TCP_RST)) === TCP_SYN) {
      // a retransmitted SYN: the SYN-ACK again, and the timer pushed back only when it was sent
      // (tcp_check_req(): mod_timer_pending() after a successful inet_rtx_syn_ack())
      if (this.sendSynAck() === 0) {
        this.handshakeRetransmitted = true;
        this.armRtx(Math.min(TCP_TIMEOUT_INIT * 2 ** this.numTimeout, TCP_RTO_MAX));
      }
      return;
    }
    const endSeq = seqAdd(rx.seq, rx.dataLen + ((rx.flags & TCP_FIN) !== 0 ? 1 : 0));
    if (!this.inWindow(rx.seq, endSeq, this.rcvNxt, seqAdd(this.rcvNxt, this.rcvWnd))) {
      if ((rx.flags & TCP_RST) === 0) this.xmit(TCP_ACK, this.sndNxt, 0, 0);
      return;
    }
    if ((rx.flags & (TCP_RST | TCP_SYN)) !== 0) {
      // embryonic reset
      if ((rx.flags & TCP_RST) === 0) tcpV4SendReset(h, skb, SK_ROOT);
      this.done();
      return;
    }
    if ((rx.flags & TCP_ACK) === 0) return;
    if (rx.ack !== this.sndNxt) {
      // the listener answers a bad ACK with a reset
      h.drop(skb, skb.inDev, 'tcp: ACK does not match the SYN-ACK');
      tcpV4SendReset(h, skb, SK_ROOT);
      return;
    }
    if (!listener.hasRoom()) {
      h.drop(skb, skb.inDev, 'tcp: listen queue overflow');
      return;
    }
    // tcp_create_openreq_child(): the connection is up; tcp_ack() of the SYN-ACK confirms the route
    this.sndUna = rx.ack;
    this.dstPendingConfirm = true;
    this.sndWnd = rx.win << this.sndWscale;
    if (this.tsOk && rx.sawTs) this.tsRecent = rx.tsval;
    this.established();
    this.rttSample(this.synSentAt, rx);
    this.cancelRtx();
    this.setState(TcpState.ESTABLISHED);
    listener.enqueue(this);
    // the rest of the segment (data, FIN) as in ESTABLISHED
    if (rx.dataLen > 0 || (rx.flags & TCP_FIN) !== 0) this.rcvSynchronized(skb, rx);
  }

  private inWindow(seq: number, endSeq: number, sWin: number, eWin: number): boolean {
    // tcp_in_window()
    if (seq === sWin) return true;
    if (after(endSeq, sWin) && before(seq, eWin)) return true;
    return seq === eWin && seq === endSeq;
  }

  /** tcp_timewait_state_process() */
  private rcvTimeWait(skb: Skb, rx: Rx): void {
    const h = this.host;
    const endSeq = seqAdd(rx.seq, rx.dataLen + ((rx.flags & TCP_FIN) !== 0 ? 1 : 0) + ((rx.flags & TCP_SYN) !== 0 ? 1 : 0));
    if (rx.seq === this.rcvNxt && (rx.seq === endSeq || (rx.flags & TCP_RST) !== 0)) {
      if ((rx.flags & TCP_RST) !== 0 && this.stack.sysctls.v('tcp_rfc1337') === 0) this.done();
      return; // a bare ACK in window: nothing to do
    }
    if ((rx.flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN && after(rx.seq, this.rcvNxt)) {
      // a new connection reusing the 4-tuple: the TIME-WAIT goes, the listener gets the SYN
      this.done();
      h.sockets.tcpRcv(h, skb);
      return;
    }
    if ((rx.flags & TCP_RST) !== 0) return;
    this.startTimeWait();
    this.sendAck();
  }

  /** tcp_rcv_state_process() for the synchronized states */
  private rcvSynchronized(skb: Skb, rx: Rx): void {
    const h = this.host;
    const fin = (rx.flags & TCP_FIN) !== 0;
    const endSeq = seqAdd(rx.seq, rx.dataLen + (fin ? 1 : 0) + ((rx.flags & TCP_SYN) !== 0 ? 1 : 0));
    // tcp_sequence()
    const win = this.receiveWindow();
    if (before(endSeq, this.rcvWup) || after(rx.seq, seqAdd(this.rcvNxt, win))) {
      h.drop(skb, skb.inDev, 'tcp: segment outside the receive window');
      if ((rx.flags & TCP_RST) === 0) this.sendAck();
      return;
    }
    if ((rx.flags & TCP_RST) !== 0) {
      if (rx.seq === this.rcvNxt) this.reset();
      else this.sendAck(); // challenge ACK
      return;
    }
    if ((rx.flags & TCP_SYN) !== 0) {
      this.sendAck(); // challenge ACK
      return;
    }
    if ((rx.flags & TCP_ACK) === 0) return;
    if ((rx.flags & TCP_URG) !== 0) h.unsupported(`TCP urgent data to ${h.name} port ${this.localPort}: not modelled`);
    if (after(rx.ack, this.sndNxt)) {
      h.drop(skb, skb.inDev, 'tcp: ACK of data not sent yet');
      return;
    }
    if (!before(rx.ack, this.sndUna)) this.ackAdvance(rx);
    if (this.state === TcpState.CLOSE) return;
    // tcp_replace_ts_recent()
    if (this.tsOk && rx.sawTs && !after(rx.seq, this.rcvWup)) this.tsRecent = rx.tsval;
    // data
    const receiving = this.state === TcpState.ESTABLISHED || this.state === TcpState.FIN_WAIT1 || this.state === TcpState.FIN_WAIT2;
    if (rx.dataLen > 0 || fin) {
      if (!after(endSeq, this.rcvNxt)) {
        // a retransmission of what we have: ACK at once
        this.pingpong = false;
        this.sendAck();
        return;
      }
      if (after(rx.seq, this.rcvNxt)) {
        // out of order: natlab does not queue it; a duplicate ACK makes the peer resend
        h.drop(skb, skb.inDev, 'tcp: out-of-order segment (not queued by natlab)');
        this.pingpong = false;
        this.sendAck();
        return;
      }
      if (rx.dataLen > 0 && receiving) {
        if (this.orphan) {
          // data for a closed socket: tcp_reset (LINUX_MIB_TCPABORTONDATA)
          this.xmit(TCP_RST | TCP_ACK, this.sndNxt, 0, 0);
          this.done();
          return;
        }
        const skip = seqDiff(this.rcvNxt, rx.seq);
        const bytes = skb.data.slice(rx.dataOff + skip, rx.dataOff + rx.dataLen);
        this.rcvNxt = seqAdd(this.rcvNxt, bytes.length);
        this.dataReceived(bytes.length);
        if (this.attached) this.notify((ev) => ev.data?.(bytes));
        else this.pendingData.push(bytes);
      } else if (rx.dataLen > 0) {
        // data after the peer's FIN: ignored
        return;
      }
      if (fin) this.finReceived();
    }
    this.ackSndCheck();
    this.pushPending();
  }

  /** tcp_ack(): what the peer acknowledges */
  private ackAdvance(rx: Rx): void {
    const acked = seqDiff(rx.ack, this.sndUna);
    this.sndWnd = rx.win << this.sndWscale;
    if (acked <= 0) return;
    let dataAcked = acked;
    if (this.finSent && rx.ack === this.sndNxt) dataAcked--; // the FIN's sequence number
    if (dataAcked > 0) this.sendBuf = this.sendBuf.subarray(Math.min(dataAcked, this.sendBuf.length));
    this.sndUna = rx.ack;
    this.dstPendingConfirm = true; // FLAG_FORWARD_PROGRESS: sk_dst_confirm()
    this.cwnd += 1;
    this.retransmits = 0;
    this.totalRto = 0;
    if (this.sndUna === this.sndNxt) this.cancelRtx();
    else {
      this.retransStamp = this.host.now();
      this.armAfterSend();
    }
    if (!this.finSent || this.sndUna !== this.sndNxt) return;
    // our FIN is acknowledged
    switch (this.state) {
      case TcpState.FIN_WAIT1:
        this.setState(TcpState.FIN_WAIT2);
        if (this.orphan) this.startFinWait2Timer();
        return;
      case TcpState.CLOSING:
        this.setState(TcpState.TIME_WAIT);
        this.startTimeWait();
        return;
      case TcpState.LAST_ACK:
        this.done();
        return;
      default:
        return;
    }
  }

  /** tcp_event_data_recv() + tcp_measure_rcv_mss(): quick-ack mode on the first data */
  private dataReceived(len: number): void {
    if (!this.gotData) {
      this.gotData = true;
      this.quick = Math.min(Math.max(2, Math.floor(this.rcvWnd / (2 * this.rcvMss))), TCP_MAX_QUICKACKS);
    }
    if (len >= this.rcvMss) this.rcvMss = Math.min(len, this.advmss);
    this.lastRcv = this.host.now();
    this.ackPending = true;
  }

  private lastRcv = TIME_FIELD;

  private eofReceived(): void {
    if (this.attached) this.notify((ev) => ev.eof?.());
    else this.pendingEof = true;
  }

  /** tcp_fin() */
  private finReceived(): void {
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.ackPending = true;
    switch (this.state) {
      case TcpState.ESTABLISHED:
        this.setState(TcpState.CLOSE_WAIT);
        this.pingpong = true;
        this.eofReceived();
        return;
      case TcpState.FIN_WAIT1:
        this.sendAck();
        this.setState(TcpState.CLOSING);
        this.eofReceived();
        return;
      case TcpState.FIN_WAIT2:
        this.sendAck();
        this.setState(TcpState.TIME_WAIT);
        this.startTimeWait();
        this.eofReceived();
        return;
      default:
        return;
    }
  }

  /** __tcp_ack_snd_check(): now, or within 40 ms */
  private ackSndCheck(): void {
    if (!this.ackPending) return;
    const moreThanOneFrame = seqDiff(this.rcvNxt, this.rcvWup) > this.rcvMss;
    if (moreThanOneFrame || (this.quick > 0 && !this.pingpong)) {
      this.sendAck();
      return;
    }
    if (this.delackTimer === null) {
      this.delackTimer = this.host.net.queue.after(TCP_DELACK_MIN, () => {
        this.delackTimer = null;
        if (!this.ackPending || this.state === TcpState.CLOSE) return;
        this.pingpong = false; // inet_csk_exit_pingpong_mode()
        this.sendAck();
      });
    }
  }

  /** tcp_reset(): the peer reset the connection */
  private reset(): void {
    const err = this.state === TcpState.SYN_SENT ? ECONNREFUSED : this.state === TcpState.CLOSE_WAIT ? EPIPE : ECONNRESET;
    if (this.state === TcpState.TIME_WAIT || this.state === TcpState.CLOSE) {
      this.done();
      return;
    }
    this.err = err;
    const ev = this.events;
    this.done();
    this.notifyWith(ev, (e) => e.error?.(err));
  }

  /** tcp_done() with an error during connect */
  private fail(err: number): void {
    this.err = err;
    const ev = this.events;
    this.done();
    this.notifyWith(ev, (e) => e.connected?.(err));
  }

  /** tcp_v4_err() for this socket: `seq` is the quoted segment's sequence number */
  icmpError(type: number, code: number, seq: number | null): void {
    const e = tcpIcmpErrno(type, code);
    if (e === null) return;
    if (this.state === TcpState.SYN_RECV) {
      // tcp_req_err(): a request dies only of a matching, fatal error
      if (seq !== null && seq !== this.iss) return;
      if (type !== 3 || code <= 1) this.done();
      return;
    }
    if (this.state === TcpState.CLOSE || this.state === TcpState.TIME_WAIT) return;
    if (seq !== null && !between(seq, this.sndUna, this.sndNxt)) return;
    if (this.state === TcpState.SYN_SENT) {
      this.fail(e.errno);
      return;
    }
    this.softErr = e.errno;
  }

  /** TcpEndpoint.error(): an ICMP error without the quoted sequence number */
  error(type: number, code: number): void {
    this.icmpError(type, code, null);
  }

  // ---- sending ---------------------------------------------------------------

  /** tcp_write_xmit(): send what the window, the congestion window and Nagle allow */
  private pushPending(): void {
    if (this.state !== TcpState.ESTABLISHED && this.state !== TcpState.CLOSE_WAIT && this.state !== TcpState.FIN_WAIT1 && this.state !== TcpState.LAST_ACK) return;
    const mss = this.mssNow();
    for (;;) {
      const sentData = seqDiff(this.sndNxt, this.sndUna) - (this.finSent ? 1 : 0);
      const unsent = this.sendBuf.length - sentData;
      if (unsent <= 0) break;
      const room = Math.min(this.sndWnd, this.cwnd * mss) - sentData;
      if (room <= 0) break;
      const len = Math.min(unsent, mss, room);
      if (len < mss && len < unsent) break;
      if (len < mss && sentData > 0 && !this.finQueued) break; // Nagle: a small segment waits for the ACK
      const last = len === unsent;
      const withFin = last && this.finQueued && !this.finSent;
      this.xmit(TCP_ACK | (last ? TCP_PSH : 0) | (withFin ? TCP_FIN : 0), this.sndNxt, sentData, len);
      this.sndNxt = seqAdd(this.sndNxt, len + (withFin ? 1 : 0));
      if (withFin) this.finSent = true;
      if (this.rtxTimer === null) {
        this.retransStamp = this.host.now();
        this.armAfterSend();
      }
      // tcp_event_data_sent(): sending soon after receiving makes the connection interactive
      if (this.gotData && this.host.now() - this.lastRcv < TCP_DELACK_MIN) this.pingpong = true;
    }
    const sentData = seqDiff(this.sndNxt, this.sndUna) - (this.finSent ? 1 : 0);
    if (this.finQueued && !this.finSent && sentData >= this.sendBuf.length) {
      // tcp_send_fin(): a FIN of its own
      this.xmit(TCP_FIN | TCP_ACK, this.sndNxt, 0, 0);
      this.sndNxt = seqAdd(this.sndNxt, 1);
      this.finSent = true;
      if (this.rtxTimer === null) {
        this.retransStamp = this.host.now();
        this.armAfterSend();
      }
    }
  }

  /** tcp_send_ack() */
  private sendAck(): void {
    this.xmit(TCP_ACK, this.sndNxt, 0, 0);
  }

  /**
   * tcp_transmit_skb(): one segment with our current window and options;
   * payload = sendBuf[off, off+len). Every segment with ACK counts as an
   * ACK sent (tcp_event_ack_sent()).
   */
  /** one segment out; 0, or sendSegment()'s negative errno */
  private xmit(flags: number, seq: number, off: number, len: number, syn = false, sent?: { skb: Skb | null }): number {
    const h = this.host;
    const spec: SegmentSpec = {
      saddr: this.localAddr,
      daddr: this.remoteAddr,
      sport: this.localPort,
      dport: this.remotePort,
      seq,
      ack: (flags & TCP_ACK) !== 0 ? this.rcvNxt : 0,
      flags,
      window: syn ? Math.min(this.rcvWnd, 65535) : this.selectWindow(),
      ipId: this.ipId,
      tos: 0,
      mss: syn ? this.advmss : 0,
      sackOk: syn && this.sackOk,
      wscale: syn && this.wscaleOk ? this.rcvWscale : -1,
      ts: this.tsOk,
      tsval: tsClock(h.now(), this.tsOff),
      tsecr: (flags & TCP_ACK) !== 0 ? this.tsRecent : 0,
      data: len > 0 ? this.sendBuf : null,
      off,
      len,
    };
    this.ipId = (this.ipId + 1) & 0xffff;
    // a TIME_WAIT socket's ACK carries the timewait socket, which skb_to_full_sk() does not give (no full socket)
    const err = sendSegment(h, spec, this.state === TcpState.TIME_WAIT ? null : SK_ROOT, 0, this.dstPendingConfirm, sent);
    this.dstPendingConfirm = false;
    if ((flags & TCP_ACK) !== 0) {
      this.ackPending = false;
      if (this.quick > 0) this.quick--;
      if (this.delackTimer !== null) {
        this.delackTimer.cancel();
        this.delackTimer = null;
      }
    }
    return err;
  }

  /** tcp_receive_window(): what is left of the window we offered */
  private receiveWindow(): number {
    return Math.max(0, seqDiff(seqAdd(this.rcvWup, this.rcvWnd), this.rcvNxt));
  }

  /** tcp_select_window() / __tcp_select_window() */
  private selectWindow(): number {
    const cur = this.receiveWindow();
    let win = this.computeWindow();
    const unit = 1 << this.rcvWscale;
    if (win < cur) win = Math.ceil(cur / unit) * unit; // never shrink the offered window
    this.rcvWnd = win;
    this.rcvWup = this.rcvNxt;
    const max = this.wscaleOk ? 65535 * unit : 65535;
    return Math.min(win, max) >>> this.rcvWscale;
  }

  private computeWindow(): number {
    const full = Math.min(this.windowClamp, TCP_FULL_SPACE);
    let mss = this.rcvMss;
    if (mss > full) mss = full;
    let free = Math.min(TCP_FULL_SPACE, this.rcvSsthresh);
    if (this.wscaleOk) {
      const unit = 1 << this.rcvWscale;
      return Math.ceil(free / unit) * unit;
    }
    let win = this.rcvWnd;
    if (win <= free - mss || win > free) win = Math.floor(free / mss) * mss;
    else if (mss === full && free > win + (full >> 1)) win = free;
    free = win;
    return free;
  }

  // ---- timers ------------------------------------------------------------------

  /**
   * (Re)arm the retransmission timer `delay` ns from now. The SYN and SYN-ACK
   * timers run where and in the order the kernel's timer wheel runs them
   * (mod_timer(jiffies + delay), timer-wheel.ts): a 1 s timer goes into a 32 ms bucket, so a client's
   * SYN timer and the server's SYN-ACK timer armed in the same jiffy run in
   * the same tick, and the server's SYN-ACK leaves before the retransmitted
   * SYN reaches it (measured: SYN-ACK, SYN, SYN-ACK at t+1.0077 s).
   * The data RTO stays exact (its measured times match without the wheel).
   */
  private armRtx(delay: number, afterXmit = true): void {
    if (this.rtxTimer !== null) this.rtxTimer.cancel();
    if (this.state === TcpState.SYN_SENT || this.state === TcpState.SYN_RECV) {
      // on the wheel, in its order among the other timers of its tick (timer-wheel.ts)
      // a request sock's timer is pinned (TIMER_PINNED); the SYN timer is armed after the SYN went out
      // (tcp_connect()), and every re-arm after its retransmission
      const t = new WheelTimer(() => {
        this.rtxTimer = null;
        this.onRtxTimer();
      }, this.state === TcpState.SYN_RECV);
      this.host.net.wheel.mod(t, jiffies(this.host.now()) + Math.ceil(delay / JIFFY), afterXmit);
      this.rtxTimer = t;
      return;
    }
    this.rtxTimer = this.host.net.queue.after(delay, () => {
      this.rtxTimer = null;
      this.onRtxTimer();
    });
  }

  private cancelRtx(): void {
    if (this.rtxTimer !== null) {
      this.rtxTimer.cancel();
      this.rtxTimer = null;
    }
  }

  /** tcp_retransmit_timer() / reqsk_timer_handler() */
  private onRtxTimer(): void {
    const sys = this.stack.sysctls;
    switch (this.state) {
      case TcpState.SYN_RECV: {
        // reqsk_timer_handler(): tcp_synack_retries expirations, exponential
        if (this.numTimeout >= sys.v('tcp_synack_retries') || this.listener === null || this.listener.closed) {
          this.done();
          return;
        }
        // a SYN-ACK that cannot be sent (netfilter's OUTPUT dropped it: -EPERM) drops the
        // request, as reqsk_timer_handler() does when inet_rtx_syn_ack() fails; a retransmitted
        // SYN then starts a new one
        if (this.sendSynAck() !== 0) {
          this.done();
          return;
        }
        this.handshakeRetransmitted = true;
        this.numTimeout++;
        this.armRtx(Math.min(TCP_TIMEOUT_INIT * 2 ** this.numTimeout, TCP_RTO_MAX));
        return;
      }
      case TcpState.SYN_SENT: {
        const linear = sys.v('tcp_syn_linear_timeouts');
        if (this.retransmits >= sys.v('tcp_syn_retries') + linear) {
          this.fail(this.softErr || ETIMEDOUT);
          return;
        }
        // skb_still_in_host_queue(): while the last SYN still waits in the host (an unresolved
        // neighbour's queue), __tcp_retransmit_skb() sends nothing (-EBUSY); the timer backs off as
        // after a retransmission
        const queued = this.synSent.skb !== null && this.host.neigh.isQueued(this.synSent.skb);
        if (!queued) {
          this.sendSyn();
          this.handshakeRetransmitted = true;
        }
        this.retransmits++;
        this.totalRto++;
        if (this.totalRto > linear) this.rto = Math.min(this.rto * 2, TCP_RTO_MAX);
        this.armRtx(this.rto);
        return;
      }
      case TcpState.CLOSE:
      case TcpState.TIME_WAIT:
        return;
      default:
        break;
    }
    if (this.sndUna === this.sndNxt) return;
    if (this.tlpArmed) {
      // tcp_send_loss_probe(): with SACK, the first timeout after new data retransmits the
      // last segment without backing off; the RTO proper follows one RTO later
      // (measured: FIN resent at 0.21, 0.42, 0.83, 1.66, 3.33, 6.75 s)
      this.tlpArmed = false;
      this.retransmitHead();
      this.armRtx(this.rto);
      return;
    }
    // tcp_write_timeout(): give up after tcp_retries2 (or the orphan retries) in the kernel's time model
    const orphanRetries = sys.v('tcp_orphan_retries') || 8;
    const boundary = this.orphan ? orphanRetries : sys.v('tcp_retries2');
    if (this.retransmits > 0 && this.host.now() - this.retransStamp >= modelTimeout(boundary, TCP_RTO_MIN)) {
      const err = this.softErr || ETIMEDOUT;
      this.err = err;
      const ev = this.events;
      this.done();
      this.notifyWith(ev, (e) => e.error?.(err));
      return;
    }
    this.retransmitHead();
    this.retransmits++;
    this.rto = Math.min(this.rto * 2, TCP_RTO_MAX);
    this.armRtx(this.rto);
  }

  /** tcp_retransmit_skb() of the first unacknowledged segment */
  private retransmitHead(): void {
    const unackedData = Math.min(this.sendBuf.length, seqDiff(this.sndNxt, this.sndUna) - (this.finSent ? 1 : 0));
    const len = Math.min(unackedData, this.mssNow());
    const withFin = this.finSent && len === unackedData;
    this.xmit(TCP_ACK | (len > 0 ? TCP_PSH : 0) | (withFin ? TCP_FIN : 0), this.sndUna, 0, len);
  }

  private startTimeWait(): void {
    this.cancelRtx();
    if (this.waitTimer !== null) this.waitTimer.cancel();
    this.waitTimer = this.host.net.queue.after(TCP_TIMEWAIT_LEN, () => {
      this.waitTimer = null;
      this.done();
    });
  }

  /** an orphan in FIN-WAIT-2 lives tcp_fin_timeout seconds (tcp_time_wait(TCP_FIN_WAIT2, tmo)) */
  private startFinWait2Timer(): void {
    if (this.waitTimer !== null) this.waitTimer.cancel();
    this.waitTimer = this.host.net.queue.after(this.stack.sysctls.v('tcp_fin_timeout') * 1_000_000_000, () => {
      this.waitTimer = null;
      if (this.state === TcpState.FIN_WAIT2) this.done();
    });
  }

  /**
   * The handshake's RTT sample and the timeouts it gives (tcp_ack_update_rtt(),
   * tcp_rtt_estimator(), tcp_set_rto(), tcp_init_metrics()). The sample is
   * the SYN's (SYN-ACK's) own timing, in microseconds, when it went out once;
   * after a retransmission (Karn's rule) the echoed timestamp's age in
   * milliseconds (at least 1), which dates from the copy the peer answered:
   * a listener echoes the first SYN's timestamp to a retransmitted one, so
   * a client's sample spans its retransmission. Without timestamps there is
   * no sample: RTO TCP_TIMEOUT_FALLBACK (3 s), probe at TCP_TIMEOUT_INIT.
   * With a sample m: RTO = m + max(2m, tcp_rto_min) (204 ms on a veth, 3m
   * past 100 ms), the tail loss probe 2m + tcp_rto_min (one segment out),
   * both in whole jiffies.
   */
  private rttSample(sentAt: number, rx: Rx): void {
    let m: number;
    if (!this.handshakeRetransmitted) m = Math.max(NS_PER_US, Math.floor((this.host.now() - sentAt) / NS_PER_US) * NS_PER_US);
    else if (this.tsOk && rx.sawTs && rx.tsecr !== 0) m = Math.max(1, (tsClock(this.host.now(), this.tsOff) - rx.tsecr) >>> 0) * NS_PER_MS;
    else {
      this.rto = TCP_TIMEOUT_FALLBACK;
      this.pto = TCP_TIMEOUT_INIT;
      return;
    }
    this.rto = Math.min(jiffiesCeil(m + Math.max(2 * m, TCP_RTO_MIN)), TCP_RTO_MAX);
    this.pto = jiffiesCeil(2 * m) + TCP_RTO_MIN;
  }

  /**
   * the timer after new data or a FIN goes out with nothing else in flight:
   * with SACK a tail loss probe, due at the probe timeout or the RTO,
   * whichever is first (tcp_schedule_loss_probe()); else the RTO
   */
  private armAfterSend(): void {
    this.tlpArmed = this.sackOk;
    this.armRtx(this.tlpArmed ? Math.min(this.pto, this.rto) : this.rto);
  }

  // ---- life cycle --------------------------------------------------------------

  private setState(s: TcpState): void {
    this.state = s;
  }

  /** tcp_done(): CLOSED, timers stopped, out of the socket table */
  done(): void {
    this.state = TcpState.CLOSE;
    this.cancelRtx();
    if (this.delackTimer !== null) this.delackTimer.cancel();
    if (this.waitTimer !== null) this.waitTimer.cancel();
    this.delackTimer = null;
    this.waitTimer = null;
    this.listener?.forget(this);
    this.stack.remove(this);
  }

  /** wake the program after the current packet's processing (process context) */
  private notify(fn: (ev: TcpEvents) => void): void {
    this.notifyWith(this.events, fn);
  }

  private notifyWith(ev: TcpEvents, fn: (ev: TcpEvents) => void): void {
    this.host.net.queue.after(0, () => fn(ev));
  }
}

/** tcp_model_timeout(): how long `boundary` retransmissions take with exponential backoff from rtoBase, capped at TCP_RTO_MAX */
export function modelTimeout(boundary: number, rtoBase: number): number {
  const thresh = Math.floor(Math.log2(TCP_RTO_MAX / rtoBase));
  if (boundary <= thresh) return (2 ** (boundary + 1) - 1) * rtoBase;
  return (2 ** (thresh + 1) - 1) * rtoBase + (boundary - thresh) * TCP_RTO_MAX;
}
