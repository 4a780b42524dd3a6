/**
 * A listening socket (TCP_LISTEN): answers SYNs with a request in SYN-RECV
 * (tcp_conn_request()), resets stray ACKs, and keeps the connections whose
 * handshake finished until the program accepts them (the accept queue, at
 * most backlog + 1 long, as sk_acceptq_is_full() counts).
 */
import { TCP_ACK, TCP_RST, TCP_SYN, tcpChecksumOk } from '../../wire/tcp.js';
import { SK_ROOT, type Skb } from '../skb.js';
import type { TcpEndpoint } from '../sockets.js';
import { tcpV4SendReset } from './reset.js';
import { TcpSock } from './sock.js';
import type { TcpStack } from './stack.js';

export class TcpListener implements TcpEndpoint {
  readonly remoteAddr = 0;
  readonly remotePort = 0;
  closed = false;
  /** SO_REUSEPORT: another listener with it may share the port */
  reuseport = false;
  /** established connections not accepted yet */
  private readonly queue: TcpSock[] = [];
  /** called (in process context) when accept() has something */
  onReady: (() => void) | null = null;

  constructor(
    readonly stack: TcpStack,
    readonly localAddr: number,
    readonly localPort: number,
    readonly backlog: number,
  ) {}

  /** tcp_rcv_state_process() in TCP_LISTEN */
  segment(skb: Skb, l4: number): void {
    const h = this.stack.host;
    const b = skb.data;
    if (!tcpChecksumOk(b, skb.l3, l4)) {
      h.drop(skb, skb.inDev, 'tcp: bad checksum');
      return;
    }
    const flags = b[l4 + 13]!;
    if ((flags & TCP_RST) !== 0) return;
    if ((flags & TCP_ACK) !== 0) {
      h.drop(skb, skb.inDev, `tcp: ACK to listener on port ${this.localPort} without a request`);
      tcpV4SendReset(h, skb, SK_ROOT); // the listener: ip_send_unicast_reply() attaches it (skb_set_owner_edemux())
      return;
    }
    if ((flags & TCP_SYN) === 0) return;
    if (!this.hasRoom()) {
      h.drop(skb, skb.inDev, `tcp: accept queue of port ${this.localPort} is full`);
      return;
    }
    new TcpSock(this.stack).initRequest(this, skb, l4);
  }

  /** !sk_acceptq_is_full() */
  hasRoom(): boolean {
    return this.queue.length <= this.backlog;
  }

  /** a request finished its handshake */
  enqueue(child: TcpSock): void {
    child.detach();
    this.queue.push(child);
    this.stack.host.net.queue.after(0, () => {
      if (!this.closed && this.queue.length > 0) this.onReady?.();
    });
  }

  /** accept(): the oldest established connection, or null; attach() it to get its events */
  accept(): TcpSock | null {
    const c = this.queue.shift();
    if (c === undefined) return null;
    c.listener = null;
    return c;
  }

  /** a request or queued child went away */
  forget(child: TcpSock): void {
    const i = this.queue.indexOf(child);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /**
   * close() (inet_csk_listen_stop()): unaccepted connections are reset;
   * requests still in SYN-RECV die when their next segment or timer comes.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onReady = null;
    this.stack.remove(this);
    for (const c of this.queue.splice(0)) {
      c.listener = null;
      c.abort();
    }
  }
}
