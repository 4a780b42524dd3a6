/**
 * GRE tracking as nf_conntrack_proto_gre.c (scenarios/x-replay-gre.yaml
 * runs the same on the kernel): keys only for PPTP's version 1, 30 s until
 * both ways were seen, then 180 s and ASSURED from the packet after the
 * first reply.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Skb } from '../../model/skb.js';
import { conntrackList } from './list.js';
import { ConntrackTable } from './table.js';
import { ip, ipv4Frame, TestHost, forwardThrough } from './test-frames.js';

let host: TestHost;
let table: ConntrackTable;

beforeEach(() => {
  host = new TestHost();
  table = new ConntrackTable();
});

/** a forwarded packet: conntrack at PREROUTING, confirmation at POSTROUTING (forwardThrough()) */
const forward = (frame: Uint8Array): Skb => forwardThrough(table, host, frame);

/** a GRE packet: flags and version, protocol, then `rest` */
const gre = (src: string, dst: string, flagsVer: number, proto: number, rest: number[] = []): Uint8Array =>
  ipv4Frame(ip(src), ip(dst), 47, Uint8Array.from([flagsVer >> 8, flagsVer & 0xff, proto >> 8, proto & 0xff, ...rest]));
const v0 = (src: string, dst: string): Uint8Array => gre(src, dst, 0x0000, 0x0800, [0x45, 0, 0, 20]);
/** version 1 with the key bit: payload length 4, call ID, then 4 bytes of PPP */
const pptp = (src: string, dst: string, callId: number): Uint8Array => gre(src, dst, 0x2001, 0x880b, [0, 4, callId >> 8, callId & 0xff, 0xff, 0x03, 0, 0x21]);
const list = (): string => conntrackList(table, host.now());

describe('GRE tracking (nf_conntrack_proto_gre)', () => {
  it('tracks version 0 without keys, 30 s while unreplied', () => {
    forward(v0('10.0.1.9', '10.0.2.2'));
    expect(list()).toBe('gre      47 30 src=10.0.1.9 dst=10.0.2.2 srckey=0x0 dstkey=0x0 [UNREPLIED] src=10.0.2.2 dst=10.0.1.9 srckey=0x0 dstkey=0x0 mark=0 use=1\n');
  });

  it('tracks version 1 (PPTP) by its call ID as the destination key; another call is another entry', () => {
    forward(pptp('10.0.1.9', '10.0.2.2', 0x1234));
    forward(pptp('10.0.1.9', '10.0.2.2', 0x1234));
    forward(pptp('10.0.1.9', '10.0.2.2', 0x4321));
    expect(table.size).toBe(2);
    expect(list()).toContain('src=10.0.1.9 dst=10.0.2.2 srckey=0x0 dstkey=0x1234 [UNREPLIED] src=10.0.2.2 dst=10.0.1.9 srckey=0x1234 dstkey=0x0 ');
  });

  it('does not track version 1 carrying anything but PPP', () => {
    const skb = forward(gre('10.0.1.9', '10.0.2.2', 0x0001, 0x0800, [0, 0, 0, 0]));
    expect(skb.ct).toBeNull();
    expect(table.size).toBe(0);
  });

  it('keeps 30 s on the first reply, then 180 s and ASSURED from the next packet', () => {
    forward(v0('10.0.1.9', '10.0.2.2'));
    forward(v0('10.0.2.2', '10.0.1.9'));
    expect(list()).toMatch(/^gre {6}47 30 .* srckey=0x0 dstkey=0x0 mark=0 use=1\n$/);
    forward(v0('10.0.1.9', '10.0.2.2'));
    expect(list()).toMatch(/^gre {6}47 180 .* \[ASSURED\] mark=0 use=1\n$/);
  });

  it('takes its timeouts from nf_conntrack_gre_timeout and nf_conntrack_gre_timeout_stream', () => {
    expect([table.settings.get('net.netfilter.nf_conntrack_gre_timeout'), table.settings.get('net.netfilter.nf_conntrack_gre_timeout_stream')]).toEqual([30, 180]);
    table.settings.set('nf_conntrack_gre_timeout', 5);
    forward(v0('10.0.1.9', '10.0.2.2'));
    expect(list()).toMatch(/^gre {6}47 5 /);
  });
});
