/**
 * Which `ip`, `bridge` and `brctl` command lines only look: the forms a
 * traffic step may use to show the state of a node at that moment (its
 * addresses, routes, neighbours, links, forwarding database). The
 * simulator (sim/programs/inspect.ts) and the kernel runner
 * (io/kernel/commands.ts) both ask here, so both refuse the same lines.
 *
 * A form is an object with no verb or a show verb, as iproute2 reads them
 * (`matches()`: a prefix of show, list or lst), and `ip route get`;
 * `brctl show` and `brctl showmacs`. Options that reach outside the node (`-n`, `-netns`,
 * `-batch`, `-force`) are refused.
 */
import { matches } from './args.js';

/** ip.c's objects a traffic step may show */
const IP_OBJECTS = ['address', 'route', 'neighbor', 'neighbour', 'link'];
const BRIDGE_OBJECTS = ['link', 'fdb', 'vlan'];

const isShowVerb = (w: string | undefined): boolean => w === undefined || matches(w, 'show') || matches(w, 'list') || matches(w, 'lst');

/** null when `argv` (program name first) only shows state; else the token that does more */
export function nonInspectionToken(argv: readonly string[]): string | null {
  const prog = argv[0];
  let i = 1;
  if (prog === 'ip' || prog === 'bridge') {
    for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
      const o = argv[i]!.replace(/^--/, '-');
      // an option that names another namespace or reads commands from a file
      if (o === '-n' || matches(o.slice(1), 'netns') || matches(o.slice(1), 'batch') || matches(o.slice(1), 'force')) return argv[i]!;
    }
    const obj = argv[i];
    if (obj === undefined) return prog;
    const known = (prog === 'ip' ? IP_OBJECTS : BRIDGE_OBJECTS).find((k) => matches(obj, k));
    if (known === undefined) return obj;
    const verb = argv[i + 1];
    // `ip neigh`, `ip route` and the rest print without a verb too; a selector (dev, table) may follow a show
    if (isShowVerb(verb) || verb === 'dev' || verb === 'br' || verb === 'table') return null;
    // `ip route get`: the route a packet would take, looked up and not kept
    if (prog === 'ip' && known === 'route' && verb !== undefined && matches(verb, 'get')) return null;
    return verb ?? null;
  }
  if (prog === 'brctl') {
    const cmd = argv[1];
    return cmd === 'show' || cmd === 'showmacs' ? null : (cmd ?? prog);
  }
  return prog ?? '';
}
