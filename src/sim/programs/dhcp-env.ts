/**
 * The ClientEnv a DHCP client program hands to its state machine, and the
 * hook that gives the runner each node's dnsmasq lease file (registered
 * here because `config/`, where dnsmasq starts, may not import `sim/`).
 */
import type { ClientEnv } from '../../dhcp/client-io.js';
import { leaseFileOf } from '../../dhcp/registry.js';
import type { Iface } from '../../model/iface.js';
import { registerNodeExtra } from '../extras.js';
import type { ProgramContext } from '../program.js';

registerNodeExtra(
  () => {},
  (h) => ({ leases: leaseFileOf(h) }),
);

/**
 * `daemon`: the client forks into the background and goes on after its
 * step has ended (dhclient after its first lease), so its timers run on
 * the network's queue rather than the step's, which drops them once the
 * step is over. Such a client stops its own timers when it is stopped
 * (SIGTERM, `dhclient -r`).
 */
export function clientEnv(ctx: ProgramContext, dev: Iface, daemon = false): ClientEnv {
  return {
    host: ctx.host,
    dev,
    after: daemon ? (ns, fn) => ctx.net.queue.after(ns, fn) : (ns, fn) => ctx.after(ns, fn),
    random: () => ctx.random() >>> 0,
    out: (t) => ctx.out(t),
    exit: (c) => ctx.exit(c),
  };
}
