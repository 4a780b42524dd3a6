import { describe, expect, it } from 'vitest';
import { ETH_P_IP, ethType } from '../wire/ethernet.js';
import { ICMP_ECHO, icmpFillChecksum } from '../wire/icmp.js';
import { ipChecksumOk, ipFillChecksum } from '../wire/ipv4.js';
import { netifReceive } from './dev.js';
import { Skb } from './skb.js';
import { TestNet, ip } from './testnet.js';

/**
 * IPv4 options arriving from a wire (ip_options_compile(), ip_forward_options(),
 * ip_options_echo()): a (10.1.0.10) - r - b (10.2.0.10); frames are handed
 * to r's `left` as if a had sent them.
 */
function path() {
  const t = new TestNet();
  const [aEth] = t.wire('a', 'eth0', 'r', 'left');
  t.wire('b', 'eth0', 'r', 'right');
  t.addr('a', 'eth0', '10.1.0.10/24');
  t.addr('r', 'left', '10.1.0.1/24');
  t.addr('r', 'right', '10.2.0.1/24');
  t.addr('b', 'eth0', '10.2.0.10/24');
  t.route('a', 'default', '10.1.0.1', 'eth0');
  t.route('b', 'default', '10.2.0.1', 'eth0');
  const r = t.host('r');
  r.sysctls.set('net.ipv4.ip_forward', 1);
  const left = r.ifaceByName('left')!;
  const send = (dst: string, opts: number[], { proto = 1, ttl = 64 } = {}): void => {
    const hl = 20 + opts.length;
    const f = new Uint8Array(14 + hl + 20);
    f.set(left.mac, 0);
    f.set(aEth.mac, 6);
    f[12] = 0x08;
    const o = 14;
    f[o] = 0x40 | (hl >> 2);
    f[o + 3] = hl + 20;
    f[o + 8] = ttl;
    f[o + 9] = proto;
    f.set([10, 1, 0, 10], o + 12);
    const d = ip(dst);
    f.set([d >>> 24, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff], o + 16);
    f.set(opts, o + 20);
    ipFillChecksum(f, o);
    const l4 = o + hl;
    if (proto === 1) {
      f[l4] = ICMP_ECHO;
      f[l4 + 5] = 7;
      icmpFillChecksum(f, l4, 20);
    } else {
      f[l4 + 12] = 5 << 4; // TCP: data offset 5, no flags; ports 0
    }
    netifReceive(r, left, new Skb(f));
    t.run(100);
  };
  /** the IPv4 frames seen on host:iface, as their option bytes and ICMP type; each header's checksum must hold */
  const seen = (host: string, iface: string): { opts: number[]; type: number }[] =>
    t.seen(host, iface).filter((f) => ethType(f) === ETH_P_IP).map((f) => {
      expect(ipChecksumOk(f, 14)).toBe(true);
      const hl = (f[14]! & 15) << 2;
      return { opts: [...f.subarray(34, 14 + hl)], type: f[14 + hl]! };
    });
  return { t, send, seen };
}

const RR = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];

