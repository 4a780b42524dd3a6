/**
 * The seam between the stack and netfilter, as NF_HOOK() is in the kernel:
 * the stack says "this packet is at hook H between devices IN and OUT" and
 * gets back a verdict; it does not know which tables or conntrack exist.
 * `netfilter/` implements it; a host without netfilter uses `NO_NETFILTER`.
 *
 *   --> PREROUTING --> [routing] --> FORWARD --> POSTROUTING -->
 *                         |                          ^
 *                       INPUT                        |
 *                         v                      [routing]
 *                   local process --> OUTPUT --------'
 */
import type { Iface } from './iface.js';
import type { Skb } from './skb.js';

/** enum nf_inet_hooks */
export const enum NfHook {
  PRE_ROUTING = 0,
  LOCAL_IN = 1,
  FORWARD = 2,
  LOCAL_OUT = 3,
  POST_ROUTING = 4,
}

export const HOOK_NAMES = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const;

/** NF_DROP, NF_ACCEPT, NF_STOLEN */
export const enum Verdict {
  DROP = 0,
  ACCEPT = 1,
  STOLEN = 2,
}

export interface NfSeam {
  /**
   * Run every hook function registered at `hook` for IPv4, in priority
   * order (raw, conntrack, mangle, DNAT, filter, SNAT, confirm). A DROP
   * verdict means the packet is gone; the seam has emitted the drop event.
   */
  hook(hook: NfHook, skb: Skb, inDev: Iface | null, outDev: Iface | null): Verdict;
  /** true when any IPv4 hook would do something (rules or conntrack in use) */
  readonly active: boolean;
  /** nf_ct_set_closing(skb_nfct(skb)): REJECT's RST closes the TCP connection of `skb` it answers */
  ctSetClosing?(skb: Skb): void;
}

export const NO_NETFILTER: NfSeam = {
  hook: () => Verdict.ACCEPT,
  active: false,
};
