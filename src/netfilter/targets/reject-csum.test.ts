import { describe, expect, it } from 'vitest';
import { NfHook } from '../../model/nf-seam.js';
import { Skb } from '../../model/skb.js';
import { checksumFinish, onesSum, pseudoSum } from '../../wire/checksum.js';
import { buildIpv4, ipFillChecksum } from '../../wire/ipv4.js';
import { rejectUnreachAllowed } from './reject-csum.js';

const SRC = 0x0a000109;
const DST = 0x0a000101;

/** an IPv4 packet (Ethernet header room first) of `proto` carrying `l4`, its checksum at `sumAt` filled (pseudo header for 6 and 17) */
function packet(proto: number, l4: number[], sumAt: number | null, spoil = false): Skb {
  const b = new Uint8Array(34 + l4.length);
  buildIpv4(b, 14, { src: SRC, dst: DST, proto, ttl: 64, id: 1, df: false, payloadLen: l4.length });
  b.set(l4, 34);
  if (sumAt !== null) {
    const acc = proto === 6 || proto === 17 ? pseudoSum(SRC, DST, proto, l4.length) : 0;
    let c = checksumFinish(onesSum(b, 34, l4.length, acc));
    if (spoil) c ^= 0x0101;
    b[34 + sumAt] = c >> 8;
    b[35 + sumAt] = c & 0xff;
  }
  return new Skb(b);
}

const ping = (spoil = false) => packet(1, [8, 0, 0, 0, 0, 1, 0, 1, 0x61, 0x62], 2, spoil);
const udp = (spoil = false) => packet(17, [0x9c, 0x40, 0, 53, 0, 10, 0, 0, 0x61, 0x62], 6, spoil);

describe("REJECT's ICMP error (nf_send_unreach())", () => {
  it('goes for a packet that came in only when its transport checksum is right', () => {
    for (const hook of [NfHook.LOCAL_IN, NfHook.FORWARD]) {
      expect(rejectUnreachAllowed(ping(), hook)).toBe(true);
      expect(rejectUnreachAllowed(ping(true), hook)).toBe(false);
      expect(rejectUnreachAllowed(udp(), hook)).toBe(true);
      expect(rejectUnreachAllowed(udp(true), hook)).toBe(false);
    }
  });

  it('does not check UDP without a checksum, nor SCTP, and trusts what the host sends itself', () => {
    expect(rejectUnreachAllowed(packet(17, [0x9c, 0x40, 0, 53, 0, 10, 0, 0, 0x61, 0x62], null), NfHook.LOCAL_IN)).toBe(true);
    expect(rejectUnreachAllowed(packet(132, [1, 2, 3, 4, 5, 6, 7, 8], null), NfHook.LOCAL_IN)).toBe(true);
    expect(rejectUnreachAllowed(ping(true), NfHook.LOCAL_OUT)).toBe(true);
  });

  it('never answers a fragment other than the first', () => {
    const p = ping();
    p.data[20] = 0;
    p.data[21] = 1; // offset 8 bytes
    ipFillChecksum(p.data, 14);
    expect(rejectUnreachAllowed(p, NfHook.LOCAL_IN)).toBe(false);
  });
});
