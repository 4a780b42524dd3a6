/**
 * The results of one run, simulated or on the kernel, before they are
 * written to a result directory (`DIR/steps.json`, `DIR/pcap/NODE/IFACE.pcap`,
 * `DIR/NODE/iptables-save`, `DIR/NODE/conntrack`, `DIR/NODE/dnsmasq.leases`,
 * `DIR/trace.jsonl`).
 */
import type { HopEvent } from '../trace/events.js';

export interface StepResult {
  /** 1-based index in `traffic` */
  step: number;
  node: string;
  command: string;
  exit: number;
  output: string;
  background: boolean;
  /** virtual start and end, nanoseconds */
  start: number;
  end: number;
}

export interface CapturedFrame {
  /** nanoseconds since the scenario start */
  t: number;
  /** 'in' = received by the interface, 'out' = sent by it */
  dir: 'in' | 'out';
  data: Uint8Array;
}

export interface RunResults {
  scenario: string;
  steps: StepResult[];
  /** node → interface → frames in the order the interface saw them */
  captures: Map<string, Map<string, CapturedFrame[]>>;
  /** node → `iptables-save -c` text (only nodes with netfilter rules or all nodes) */
  iptablesSave: Map<string, string>;
  /** node → `conntrack -L` text */
  conntrack: Map<string, string>;
  /** node → dnsmasq lease file text */
  leases: Map<string, string>;
  /** hop events (simulation only) */
  trace: HopEvent[];
  /**
   * What the traffic needed that natlab does not model (simulation only):
   * the results are incomplete and the CLI says so and fails.
   */
  problems?: string[];
}
