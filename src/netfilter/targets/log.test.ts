import { describe, expect, it } from 'vitest';
import type { HostApi } from '../../model/host-api.js';
import { Iface } from '../../model/iface.js';
import { NfHook } from '../../model/nf-seam.js';
import { icmpErrorFrame, icmpFrame, skbOf, tcpFrame, TH } from '../conntrack/test-frames.js';
import type { XtContext } from '../xt-context.js';
import { logLine, type LogData } from './log.js';

const host = { name: 'r' } as unknown as HostApi;
const dev = (name: string, i: number): Iface => new Iface(host, name, i, 'veth', new Uint8Array([2, 0, 0, 0, 1, i]));
const left = dev('left', 1);
const right = dev('right', 2);

function ctx(hook: NfHook, inDev: Iface | null, outDev: Iface | null): XtContext {
  return { host, hook, inDev, outDev, table: 'filter' } as unknown as XtContext;
}
const log = (prefix: string, flags = 0): LogData => ({ prefix, flags, level: 4 });

/** a frame as it arrived from 02:00:00:00:02:01 on `left` (Ethernet source and destination filled) */
function received(frame: Uint8Array): Uint8Array {
  frame.set([2, 0, 0, 0, 1, 1, 2, 0, 0, 0, 2, 1], 0);
  return frame;
}

describe('LOG line (nf_log_ip_packet, as in net/netfilter/nf_log_syslog.c)', () => {
  it('prints prefix, devices, the MAC header as received and the ICMP echo fields of a forwarded ping', () => {
    const skb = skbOf(received(icmpFrame('10.1.0.10', '10.2.0.10', 8, 0, 7, 1)));
    expect(logLine(log('fwd: '), skb, ctx(NfHook.FORWARD, left, right))).toBe(
      'fwd: IN=left OUT=right MAC=02:00:00:00:01:01:02:00:00:00:02:01:08:00 SRC=10.1.0.10 DST=10.2.0.10 LEN=36 ' +
        'TOS=0x00 PREC=0x00 TTL=64 ID=4660 PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1',
    );
  });

  it('decodes the MAC header with --log-macdecode', () => {
    const skb = skbOf(received(icmpFrame('10.1.0.10', '10.2.0.10', 8, 0, 7, 1)));
    expect(logLine(log('', 0x20), skb, ctx(NfHook.LOCAL_IN, left, null))).toMatch(
      /^IN=left OUT= MACSRC=02:00:00:00:02:01 MACDST=02:00:00:00:01:01 MACPROTO=0800 SRC=10\.1\.0\.10 /,
    );
  });

  it('prints no MAC for a locally generated packet (no input device)', () => {
    const skb = skbOf(icmpFrame('10.1.0.1', '10.1.0.10', 0, 0, 7, 1));
    expect(logLine(log(''), skb, ctx(NfHook.LOCAL_OUT, null, left))).toMatch(/^IN= OUT=left SRC=10\.1\.0\.1 DST=10\.1\.0\.10 /);
  });

  it('dumps the header an ICMP error quotes in brackets, one level deep', () => {
    const inner = tcpFrame('10.1.0.10', '10.2.0.10', 40000, 80, TH.SYN);
    const skb = skbOf(received(icmpErrorFrame('10.2.0.1', '10.1.0.10', 3, 3, inner)));
    expect(logLine(log(''), skb, ctx(NfHook.FORWARD, left, right))).toMatch(
      /PROTO=ICMP TYPE=3 CODE=3 \[SRC=10\.1\.0\.10 DST=10\.2\.0\.10 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=4660 PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0 \]$/,
    );
  });

  it('adds the MTU of a fragmentation-needed error after the quoted header', () => {
    const inner = icmpFrame('10.1.0.10', '10.2.0.10', 8, 0, 7, 1);
    const f = received(icmpErrorFrame('10.2.0.1', '10.1.0.10', 3, 4, inner));
    f[34 + 6] = 0x05;
    f[34 + 7] = 0xdc;
    expect(logLine(log(''), skbOf(f), ctx(NfHook.FORWARD, left, right))).toMatch(/ID=7 SEQ=1 \] MTU=1500$/);
  });

  it('prints the TCP sequence numbers and options only when asked', () => {
    const f = received(tcpFrame('10.1.0.10', '10.2.0.10', 40000, 80, TH.SYN | TH.ACK, 1000, 2000, 4));
    f[34 + 12] = 6 << 4; // 4 bytes of options: MSS 1460
    f.set([2, 4, 5, 0xb4], 34 + 20);
    const plain = logLine(log(''), skbOf(f), ctx(NfHook.FORWARD, left, right));
    expect(plain).toMatch(/SPT=40000 DPT=80 WINDOW=64240 RES=0x00 ACK SYN URGP=0$/);
    expect(logLine(log('', 0x01 | 0x02), skbOf(f), ctx(NfHook.FORWARD, left, right))).toMatch(
      /SPT=40000 DPT=80 SEQ=1000 ACK=2000 WINDOW=64240 RES=0x00 ACK SYN URGP=0 OPT \(020405B4\)$/,
    );
  });

  it('ends with the packet mark when it is set', () => {
    const skb = skbOf(received(icmpFrame('10.1.0.10', '10.2.0.10', 8, 0, 7, 1)));
    skb.mark = 0x2a;
    expect(logLine(log(''), skb, ctx(NfHook.FORWARD, left, right))).toMatch(/ID=7 SEQ=1 MARK=0x2a$/);
  });

  it('names the bridge ports of a bridged frame as PHYSIN and PHYSOUT', () => {
    const br = dev('br0', 3);
    const skb = skbOf(received(icmpFrame('10.1.0.10', '10.1.0.20', 8, 0, 7, 1)));
    skb.physIn = left;
    skb.physOut = right;
    expect(logLine(log(''), skb, ctx(NfHook.FORWARD, br, br))).toMatch(/^IN=br0 OUT=br0 PHYSIN=left PHYSOUT=right MAC=/);
  });

  it('stops at a truncated TCP header without the mark, as the kernel returns early', () => {
    const f = received(tcpFrame('10.1.0.10', '10.2.0.10', 1, 2, TH.SYN)).subarray(0, 34 + 10);
    const skb = skbOf(f);
    skb.mark = 1;
    expect(logLine(log(''), skb, ctx(NfHook.FORWARD, left, right))).toMatch(/PROTO=TCP INCOMPLETE \[10 bytes\]$/);
  });
});
