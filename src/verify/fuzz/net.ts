/**
 * The fuzzer's picture of a generated network while it is being written:
 * nodes with their `run:` lines, the wires, and the addresses each node
 * holds (so that rules and traffic can name real addresses, interfaces and
 * MACs). Only the generator uses it; the scenario it becomes is plain text.
 */

export type NodeRole = 'host' | 'router' | 'switch';

export interface FuzzAddr {
  ip: string;
  prefix: number;
  dev: string;
}

export interface FuzzNode {
  name: string;
  role: NodeRole;
  /** 1-based position in `nodes` (the NN of the contract's MACs) */
  index: number;
  /** link ends of this node, in order of appearance in `links` */
  ends: string[];
  /** a bridge on this node and its ports, if any */
  bridge?: { name: string; ports: string[] };
  addrs: FuzzAddr[];
  run: string[];
  /** gets its address by DHCP (no static address) */
  dhcp?: 'udhcpc' | 'dhclient';
  /** br_netfilter on (bridge-nf-call-iptables=1) */
  brNf?: boolean;
}

export class FuzzNet {
  readonly nodes: FuzzNode[] = [];
  readonly links: string[] = [];

  node(name: string, role: NodeRole): FuzzNode {
    const n: FuzzNode = { name, role, index: this.nodes.length + 1, ends: [], addrs: [], run: [] };
    this.nodes.push(n);
    return n;
  }

  get(name: string): FuzzNode {
    const n = this.nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`fuzz: no node ${name}`);
    return n;
  }

  /** a wire between a:ai and b:bi */
  link(a: FuzzNode, ai: string, b: FuzzNode, bi: string): void {
    a.ends.push(ai);
    b.ends.push(bi);
    this.links.push(`${a.name}:${ai} ${b.name}:${bi}`);
  }

  /** `ip addr add` on the node, remembered */
  addr(n: FuzzNode, ip: string, prefix: number, dev: string): void {
    n.addrs.push({ ip, prefix, dev });
    n.run.push(`ip addr add ${ip}/${prefix} dev ${dev}`);
  }

  /** the MAC the contract gives a link end: 02:00:00:00:NN:II */
  mac(n: FuzzNode, end: string): string {
    const i = n.ends.indexOf(end);
    if (i < 0) throw new Error(`fuzz: ${n.name} has no link end ${end}`);
    return `02:00:00:00:${hex2(n.index)}:${hex2(i + 1)}`;
  }

  /** every interface of the node an address or rule may name (link ends and the bridge) */
  devices(n: FuzzNode): string[] {
    return n.bridge ? [...n.ends, n.bridge.name] : [...n.ends];
  }

  /** every static address in the network, with its node */
  allAddrs(): { node: FuzzNode; addr: FuzzAddr }[] {
    return this.nodes.flatMap((node) => node.addrs.map((addr) => ({ node, addr })));
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** the /24 network of an address, as `a.b.c.0/24` */
export function net24(ip: string): string {
  return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
}

/** the address `host` in the /24 of `ip` */
export function inNet24(ip: string, host: number): string {
  return `${ip.split('.').slice(0, 3).join('.')}.${host}`;
}
