import { describe, expect, it } from 'vitest';
import { NS_PER_MS } from '../../sim/queue.js';
import { ipTos } from '../../wire/ipv4.js';
import { TCP_RST, TCP_SYN, tcpFlags } from '../../wire/tcp.js';
import { buildSegment } from './output.js';
import { ip, lab } from './test-lab.js';

describe('the RST tcp_v4_send_reset() sends for a closed port', () => {
  it('carries the TOS of the segment it answers, without its ECN bits (measured: 0x10 for 0x10)', () => {
    const { net, a, b, aEth0 } = lab();
    for (const [tos, want] of [[0x10, 0x10], [0x13, 0x10], [0xb8, 0xb8], [0, 0]] as const) {
      const syn = buildSegment(a, {
        saddr: ip('10.0.0.1'), daddr: ip('10.0.0.2'), sport: 40000 + tos, dport: 81, seq: 1, ack: 0, flags: TCP_SYN, window: 64240,
        ipId: 0, tos, mss: 0, sackOk: false, wscale: -1, ts: false, tsval: 0, tsecr: 0, data: null, off: 0, len: 0,
      });
      syn.set(aEth0.mac, 6);
      syn.set(b.ifaceByName('eth0')!.mac, 0);
      syn[12] = 0x08;
      syn[13] = 0x00;
      b.receiveFrame(b.ifaceByName('eth0')!, syn, 0);
      net.queue.runUntil(() => false, net.now() + NS_PER_MS);
      const rst = (net.captures.get(aEth0) ?? []).filter((f) => f.dir === 'in' && f.data[12] === 0x08 && (tcpFlags(f.data, 34) & TCP_RST) !== 0).at(-1)!;
      expect(ipTos(rst.data, 14)).toBe(want);
    }
  });
});
