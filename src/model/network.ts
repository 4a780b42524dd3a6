/**
 * The whole simulated network: hosts (one per scenario node, each a
 * network namespace on the kernel side), the veth wires between them, the
 * clock, captures and the trace sink.
 */
import type { CapturedFrame } from '../sim/results.js';
import { EventQueue, NS_PER_US } from '../sim/queue.js';
import { TimerWheel } from './timer-wheel.js';
import type { TraceSink } from '../trace/events.js';
import { Host } from './host.js';
import type { Iface } from './iface.js';
import { resetPacketIds } from './skb.js';

/**
 * A streaming consumer of captured frames (a pcap writer on disk): when a
 * Network has one, `record()` hands it every frame instead of keeping a
 * copy in `captures`. `frame` is the live buffer: copy what you keep.
 */
export interface CaptureTap {
  frame(iface: Iface, dir: 'in' | 'out', t: number, frame: Uint8Array): void;
}

export interface NetworkOptions {
  /** record every frame on every interface (tcpdump -i IFACE on each) */
  capture?: boolean;
  /** hop events go here; null for none (the fast path) */
  trace?: TraceSink | null;
  /** one-way latency of a veth wire, nanoseconds */
  wireDelayNs?: number;
}

export class Network {
  readonly queue = new EventQueue();
  /** the kernel's timer wheel (neighbour, SYN and SO_RCVTIMEO timers), one for every host */
  readonly wheel = new TimerWheel(this.queue);
  readonly hosts = new Map<string, Host>();
  /** hop events go here; a long replay swaps in a streaming sink after build() */
  trace: TraceSink | null;
  readonly capture: boolean;
  /** when set, captured frames stream here and `captures` stays empty */
  tap: CaptureTap | null = null;
  readonly wireDelayNs: number;
  /** per interface, every frame it saw, in order */
  readonly captures = new Map<Iface, CapturedFrame[]>();

  constructor(opts: NetworkOptions = {}) {
    this.trace = opts.trace ?? null;
    this.capture = opts.capture ?? true;
    this.wireDelayNs = opts.wireDelayNs ?? 10 * NS_PER_US;
    resetPacketIds();
  }

  now(): number {
    return this.queue.now();
  }

  addHost(name: string): Host {
    const h = new Host(this, name);
    this.hosts.set(name, h);
    return h;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (h === undefined) throw new Error(`no node named ${name}`);
    return h;
  }

  /** features the traffic needed that natlab does not model: the run fails, naming them */
  readonly problems: string[] = [];

  unsupported(what: string): void {
    if (!this.problems.includes(what)) this.problems.push(what);
  }

  /** tcpdump's view: a copy of the frame as it is now */
  record(iface: Iface, dir: 'in' | 'out', frame: Uint8Array): void {
    if (!this.capture) return;
    if (this.tap !== null) {
      this.tap.frame(iface, dir, this.queue.now(), frame);
      return;
    }
    let list = this.captures.get(iface);
    if (list === undefined) {
      list = [];
      this.captures.set(iface, list);
    }
    list.push({ t: this.queue.now(), dir, data: frame.slice() });
  }
}
