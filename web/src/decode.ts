/**
 * A frame split into layers for the hop inspector, the way Wireshark's
 * packet detail pane shows it: Ethernet, then ARP or IPv4, then ICMP, UDP
 * (and DHCP inside it) or TCP. Each field has a stable key (`ip.src`) so
 * two decodings of one packet at different hops can be compared field by
 * field (what a NAT rewrite changed). Built on the wire layer's parsers;
 * a layer that does not parse ends the list with an error line, it never
 * throws.
 */
import {
  ETH_HLEN,
  ETH_P_ARP,
  ETH_P_IP,


  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  ip4ToString,
  ipv4HeaderLen,
  parseArp,
  parseDhcp,
  parseEthernet,
  parseIcmp,
  parseIpv4,
  parseTcp,
  parseUdp,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  type DhcpOption,
} from '../../src/wire/index.js';

export interface Field {
  /** stable id across hops: `eth.src`, `ip.ttl`, `icmp.id` */
  key: string;
  label: string;
  value: string;
}

export interface Layer {
  name: string;
  /** one line, shown when the layer is folded */
  summary: string;
  fields: Field[];
  /** set when this layer did not parse */
  error?: string;
}

/** Bytes from a hex string (odd trailing nibble ignored). */
export function hexToBytes(hex: string): Uint8Array {
  const b = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < b.length; i++) b[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16) || 0;
  return b;
}

const ETHERTYPES: Record<number, string> = { [ETH_P_IP]: 'IPv4', [ETH_P_ARP]: 'ARP', 0x86dd: 'IPv6', 0x8100: '802.1Q' };
const PROTOS: Record<number, string> = { [IPPROTO_ICMP]: 'ICMP', 2: 'IGMP', [IPPROTO_TCP]: 'TCP', [IPPROTO_UDP]: 'UDP' };
const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply',
  3: 'destination unreachable',
  5: 'redirect',
  8: 'echo request',
  11: 'time exceeded',
  12: 'parameter problem',
};
const DHCP_TYPES = ['', 'DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM'];

function hex16(n: number): string {
  return '0x' + n.toString(16).padStart(4, '0');
}

function f(key: string, label: string, value: string | number): Field {
  return { key, label, value: String(value) };
}

