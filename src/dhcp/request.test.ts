import { describe, expect, it } from 'vitest';
import { DhcpRequest } from './request.js';

/** a BOOTREQUEST with `options` after the cookie and `file` in the file field */
function request(options: number[], file: number[] = []): DhcpRequest {
  const b = new Uint8Array(240 + options.length);
  b.set([1, 1, 6, 0]);
  b.set(file, 108);
  b.set([99, 130, 83, 99], 236);
  b.set(options, 240);
  return new DhcpRequest(b, 0, b.length);
}

const data = (d: Uint8Array | null): number[] | null => (d === null ? null : Array.from(d));

describe("a DHCP request's options as dnsmasq finds them (option_find())", () => {
  it('takes the first instance at least minsize long, skipping shorter ones', () => {
    const r = request([53, 1, 3, 50, 3, 10, 0, 1, 50, 4, 10, 0, 1, 145, 255]);
    expect(data(r.find(53, 1))).toEqual([3]);
    expect(data(r.find(50, 4))).toEqual([10, 0, 1, 145]);
    expect(data(r.find(54, 4))).toBeNull();
  });

  it('needs no END, and a malformed option ends the search without spoiling what came before', () => {
    const r = request([53, 1, 1, 0, 0, 55, 2, 1, 3, 12, 10, 0x63]);
    expect(data(r.find(53, 1))).toEqual([1]);
    expect(data(r.find(55, 0))).toEqual([1, 3]);
    expect(r.find(12, 1)).toBeNull();
  });

  it('stops at END and, with option 52, looks on in the file field (1) and the sname field (2)', () => {
    expect(request([53, 1, 3, 255, 12, 1, 0x61]).find(12, 1)).toBeNull();
    const r = request([53, 1, 3, 52, 1, 1, 255], [12, 3, 0x6f, 0x76, 0x6c, 255]);
    expect(data(r.find(12, 1))).toEqual([0x6f, 0x76, 0x6c]);
    expect(request([53, 1, 3, 52, 1, 2, 255], [12, 3, 0x6f, 0x76, 0x6c, 255]).find(12, 1)).toBeNull();
  });

  it('checks the cookie', () => {
    expect(request([53, 1, 1, 255]).cookieOk()).toBe(true);
    const b = new Uint8Array(244);
    expect(new DhcpRequest(b, 0, b.length).cookieOk()).toBe(false);
  });
});
