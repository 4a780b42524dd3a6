/** The ClientEnv a DHCP client program hands to its state machine. */
import type { ClientEnv } from '../../dhcp/client-io.js';
import type { Iface } from '../../model/iface.js';
import type { ProgramContext } from '../program.js';

export function clientEnv(ctx: ProgramContext, dev: Iface): ClientEnv {
  return {
    host: ctx.host,
    dev,
    after: (ns, fn) => ctx.after(ns, fn),
    random: () => ctx.random() >>> 0,
    out: (t) => ctx.out(t),
    exit: (c) => ctx.exit(c),
  };
}