describe('IPv4 options from the wire', () => {
  it('forwards a record route with the address it leaves from, and the answer records the answering host', () => {
    const { send, seen } = path();
    send('10.2.0.10', RR);
    expect(seen('b', 'eth0')).toEqual([
      { opts: [7, 11, 8, 10, 2, 0, 1, 0, 0, 0, 0, 0], type: 8 },
      { opts: [7, 11, 12, 10, 2, 0, 1, 10, 2, 0, 10, 0], type: 0 },
    ]);
    // the reply has no room left: r forwards it as it is
    expect(seen('a', 'eth0')).toEqual([{ opts: [7, 11, 12, 10, 2, 0, 1, 10, 2, 0, 10, 0], type: 0 }]);
  });

  it('answers an echo request with record route from its own address twice: recorded on receive, then as the reply\'s source', () => {
    const { send, seen } = path();
    send('10.1.0.1', RR);
    expect(seen('a', 'eth0')).toEqual([{ opts: [7, 11, 12, 10, 1, 0, 1, 10, 1, 0, 1, 0], type: 0 }]);
  });

  it('answers a record route pointer under 4 with a parameter problem pointing at it (byte 22), and forwards nothing', () => {
    const { t, send, seen } = path();
    send('10.2.0.10', [7, 7, 3, 0, 0, 0, 0, 0]);
    expect(seen('b', 'eth0')).toEqual([]);
    const errs = t.seen('a', 'eth0').filter((f) => ethType(f) === ETH_P_IP);
    expect(errs.map((f) => [f[34], f[38]])).toEqual([[12, 22]]);
  });

  it('does not echo NOPs, router alert or unknown options, and forwards them as they are', () => {
    const { send, seen } = path();
    send('10.2.0.10', [1, 148, 4, 0, 0, 30, 4, 0xaa, 0xbb, 1, 1, 0]);
    expect(seen('b', 'eth0')).toEqual([
      { opts: [1, 148, 4, 0, 0, 30, 4, 0xaa, 0xbb, 1, 1, 0], type: 8 },
      { opts: [], type: 0 },
    ]);
  });

  it('fills what follows an END with END, and counts the overflow of a timestamp option without room, echoed by the answer', () => {
    const { send, seen } = path();
    send('10.2.0.10', [0, 7, 7, 7]);
    send('10.2.0.10', [68, 4, 5, 0x20]);
    expect(seen('b', 'eth0')).toEqual([
      { opts: [0, 0, 0, 0], type: 8 },
      { opts: [], type: 0 },
      { opts: [68, 4, 5, 0x30], type: 8 },
      { opts: [68, 4, 5, 0x40], type: 0 },
    ]);
    expect(seen('a', 'eth0')).toEqual([{ opts: [], type: 0 }, { opts: [68, 4, 5, 0x50], type: 0 }]);
  });

  it('compiles the options of a packet that waited on a failed neighbour again before the host unreachable: its RR records one more address', () => {
    const { t, send } = path();
    // 10.2.0.77 answers no ARP: after three probes the error quotes the datagram with r's address towards a added
    send('10.2.0.77', RR);
    t.run(4_000);
    const errs = t.seen('a', 'eth0').filter((f) => ethType(f) === ETH_P_IP && f[14 + ((f[14]! & 15) << 2)] === 3);
    expect(errs).toHaveLength(1);
    const icmp = 14 + ((errs[0]![14]! & 15) << 2);
    // the quoted header's RR: pointer 12, r's wan address (forwarding), then r's address towards a (the recompile)
    expect([...errs[0]!.subarray(icmp + 8 + 20, icmp + 8 + 32)]).toEqual([7, 11, 12, 10, 2, 0, 1, 10, 1, 0, 1, 0]);
  });

  it('sends no host unreachable for a waiting packet whose RR has room for less than an address', () => {
    const { t, send } = path();
    send('10.2.0.77', [7, 9, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    t.run(4_000);
    expect(t.seen('a', 'eth0').filter((f) => ethType(f) === ETH_P_IP && f[14 + ((f[14]! & 15) << 2)] === 3)).toEqual([]);
  });

  it('drops a loose source route without an answer (accept_source_route=0)', () => {
    const { t, send } = path();
    send('10.2.0.10', [131, 7, 4, 10, 2, 0, 10, 0]);
    expect(t.seen('b', 'eth0')).toEqual([]);
    expect(t.seen('a', 'eth0').filter((f) => ethType(f) === ETH_P_IP)).toEqual([]);
  });

  it('stops the run at a timestamp option with room (the wall clock), naming the node, the device and the sender', () => {
    const { t, send } = path();
    send('10.2.0.10', [68, 8, 5, 0, 0, 0, 0, 0]);
    expect(t.net.problems[0]).toBe('an IP timestamp option with room on r (left, from 10.1.0.10): the kernel records its wall clock; not modelled');
  });

  it('stops the run at a TCP segment with record route (its answers would echo it), naming the node', () => {
    const { t, send } = path();
    send('10.1.0.1', RR, { proto: 6 });
    expect(t.net.problems).toEqual(["a TCP segment with IP options to echo (record route, timestamp) to r: TCP's answers with options are not modelled"]);
  });
});