/** The frame's layers, outermost first. */
export function decodeLayers(frame: Uint8Array): Layer[] {
  const layers: Layer[] = [];
  let eth;
  try {
    eth = parseEthernet(frame, 0, frame.length);
  } catch (e) {
    return [{ name: 'Ethernet', summary: 'truncated', fields: [], error: String((e as Error).message) }];
  }
  const et = ETHERTYPES[eth.ethertype] ?? hex16(eth.ethertype);
  layers.push({
    name: 'Ethernet II',
    summary: `${eth.src} → ${eth.dst}, ${et}`,
    fields: [f('eth.src', 'Source', eth.src), f('eth.dst', 'Destination', eth.dst), f('eth.type', 'Type', `${et} (${hex16(eth.ethertype)})`)],
  });
  const rest = frame.length - ETH_HLEN;
  if (eth.ethertype === ETH_P_ARP) {
    try {
      const a = parseArp(frame, ETH_HLEN, rest);
      const op = a.op === 1 ? 'request' : a.op === 2 ? 'reply' : `op ${a.op}`;
      const summary =
        a.op === 1 ? `who-has ${ip4ToString(a.tpa)} tell ${ip4ToString(a.spa)}` : a.op === 2 ? `${ip4ToString(a.spa)} is-at ${a.sha}` : op;
      layers.push({
        name: 'ARP',
        summary,
        fields: [
          f('arp.op', 'Opcode', op),
          f('arp.sha', 'Sender MAC', a.sha),
          f('arp.spa', 'Sender IP', ip4ToString(a.spa)),
          f('arp.tha', 'Target MAC', a.tha),
          f('arp.tpa', 'Target IP', ip4ToString(a.tpa)),
        ],
      });
    } catch (e) {
      layers.push({ name: 'ARP', summary: 'malformed', fields: [], error: (e as Error).message });
    }
    return layers;
  }
  if (eth.ethertype !== ETH_P_IP) return layers;
  let ip;
  try {
    ip = parseIpv4(frame, ETH_HLEN, rest, false);
  } catch (e) {
    layers.push({ name: 'IPv4', summary: 'malformed', fields: [], error: (e as Error).message });
    return layers;
  }
  const proto = PROTOS[ip.proto] ?? String(ip.proto);
  const flags = [ip.df ? 'DF' : '', ip.mf ? 'MF' : ''].filter((x) => x !== '').join(' ') || 'none';
  layers.push({
    name: 'IPv4',
    summary: `${ip4ToString(ip.src)} → ${ip4ToString(ip.dst)}, ${proto}, ttl ${ip.ttl}`,
    fields: [
      f('ip.src', 'Source', ip4ToString(ip.src)),
      f('ip.dst', 'Destination', ip4ToString(ip.dst)),
      f('ip.proto', 'Protocol', `${proto} (${ip.proto})`),
      f('ip.ttl', 'Time to live', ip.ttl),
      f('ip.id', 'Identification', hex16(ip.id)),
      f('ip.flags', 'Flags', flags),
      f('ip.tos', 'TOS', '0x' + ip.tos.toString(16).padStart(2, '0')),
      f('ip.len', 'Total length', ipv4HeaderLen(ip) + ip.payloadLen),
    ],
  });
  const l4 = ETH_HLEN + ipv4HeaderLen(ip);
  if (ip.fragOffset !== 0) return layers;
  try {
    if (ip.proto === IPPROTO_ICMP) {
      const m = parseIcmp(frame, l4, ip.payloadLen, false);
      const name = ICMP_TYPES[m.type] ?? `type ${m.type}`;
      const fields = [f('icmp.type', 'Type', `${m.type} (${name})`)];
      let summary = name;
      if (m.kind === 'echo') {
        fields.push(f('icmp.id', 'Identifier', m.id), f('icmp.seq', 'Sequence', m.seq));
        summary += `, id ${m.id}, seq ${m.seq}`;
      } else {
        fields.push(f('icmp.code', 'Code', m.code));
        summary += `, code ${m.code}`;
      }
      layers.push({ name: 'ICMP', summary, fields });


    } else if (ip.proto === IPPROTO_UDP) {
      const u = parseUdp(frame, l4, ip.payloadLen);
      layers.push({
        name: 'UDP',
        summary: `${u.sport} → ${u.dport}, ${u.payload.length} bytes`,
        fields: [f('udp.sport', 'Source port', u.sport), f('udp.dport', 'Destination port', u.dport), f('udp.len', 'Length', u.payload.length + 8)],
      });
      if ([67, 68].includes(u.sport) && [67, 68].includes(u.dport)) layers.push(dhcpLayer(frame, l4 + 8, u.payload.length));
    } else if (ip.proto === IPPROTO_TCP) {
      const t = parseTcp(frame, l4, ip.payloadLen);
      const fl = tcpFlagNames(t.flags);
      layers.push({
        name: 'TCP',
        summary: `${t.sport} → ${t.dport} [${fl}] seq ${t.seq >>> 0}${t.flags & TCP_ACK ? ` ack ${t.ack >>> 0}` : ''}, ${t.payload.length} bytes`,
        fields: [
          f('tcp.sport', 'Source port', t.sport),
          f('tcp.dport', 'Destination port', t.dport),
          f('tcp.flags', 'Flags', fl),
          f('tcp.seq', 'Sequence number', t.seq >>> 0),
          f('tcp.ack', 'Acknowledgment', t.ack >>> 0),
          f('tcp.window', 'Window', t.window),
        ],
      });
    }
  } catch (e) {
    layers.push({ name: PROTOS[ip.proto] ?? 'payload', summary: 'malformed', fields: [], error: (e as Error).message });
  }
  return layers;
}

