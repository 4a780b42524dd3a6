/**
 * The fuzzer's traffic menu, in the forms the bundled scenarios use: DHCP
 * clients first, then pings, TCP connects (`nc -v -n -z -w 2`: 2 s sits
 * between the SYN retransmissions at 1 s and 3 s, where `-w 1` would race
 * the first), UDP sends, arping, with background listeners (`nc -l PORT &`,
 * `nc -u -l PORT &`) started before, and inspections (`conntrack -L`,
 * `iptables -S`, ...) at the end.
 */
import type { Prng } from './prng.js';
import type { FuzzNet, FuzzNode } from './net.js';

export interface FuzzStep {
  node: string;
  command: string;
}

/** the DHCP clients' steps: udhcpc's timing is fixed, ISC dhclient's backoff random */
export const UDHCPC = 'udhcpc -i eth0 -f -q -n -t 3 -T 1 -A 1';
export const DHCLIENT = 'dhclient -v -1 eth0';

const PORTS = [22, 53, 80, 8080];

export function makeTraffic(rng: Prng, net: FuzzNet): FuzzStep[] {
  const steps: FuzzStep[] = [];
  for (const n of net.nodes) {
    if (n.dhcp === 'udhcpc') steps.push({ node: n.name, command: UDHCPC });
    if (n.dhcp === 'dhclient') steps.push({ node: n.name, command: DHCLIENT });
  }
  const senders = net.nodes.filter((n) => n.addrs.length > 0 || n.dhcp !== undefined);
  const targets = net.allAddrs();
  if (senders.length === 0 || targets.length === 0) return steps;
  const listening = new Set<string>();
  const count = rng.int(1, 4);
  for (let i = 0; i < count; i++) {
    const src = rng.pick(senders);
    const dst = pickTarget(rng, net, src);
    const before = steps.length;
    // (arping only from a static address: natlab does not model arping without one and without -S)
    const kind = rng.pick(src.addrs.length > 0 ? (['ping', 'ping', 'ping', 'tcp', 'tcp', 'udp', 'arping'] as const) : (['ping', 'tcp', 'udp'] as const));
    if (kind === 'ping') {
      // (no fragments where br_netfilter is on: so written before natlab reassembled bridged fragments, and kept so
      // that old seeds keep their scenarios; extras.ts sends large pings across br_netfilter bridges)
      const sizes = net.nodes.some((n) => n.brNf) ? [16, 1000, 1472] : [16, 1000, 1472, 2000];
      const size = rng.chance(0.2) ? ` -s ${rng.pick(sizes)}` : '';
      const dev = rng.chance(0.08) && src.ends.length > 0 ? ` -I ${rng.pick(net.devices(src))}` : '';
      const c = rng.int(1, 2);
      steps.push({ node: src.name, command: `ping -c ${c}${c > 1 ? ' -i 0.2' : ''} -W 1${size}${dev} ${dst.ip}` });
    } else if (kind === 'tcp' || kind === 'udp') {
      const port = rng.pick(PORTS);
      const owner = dst.node;
      const key = `${owner?.name}/${kind}/${port}`;
      if (owner !== undefined && !listening.has(key) && rng.chance(0.6)) {
        listening.add(key);
        steps.push({ node: owner.name, command: `nc ${kind === 'udp' ? '-u ' : ''}-l ${port} &` });
        steps.push({ node: src.name, command: 'sleep 0.2' });
      }
      steps.push({ node: src.name, command: kind === 'tcp' ? `nc -v -n -z -w 2 ${dst.ip} ${port}` : `nc -u -v -w 1 ${dst.ip} ${port}` });
    } else {
      // arping asks on one of the sender's interfaces
      const c = rng.int(1, 2);
      const devs = [...new Set(src.addrs.map((a) => a.dev))];
      steps.push({ node: src.name, command: `arping -c ${c} -w ${c} -I ${rng.pick(devs)} ${dst.ip}` });
    }
    // an address nobody holds: let ARP give up (3 probes 1.024 s apart, ~3.07 s) before the next
    // step, whose frames would otherwise interleave with the probes by the kernel's program start
    // latency (a race, not a behaviour)
    if (dst.node === undefined && steps.length > before && i < count - 1) steps.push({ node: src.name, command: 'sleep 3' });
  }
  if (rng.chance(0.5)) {
    const n = rng.pick(net.nodes.filter((x) => x.role !== 'host').concat(net.nodes.slice(0, 1)));
    const inspect = rng.pick(INSPECTIONS);
    steps.push({ node: n.name, command: inspect });
  }
  return steps;
}

/** an address to send to: usually another node's, sometimes the sender's own or one nobody has */
function pickTarget(rng: Prng, net: FuzzNet, src: FuzzNode): { ip: string; node?: FuzzNode } {
  const all = net.allAddrs();
  const others = all.filter((a) => a.node !== src);
  const r = rng.next();
  if (r < 0.08) {
    const a = rng.pick(all).addr.ip;
    return { ip: `${a.split('.').slice(0, 3).join('.')}.77` };
  }
  const pool = r < 0.14 || others.length === 0 ? all : others;
  const t = rng.pick(pool);
  return { ip: t.addr.ip, node: t.node };
}

const INSPECTIONS = ['conntrack -L', 'iptables -S', 'iptables -L -v -n -x', 'iptables-save -c', 'iptables -t nat -S', 'conntrack -L -n'];

/** a step that asks for an address nobody holds (the menus' `.77`): ARP keeps probing for ~3 s after it */
const TO_NOBODY = /\.77( |$)/;

/**
 * A later menu's steps into `steps`, before the final inspection if there
 * is one; after a step towards an address nobody holds, a `sleep 3` first,
 * so that ARP has given up before they start (else its probes interleave
 * with their frames by the kernel's program start latency: a race).
 */
export function addSteps(steps: FuzzStep[], extra: FuzzStep[]): void {
  if (extra.length === 0) return;
  const last = steps[steps.length - 1];
  const at = last !== undefined && INSPECTIONS.includes(last.command) ? steps.length - 1 : steps.length;
  const added: FuzzStep[] = [];
  let before = steps[at - 1];
  for (const s of extra) {
    if (before !== undefined && TO_NOBODY.test(before.command) && !before.command.endsWith('&')) added.push({ node: before.node, command: 'sleep 3' });
    added.push(s);
    before = s;
  }
  steps.splice(at, 0, ...added);
}
