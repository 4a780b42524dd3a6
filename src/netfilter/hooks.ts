/**
 * Which hook functions run at each IPv4 hook, and in which order: the
 * priorities of the kernel's `enum nf_ip_hook_priorities`. This table is
 * the one place that says it.
 *
 *            defrag raw   conntrack  mangle   nat     filter   nat     security confirm
 *            -400   -300  -200       -150     -100    0        +100    +150     INT_MAX
 * PREROUTING  x      x     in         x        DNAT
 * INPUT                               x                x        SNAT    x        x
 * FORWARD                             x                x                x
 * OUTPUT      x      x     in         x        DNAT    x                x
 * POSTROUTING                         x                         SNAT             x
 *
 * The security table's chains are where iptables-nft registers them:
 * priority 150, not the kernel's NF_IP_PRI_SECURITY (50) that the legacy
 * iptable_security uses (measured: `nft list ruleset` shows "hook input
 * priority 150"), so they run after the nat table's INPUT.
 *
 * defrag is nf_defrag_ipv4: with conntrack in use, fragments are
 * reassembled before anything else sees them (model/defrag.ts).
 *
 * Around them (see model/nf-seam.ts for where the stack calls each hook):
 *
 *   --> PREROUTING --> [route] --> FORWARD --> POSTROUTING -->
 *                         |                         ^
 *                       INPUT                    [route]
 *                         v                         |
 *                      (local) ----------------> OUTPUT
 *
 * With br_netfilter, bridged IPv4 frames meet PREROUTING, FORWARD and
 * POSTROUTING too (netfilter/br-netfilter.ts), with `-i`/`-o` naming the
 * bridge and PHYSIN/PHYSOUT the ports.
 */
import { NfHook } from '../model/nf-seam.js';

export const enum HookFn {
  RAW,
  CONNTRACK_IN,
  MANGLE,
  NAT_DST,
  FILTER,
  NAT_SRC,
  CONFIRM,
  DEFRAG,
  SECURITY,
}

export const HOOK_FN_NAMES = ['raw', 'conntrack', 'mangle', 'nat', 'filter', 'nat', 'confirm', 'defrag', 'security'] as const;

/** NF_IP_PRI_* */
export const PRIORITY: Record<HookFn, number> = {
  [HookFn.RAW]: -300,
  [HookFn.CONNTRACK_IN]: -200,
  [HookFn.MANGLE]: -150,
  [HookFn.NAT_DST]: -100,
  [HookFn.FILTER]: 0,
  [HookFn.NAT_SRC]: 100,
  [HookFn.CONFIRM]: 0x7fffffff,
  [HookFn.DEFRAG]: -400,
  [HookFn.SECURITY]: 150,
};

/** the hook functions registered at each hook, in priority order */
export const HOOK_PLAN: Record<NfHook, readonly HookFn[]> = {
  [NfHook.PRE_ROUTING]: [HookFn.DEFRAG, HookFn.RAW, HookFn.CONNTRACK_IN, HookFn.MANGLE, HookFn.NAT_DST],
  [NfHook.LOCAL_IN]: [HookFn.MANGLE, HookFn.FILTER, HookFn.NAT_SRC, HookFn.SECURITY, HookFn.CONFIRM],
  [NfHook.FORWARD]: [HookFn.MANGLE, HookFn.FILTER, HookFn.SECURITY],
  [NfHook.LOCAL_OUT]: [HookFn.DEFRAG, HookFn.RAW, HookFn.CONNTRACK_IN, HookFn.MANGLE, HookFn.NAT_DST, HookFn.FILTER, HookFn.SECURITY],
  [NfHook.POST_ROUTING]: [HookFn.MANGLE, HookFn.NAT_SRC, HookFn.CONFIRM],
};