function tcpFlagNames(fl: number): string {
  const names: [number, string][] = [
    [TCP_SYN, 'SYN'],
    [TCP_FIN, 'FIN'],
    [TCP_RST, 'RST'],
    [TCP_PSH, 'PSH'],
    [TCP_ACK, 'ACK'],
    [TCP_URG, 'URG'],
  ];
  return names.filter(([b]) => (fl & b) !== 0).map(([, n]) => n).join(' ') || 'none';
}

function dhcpLayer(b: Uint8Array, off: number, len: number): Layer {
  try {
    const d = parseDhcp(b, off, len);
    const mt = d.options.find((o): o is Extract<DhcpOption, { kind: 'messageType' }> => o.kind === 'messageType');
    const type = mt ? (DHCP_TYPES[mt.type] ?? String(mt.type)) : 'BOOTP';
    const fields = [
      f('dhcp.type', 'Message type', type),
      f('dhcp.xid', 'Transaction id', '0x' + (d.xid >>> 0).toString(16).padStart(8, '0')),
      f('dhcp.chaddr', 'Client MAC', d.chaddr),
      f('dhcp.ciaddr', 'Client IP', ip4ToString(d.ciaddr)),
      f('dhcp.yiaddr', 'Your IP', ip4ToString(d.yiaddr)),
      f('dhcp.siaddr', 'Next server', ip4ToString(d.siaddr)),
    ];
    for (const o of d.options) {
      if (o.kind === 'serverId') fields.push(f('dhcp.serverId', 'Server identifier', ip4ToString(o.addr)));
      else if (o.kind === 'requestedIp') fields.push(f('dhcp.requestedIp', 'Requested IP', ip4ToString(o.addr)));
      else if (o.kind === 'router') fields.push(f('dhcp.router', 'Router', o.addrs.map(ip4ToString).join(', ')));
      else if (o.kind === 'leaseTime') fields.push(f('dhcp.leaseTime', 'Lease time', `${o.seconds} s`));
      else if (o.kind === 'subnetMask') fields.push(f('dhcp.subnetMask', 'Subnet mask', ip4ToString(o.addr)));
      else if (o.kind === 'hostname') fields.push(f('dhcp.hostname', 'Host name', o.name));
    }
    return { name: 'DHCP', summary: `${type}${d.yiaddr ? ` ${ip4ToString(d.yiaddr)}` : ''}, xid ${fields[1]!.value}`, fields };
  } catch (e) {
    return { name: 'DHCP', summary: 'malformed', fields: [], error: (e as Error).message };
  }
}

/**
 * The packet's conntrack-style key, both directions alike: protocol and the
 * two endpoints sorted (`icmp 198.51.100.1 198.51.100.10 id 7`), or '' for
 * frames that are not IPv4/ARP. Used to group packets into connections when
 * the trace carries no `flow` ids.
 */
export function connectionKey(frame: Uint8Array): string {
  const layers = decodeLayers(frame);
  const get = (k: string): string => {
    for (const l of layers) for (const x of l.fields) if (x.key === k) return x.value;
    return '';
  };
  if (layers[1]?.name === 'ARP') {
    const ends = [get('arp.spa'), get('arp.tpa')].sort();
    return `arp ${ends[0]} ${ends[1]}`;
  }
  if (layers[1]?.name !== 'IPv4') return '';
  const src = get('ip.src');
  const dst = get('ip.dst');
  const l4 = layers[2]?.name;
  if (l4 === 'ICMP' && get('icmp.id') !== '') return `icmp ${[src, dst].sort().join(' ')} id ${get('icmp.id')}`;
  if (l4 === 'UDP' || l4 === 'TCP' || l4 === 'DHCP') {
    const p = l4 === 'TCP' ? 'tcp' : 'udp';
    const ends = [`${src}:${get(p + '.sport')}`, `${dst}:${get(p + '.dport')}`].sort();
    return `${p} ${ends[0]} ${ends[1]}`;
  }
  return `ip ${get('ip.proto')} ${[src, dst].sort().join(' ')}`;
}
