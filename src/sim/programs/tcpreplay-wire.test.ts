/**
 * tcpreplay with what else a real capture holds (IPv6, LLDP, STP, VLAN
 * tags, jumbo frames): how 4.4.3 counts them and which the kernel refuses
 * to send (measured in namespaces; scenario x-replay-mixed).
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../config/scenario.js';
import { pcapFile, macUdp } from '../../replay/test-captures.js';
import { TcpreplayFlows } from '../../replay/tcpreplay-text.js';
import { simulate } from '../simulate.js';

const A = '02:00:00:00:01:01';
const B = '02:00:00:00:02:01';
const mac = (s: string): number[] => s.split(':').map((x) => parseInt(x, 16));
/** an Ethernet frame: dst, src, type, payload, padded to 60 */
function eth(dst: string, src: string, type: number, payload: number[]): Uint8Array {
  const f = [...mac(dst), ...mac(src), type >> 8, type & 0xff, ...payload];
  while (f.length < 60) f.push(0);
  return new Uint8Array(f);
}
/** the same IPv4 echo request, untagged or with an 802.1Q tag of `vid` */
function echo(vid: number | null, size = 64): Uint8Array {
  const u = macUdp(A, B, '10.0.0.1', '10.0.0.2', 1000, 7, size);
  if (vid === null) return u;
  const f = new Uint8Array(u.length + 4);
  f.set(u.subarray(0, 12), 0);
  f.set([0x81, 0x00, (3 << 5) | (vid >> 8), vid & 0xff], 12);
  f.set(u.subarray(12), 16);
  return f;
}

function run(command: string, frames: Uint8Array[], bMtu = 1500, aMtu = 1500) {
  const text = `name: t
nodes:
  a:
    run: |
      ip addr add 10.0.0.1/24 dev eth0
      ip link set eth0 mtu ${aMtu}
  b:
    run: |
      ip addr add 10.0.0.2/24 dev eth0
      ip link set eth0 mtu ${bMtu}
links:
  - a:eth0 b:eth0
traffic:
  - a: ${command}
`;
  const file = pcapFile(frames.map((data, i) => ({ sec: 1700000000, frac: i * 100000, data })));
  return simulate(loadScenario(text, 't.yaml', '/nowhere'), { trace: false, readFile: () => file });
}

describe('tcpreplay 4.4.3 flow counting (flow_decode())', () => {
  it('takes an STP BPDU (802.3, LLC 0x42) for an IPv4 flow, an IPv6 frame for non-flow unless the frame starts with nibble 6, LLDP for non-flow', () => {
    const f = new TcpreplayFlows();
    const stp = eth('01:80:c2:00:00:00', A, 38, [0x42, 0x42, 0x03, 0, 0, 0, 0]);
    const v6 = (dst: string) => eth(dst, A, 0x86dd, [0x60, 0, 0, 0, 0, 16, 58, 64, ...new Array(32).fill(1), 128, 0, 0, 0, ...new Array(28).fill(0)]);
    f.add(stp, stp.length);
    expect([f.flows, f.flowPackets, f.nonFlowPackets]).toEqual([1, 1, 0]);
    f.add(v6(B), 94);
    expect([f.flows, f.flowPackets, f.nonFlowPackets]).toEqual([1, 1, 1]);
    f.add(v6('62:00:00:00:00:01'), 94);
    expect([f.flows, f.flowPackets, f.nonFlowPackets]).toEqual([2, 2, 1]);
    const lldp = eth('01:80:c2:00:00:0e', A, 0x88cc, [2, 7, 4]);
    f.add(lldp, lldp.length);
    expect(f.nonFlowPackets).toBe(2);
    // an 802.3 frame whose payload starts otherwise (LLC 0xaa SNAP) is neither
    const snap = eth('01:00:0c:cc:cc:cc', A, 40, [0xaa, 0xaa, 0x03]);
    f.add(snap, snap.length);
    expect([f.flows, f.flowPackets, f.nonFlowPackets]).toEqual([2, 2, 2]);
  });

  it('looks through VLAN tags: a tagged datagram is the same flow as the untagged one', () => {
    const f = new TcpreplayFlows();
    for (const fr of [echo(null), echo(100), echo(0)]) f.add(fr, fr.length);
    expect([f.flows, f.flowPackets]).toEqual([1, 3]);
  });
});

describe('the tcpreplay step and frames the kernel will not send', () => {
  it('fails a frame over the MTU with EMSGSIZE, warns, counts it as failed and sends the rest', () => {
    const r = run('tcpreplay -i eth0 f.pcap', [echo(null), echo(null, 1600), echo(null)]);
    const s = r.steps[0]!;
    expect(s.exit).toBe(0);
    expect(s.output).toMatch(
      /^Warning in send_packets\.c:send_packets\(\) line 489:\nUnable to send packet: Error with PF_PACKET send\(\) \[2\]: Message too long \(errno = 90\)\nActual: 2 packets \(\d+ bytes\) sent in /,
    );
    expect(s.output).toContain('\tSuccessful packets:        2\n\tFailed packets:            1\n');
    const out = r.captures.get('a')!.get('eth0')!.filter((f) => f.dir === 'out' && f.data[12] === 0x08 && f.data[13] === 0x00);
    expect(out.map((f) => f.data.length)).toEqual([echo(null).length, echo(null).length]);
  });

  it('lets an 802.1Q-tagged frame be 4 bytes over the MTU, not an untagged one', () => {
    const fits = echo(100, 1500 - 28);
    expect(fits.length).toBe(1518);
    expect(run('tcpreplay -i eth0 f.pcap', [fits]).steps[0]!.output).toContain('Failed packets:            0');
    const untagged = new Uint8Array(1515);
    untagged.set(echo(null).subarray(0, 14));
    expect(run('tcpreplay -i eth0 f.pcap', [echo(null), untagged]).steps[0]!.output).toContain('Failed packets:            1');
  });

  it('refuses, naming it, a frame the far end of the veth would drop: tcpreplay would retry its ENOBUFS for ever', () => {
    const r = run('tcpreplay -i eth0 f.pcap', [echo(null, 1400)], 1280, 1500);
    expect(r.steps[0]!.exit).toBe(2);
    expect(r.steps[0]!.output).toMatch(/over the MTU of eth0 \(1280\) at the far end of eth0: the kernel drops it with ENOBUFS/);
  });
});

describe('a host receiving 802.1Q-tagged frames (no VLAN device)', () => {
  it('answers a priority-tagged (VID 0) datagram as if untagged and drops one tagged with another VID', () => {
    // UDP to a closed port: the answer is a port unreachable, untagged
    const r = run('tcpreplay -i eth0 f.pcap', [echo(0), echo(100)]);
    const fromB = r.captures.get('b')!.get('eth0')!.filter((f) => f.dir === 'out' && f.data[12] === 0x08 && f.data[13] === 0x00 && f.data[23] === 1);
    expect(fromB.length).toBe(1);
    expect(fromB[0]!.data[34]).toBe(3);
  });
});
