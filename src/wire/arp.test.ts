import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ARP_FRAME_LEN,
  ARP_LEN,
  ARPOP_REPLY,
  ARPOP_REQUEST,
  arpIsEtherIp,
  arpOp,
  arpSpa,
  arpTpa,
  buildArpFrame,
  emitArp,
  parseArp,
  setArpOp,
  setArpTpa,
} from './arp.js';
import { captured, frameBytes } from './test/captured.js';
import { ETH_HLEN } from './ethernet.js';
import { WireError } from './errors.js';
import { parseIp4 } from './ip4.js';
import { BROADCAST_MAC, ZERO_MAC, macToString, parseMac } from './mac.js';

const ip = (s: string): number => parseIp4(s)!;
const mac = (s: string): Uint8Array => parseMac(s)!;

describe('ARP', () => {
  it('reads a captured request as the kernel sent it', () => {
    const b = frameBytes(captured('Request who-has 198.51.100.1 tell 198.51.100.10'));
    expect(b.length).toBe(ARP_FRAME_LEN);
    expect(arpIsEtherIp(b, ETH_HLEN, b.length - ETH_HLEN)).toBe(true);
    expect(arpOp(b, ETH_HLEN)).toBe(ARPOP_REQUEST);
    expect(arpSpa(b, ETH_HLEN)).toBe(ip('198.51.100.10'));
    expect(arpTpa(b, ETH_HLEN)).toBe(ip('198.51.100.1'));
    expect(parseArp(b, ETH_HLEN, b.length - ETH_HLEN)).toEqual({
      op: ARPOP_REQUEST,
      sha: '02:00:00:00:0a:01',
      spa: ip('198.51.100.10'),
      tha: '00:00:00:00:00:00',
      tpa: ip('198.51.100.1'),
    });
  });

  it('builds the exact 42 bytes Linux sends for a request (unpadded on veth)', () => {
    const f = buildArpFrame(ARPOP_REQUEST, mac('02:00:00:00:0a:01'), BROADCAST_MAC, mac('02:00:00:00:0a:01'), ip('198.51.100.10'), ZERO_MAC, ip('198.51.100.1'));
    expect(f).toEqual(frameBytes(captured('Request who-has 198.51.100.1 tell 198.51.100.10')));
  });

  it('builds the exact bytes Linux sends for a reply', () => {
    const f = buildArpFrame(
      ARPOP_REPLY,
      mac('02:00:00:00:0b:01'),
      mac('02:00:00:00:0a:01'),
      mac('02:00:00:00:0b:01'),
      ip('198.51.100.1'),
      mac('02:00:00:00:0a:01'),
      ip('198.51.100.10'),
    );
    expect(f).toEqual(frameBytes(captured('Reply 198.51.100.1 is-at 02:00:00:00:0b:01')));
  });

  it('round-trips a packet through emit and parse', () => {
    const macStr = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((m) => macToString(m));
    fc.assert(
      fc.property(fc.nat(0xffff), macStr, fc.nat(0xffffffff), macStr, fc.nat(0xffffffff), (op, sha, spa, tha, tpa) => {
        const b = new Uint8Array(ARP_LEN + 3);
        expect(emitArp({ op, sha, spa, tha, tpa }, b, 3)).toBe(ARP_LEN);
        expect(parseArp(b, 3, ARP_LEN)).toEqual({ op, sha, spa, tha, tpa });
      }),
    );
  });

  it('rewrites op and target in place', () => {
    const b = frameBytes(captured('Request who-has 198.51.100.1'));
    setArpOp(b, ETH_HLEN, ARPOP_REPLY);
    setArpTpa(b, ETH_HLEN, ip('10.0.0.1'));
    expect(parseArp(b, ETH_HLEN, ARP_LEN)).toMatchObject({ op: ARPOP_REPLY, tpa: ip('10.0.0.1') });
  });

  it('refuses other hardware or protocol types and short packets', () => {
    const b = frameBytes(captured('Request who-has 198.51.100.1'));
    b[ETH_HLEN + 3] = 0xdd; // protocol 0x08dd
    expect(() => parseArp(b, ETH_HLEN, ARP_LEN)).toThrow(/unsupported protocol type 0x08dd/);
    b[ETH_HLEN + 3] = 0x00;
    b[ETH_HLEN + 1] = 6; // IEEE 802
    expect(() => parseArp(b, ETH_HLEN, ARP_LEN)).toThrow(/unsupported hardware type 6/);
    expect(() => parseArp(b, ETH_HLEN, 27)).toThrow(WireError);
  });
});
