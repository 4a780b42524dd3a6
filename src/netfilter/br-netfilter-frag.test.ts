import { describe, expect, it } from 'vitest';
import type { RunResults } from '../sim/results.js';
import { runSwitch } from '../sim/test-switch.js';

/**
 * the switch of test-switch.ts with no address on br0, conntrack in use
 * (unless `conntrack` is false); `mtu` sets p3's and c's MTU; extra run lines on sw
 */
function run(traffic: string[], opts: { mtu?: number; sw?: string[]; conntrack?: boolean } = {}): RunResults {
  const ct = opts.conntrack === false ? [] : ['iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP'];
  return runSwitch(traffic, { brAddr: false, mtu: opts.mtu ?? 1500, sw: [...ct, ...(opts.sw ?? [])] });
}

/** IPv4 frames on a wire end from `src`: [total length, DF, MF, offset in bytes] */
function ipOn(r: RunResults, node: string, iface: string, src: string): [number, boolean, boolean, number][] {
  const frames = r.captures.get(node)?.get(iface) ?? [];
  return frames
    .map((f) => f.data)
    .filter((d) => d[12] === 0x08 && d[13] === 0 && `${d[26]}.${d[27]}.${d[28]}.${d[29]}` === src)
    .map((d) => {
      const frag = (d[20]! << 8) | d[21]!;
      return [(d[16]! << 8) | d[17]!, (frag & 0x4000) !== 0, (frag & 0x2000) !== 0, (frag & 0x1fff) * 8];
    });
}

const A_FRAGMENTS: [number, boolean, boolean, number][] = [
  [1500, false, true, 0],
  [1500, false, true, 1480],
  [68, false, false, 2960],
];

describe('br_netfilter with conntrack: bridged fragments', () => {
  it('are reassembled for conntrack and leave as the fragments that came in (br_nf_dev_queue_xmit())', () => {
    const r = run(['a: ping -c 1 -s 3000 192.168.1.20', 'sw: conntrack -L']);
    expect(r.steps[0]!.exit).toBe(0);
    expect(ipOn(r, 'b', 'eth0', '192.168.1.10')).toEqual(A_FRAGMENTS);
    // one entry for the whole ping: conntrack saw the reassembled echo request and its reply
    expect(r.steps[1]!.output).toMatch(/icmp +1 \d+ src=192\.168\.1\.10 dst=192\.168\.1\.20 type=8 code=0 id=\d+ src=192\.168\.1\.20/);
  });

  it('pass as they are, one by one, when nothing in the netns needs conntrack', () => {
    const r = run(['a: ping -c 1 -s 3000 192.168.1.20'], { conntrack: false });
    expect(r.steps[0]!.exit).toBe(0);
    expect(ipOn(r, 'b', 'eth0', '192.168.1.10')).toEqual(A_FRAGMENTS);
  });

  it('are not cut again when they were bigger than the bridge device\'s MTU: the packet is dropped, without ICMP', () => {
    // p3 at 1280 takes br0 down to 1280: a's 1500-byte fragments make a packet br_nf_ip_fragment() refuses
    const r = run(['a: ping -c 1 -s 3000 -W 1 192.168.1.20'], { mtu: 1280 });
    expect(r.steps[0]!.exit).toBe(1);
    expect(ipOn(r, 'b', 'eth0', '192.168.1.10')).toEqual([]);
    expect(ipOn(r, 'a', 'eth0', '192.168.1.1')).toEqual([]);
  });

  it('are cut at the bridge device\'s MTU when a packet without DF is too big for the port', () => {
    const r = run(['a: ping -c 1 -s 1254 -M dont -W 1 192.168.1.30'], { mtu: 1280 });
    expect(r.steps[0]!.exit).toBe(0);
    expect(ipOn(r, 'c', 'eth0', '192.168.1.10')).toEqual([
      [1276, false, true, 0],
      [26, false, false, 1256],
    ]);
  });

  it('drop a DF packet too big for the port, without ICMP', () => {
    const r = run(['a: ping -c 1 -s 1254 -M do -W 1 192.168.1.30'], { mtu: 1280 });
    expect(r.steps[0]!.exit).toBe(1);
    expect(ipOn(r, 'c', 'eth0', '192.168.1.10')).toEqual([]);
  });

});

describe('a frame too big for the receiving end (is_skb_forwardable())', () => {
  it('is dropped by the bridge port when the bridge forwards it without br_netfilter', () => {
    const r = run(['a: ping -c 1 -s 1300 -M do -W 1 192.168.1.30'], { mtu: 1280, conntrack: false, sw: ['sysctl -w net.bridge.bridge-nf-call-iptables=0'] });
    expect(r.steps[0]!.exit).toBe(1);
    expect(ipOn(r, 'sw', 'p1', '192.168.1.10')).toHaveLength(1);
    expect(ipOn(r, 'c', 'eth0', '192.168.1.10')).toEqual([]);
  });

  it('passes up to the MTU plus 18 bytes (Ethernet header and a VLAN tag)', () => {
    // 1284 bytes of IP in a 1298-byte frame: more than p3's MTU of 1280, within its 18 bytes of slack
    const r = run(['a: ping -c 1 -s 1256 -M do -W 1 192.168.1.30'], { mtu: 1280, conntrack: false, sw: ['sysctl -w net.bridge.bridge-nf-call-iptables=0'] });
    expect(ipOn(r, 'c', 'eth0', '192.168.1.10')).toEqual([[1284, true, false, 0]]);
  });
});
