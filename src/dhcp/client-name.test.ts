import { describe, expect, it } from 'vitest';
import { clientName, legalHostname } from './client-name.js';

const bytes = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const fqdn = (flags: number, name: number[] | string): Uint8Array => Uint8Array.from([flags, 0, 0, ...(typeof name === 'string' ? bytes(name) : name)]);

describe("a DHCP client's name as dnsmasq reads it (dhcp_reply(), legal_hostname())", () => {
  it('keeps a name of letters, digits, - and _ (not first), with one trailing dot dropped; the rest of a FQDN only needs to be a name', () => {
    expect(legalHostname('pc-1_a')).toBe('pc-1_a');
    expect(legalHostname('pc.example.')).toBe('pc.example');
    expect(legalHostname('pc.ex ample')).toBe('pc.ex ample');
    for (const bad of ['', '-pc', '_pc', 'p c', 'pc!', 'p\x01c', 'a'.repeat(64), ' ', 'é']) expect(legalHostname(bad), JSON.stringify(bad)).toBeNull();
    expect(legalHostname('a'.repeat(63))).toBe('a'.repeat(63));
    expect(legalHostname('pc..')).toBe('pc.'); // only one dot goes; an empty label is no fault
  });

  it('takes option 12 up to its first NUL and cuts it at the first dot; a trailing NUL is remembered (Microsoft clients)', () => {
    expect(clientName(null, bytes('pc.lan'))).toEqual({ full: 'pc.lan', stripped: 'pc', fromFqdn: false, fqdnFlags: 0, nulTerminated: false });
    expect(clientName(null, bytes('win\0'))).toMatchObject({ stripped: 'win', nulTerminated: true });
    expect(clientName(null, bytes('-x'))).toMatchObject({ full: null, stripped: null });
  });

  it('prefers option 81 to 12, answering its flags with S and O set unless S was, and N cleared', () => {
    expect(clientName(fqdn(0, 'fq.example'), bytes('other'))).toEqual({ full: 'fq.example', stripped: 'fq', fromFqdn: true, fqdnFlags: 0x03, nulTerminated: false });
    expect(clientName(fqdn(0x09, 'fq'), null).fqdnFlags).toBe(0x01);
    // an illegal option 81 name means no name at all, option 12 unread; the flags stay
    expect(clientName(fqdn(0, '-fq'), bytes('good'))).toMatchObject({ full: null, fqdnFlags: 0x03 });
  });

  it('reads an option 81 name in wire format (E) as labels joined by dots, up to a zero length or a label past the end', () => {
    expect(clientName(fqdn(0x04, [2, 0x66, 0x71, 3, 0x6c, 0x61, 0x6e, 0]), null)).toMatchObject({ full: 'fq.lan', stripped: 'fq', fqdnFlags: 0x07 });
    expect(clientName(fqdn(0x04, [2, 0x66, 0x71, 9, 0x6c]), null)).toMatchObject({ full: 'fq' });
    expect(clientName(fqdn(0x04, []), null)).toMatchObject({ full: null });
  });
});
