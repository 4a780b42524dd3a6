import { describe, expect, it } from 'vitest';
import type { Host } from '../../model/host.js';
import { Network } from '../../model/network.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';
import type { Skb } from '../../model/skb.js';
import { createVethPair } from '../../model/veth.js';
import { ICMP_DEST_UNREACH } from '../../wire/icmp.js';
import { ipDst, ipProto } from '../../wire/ipv4.js';
import { NS_PER_S } from '../queue.js';
import { ncMain } from './nc.js';
import { pingMain } from './ping.js';
import { startProgram, type Ran } from './test-ctx.js';

const mac = (n: number): Uint8Array => new Uint8Array([2, 0, 0, 0, 0, n]);
const B = 0x0a090002;

/**
 * a (10.9.0.1/24) -- b (10.9.0.2/24); a's OUTPUT drops everything to b,
 * answering it first with an ICMP error of `rejectCode` (as REJECT does)
 * unless that is null (DROP). Counts the packets the hook saw.
 */
function topology(rejectCode: number | null, proto = 0): { net: Network; a: Host; seen: () => number } {
  const net = new Network();
  const a = net.addHost('a');
  const b = net.addHost('b');
  const [a0, b0] = createVethPair(net, a, 'a0', mac(1), b, 'b0', mac(2));
  a.setUp(a0, true);
  b.setUp(b0, true);
  a.addAddr(a0, 0x0a090001, 24, null);
  b.addAddr(b0, B, 24, null);
  let n = 0;
  a.nf = {
    hook(hook: NfHook, skb: Skb): Verdict {
      if (hook !== NfHook.LOCAL_OUT || ipDst(skb.data, skb.l3) !== B || (proto !== 0 && ipProto(skb.data, skb.l3) !== proto)) return Verdict.ACCEPT;
      n++;
      if (rejectCode !== null) a.icmpSend(skb, ICMP_DEST_UNREACH, rejectCode, 0);
      return Verdict.DROP;
    },
    active: true,
  };
  return { net, a, seen: () => n };
}

function run(net: Network, h: Host, main: typeof pingMain, cmd: string, maxS = 60): Ran {
  const p = startProgram(net, h, main, cmd);
  net.queue.runUntil(() => p.exitCode() !== null, net.now() + maxS * NS_PER_S);
  return p;
}

describe('a local send that OUTPUT drops (sendmsg() fails with EPERM)', () => {
  it('ping prints the looped-back REJECT error, then "ping: sendmsg: Operation not permitted", for every request', () => {
    const { net, a } = topology(3);
    const p = run(net, a, pingMain, 'ping -c 2 -i 0.2 -W 1 10.9.0.2');
    expect(p.output()).toBe(
      'PING 10.9.0.2 (10.9.0.2) 56(84) bytes of data.\n' +
        'From 10.9.0.1 icmp_seq=1 Destination Port Unreachable\n' +
        'ping: sendmsg: Operation not permitted\n' +
        'From 10.9.0.1 icmp_seq=2 Destination Port Unreachable\n' +
        'ping: sendmsg: Operation not permitted\n' +
        '\n--- 10.9.0.2 ping statistics ---\n' +
        '2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 204ms\n\n',
    );
    expect(p.exitCode()).toBe(1);
  });

  it('ping says nothing about a DROP: the error queue is empty and the echo counts as lost', () => {
    const { net, a } = topology(null);
    const p = run(net, a, pingMain, 'ping -c 1 -W 1 10.9.0.2');
    expect(p.output()).toBe('PING 10.9.0.2 (10.9.0.2) 56(84) bytes of data.\n\n--- 10.9.0.2 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n');
    expect(p.exitCode()).toBe(1);
  });

  it('ping bound to a device (-I a0) is told nothing: the REJECT error comes by lo, which raw_icmp_error() matches against a0', () => {
    const { net, a } = topology(1);
    const p = run(net, a, pingMain, 'ping -c 1 -W 1 -I a0 10.9.0.2');
    expect(p.output()).toBe('PING 10.9.0.2 (10.9.0.2) from 10.9.0.1 a0: 56(84) bytes of data.\n\n--- 10.9.0.2 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n');
    expect(p.exitCode()).toBe(1);
  });

  it('ping bound to an address (-I 10.9.0.1) hears of it as an unbound one does', () => {
    const { net, a } = topology(1);
    const p = run(net, a, pingMain, 'ping -c 1 -W 1 -I 10.9.0.1 10.9.0.2');
    expect(p.output()).toBe(
      'PING 10.9.0.2 (10.9.0.2) from 10.9.0.1 : 56(84) bytes of data.\n' +
        'From 10.9.0.1 icmp_seq=1 Destination Host Unreachable\n' +
        'ping: sendmsg: Operation not permitted\n' +
        '\n--- 10.9.0.2 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n\n',
    );
  });

  it('ping -q prints neither the error nor the sendmsg line', () => {
    const { net, a } = topology(3);
    const p = run(net, a, pingMain, 'ping -q -c 1 -W 1 10.9.0.2');
    expect(p.output()).not.toContain('sendmsg');
    expect(p.output()).not.toContain('From');
  });

  it('nc -u -v gives up silently with exit 1 after its first write fails', () => {
    const { net, a, seen } = topology(null, 17);
    const p = run(net, a, ncMain, 'nc -u -v -w 1 10.9.0.2 5005');
    expect(p.output()).toBe('');
    expect(p.exitCode()).toBe(1);
    expect(seen()).toBe(1);
  });
});
