import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CAPTURED, SYNTHETIC, captured, frameBytes } from './test/captured.js';
import { TcpSeqMemo, decodeFrame, describeFrame } from './frame.js';

describe('describeFrame', () => {
  it('prints every captured frame exactly as tcpdump -e -n did', () => {
    const memos = new Map<string, TcpSeqMemo>();
    for (const f of CAPTURED) {
      let memo = memos.get(f.link);
      if (memo === undefined) memos.set(f.link, (memo = new TcpSeqMemo()));
      expect(describeFrame(frameBytes(f), memo)).toBe(f.tcpdump);
    }
  });

  it('prints hand-made frames for the other printer paths exactly as tcpdump did', () => {
    const memo = new TcpSeqMemo();
    for (const f of SYNTHETIC) expect(`${f.link}: ${describeFrame(frameBytes(f), memo)}`).toBe(`${f.link}: ${f.tcpdump}`);
  });

  it('prints absolute sequence numbers without a memo, as tcpdump -S', () => {
    const f = captured('Flags [.], ack 1,');
    const line = describeFrame(frameBytes(f));
    expect(line).toMatch(/Flags \[\.\], ack \d{5,}, win 63/);
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        expect(typeof describeFrame(b, new TcpSeqMemo())).toBe('string');
      }),
    );
  });

  it('never throws on a truncated copy of any captured frame', () => {
    for (const f of CAPTURED) {
      const b = frameBytes(f);
      for (let n = 0; n < b.length; n += 7) expect(typeof describeFrame(b.subarray(0, n))).toBe('string');
    }
  });
});

describe('decodeFrame', () => {
  it('splits a captured DHCP OFFER into Ethernet, IPv4, UDP and DHCP with every option', () => {
    const b = frameBytes(captured('BOOTP/DHCP, Reply'));
    const layers = decodeFrame(b);
    expect(layers.map((l) => l.name)).toEqual(['Ethernet', 'IPv4', 'UDP', 'DHCP']);
    const dhcp = layers[3]!;
    expect(dhcp.fields.find((x) => x.name === 'yiaddr')?.value).toBe('10.0.0.148');
    expect(dhcp.fields.find((x) => x.name === 'option 53')?.value).toBe('OFFER');
    expect(dhcp.fields.find((x) => x.name === 'option 51')?.value).toBe('3600 s');
    expect(layers[1]!.fields.find((x) => x.name === 'header checksum')?.value).toMatch(/\(correct\)$/);
    expect(layers[2]!.fields.find((x) => x.name === 'checksum')?.value).toMatch(/\(correct\)$/);
  });

  it('decodes ARP, ICMP and TCP layers with field offsets that point at their bytes', () => {
    const arp = decodeFrame(frameBytes(captured('Reply 198.51.100.1 is-at')));
    expect(arp.map((l) => l.name)).toEqual(['Ethernet', 'ARP']);
    expect(arp[1]!.fields.find((x) => x.name === 'sender MAC')).toEqual({ name: 'sender MAC', value: '02:00:00:00:0b:01', offset: 22, length: 6 });
    const echo = decodeFrame(frameBytes(captured('ICMP echo request, id')));
    expect(echo.map((l) => l.name)).toEqual(['Ethernet', 'IPv4', 'ICMP', 'Payload']);
    expect(echo[3]!.length).toBe(56);
    const data = decodeFrame(frameBytes(captured('Flags [P.]')));
    expect(data.map((l) => l.name)).toEqual(['Ethernet', 'IPv4', 'TCP', 'Payload']);
    expect(data[2]!.fields.find((x) => x.name === 'flags')?.value).toBe('0x18 (PSH, ACK)');
    expect(data[3]!.length).toBe(10);
  });

  it('covers every byte of a frame exactly once with its layers', () => {
    for (const f of [...CAPTURED, ...SYNTHETIC]) {
      const b = frameBytes(f);
      const layers = decodeFrame(b);
      let at = 0;
      for (const l of layers) {
        expect(`${f.link} ${l.name} at ${l.offset}`).toBe(`${f.link} ${l.name} at ${at}`);
        at += l.length;
      }
      expect(`${f.link} covers ${at}`).toBe(`${f.link} covers ${b.length}`);
    }
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        expect(Array.isArray(decodeFrame(b))).toBe(true);
      }),
    );
  });
});
