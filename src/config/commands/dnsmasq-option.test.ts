import { describe, expect, it } from 'vitest';
import { DhcpOptionError, DhcpOptionUnsupported, parseDhcpOption } from './dnsmasq-option.js';

const bytes = (v: string, force = false) => Array.from(parseDhcpOption(v, force).data);
const err = (v: string): string => {
  try {
    parseDhcpOption(v, false);
  } catch (e) {
    if (e instanceof DhcpOptionError) return `refused: ${e.message}`;
    if (e instanceof DhcpOptionUnsupported) return `unsupported: ${e.message}`;
    throw e;
  }
  return 'accepted';
};

describe('--dhcp-option values, as dnsmasq 2.90 parse_dhcp_opt() reads them', () => {
  it('takes the option by number or by its opttab name, in any case', () => {
    expect(parseDhcpOption('42,10.0.0.1', false)).toMatchObject({ code: 42, addr: true });
    expect(parseDhcpOption('option:ntp-server,10.0.0.1', false).code).toBe(42);
    expect(parseDhcpOption('option:NTP-Server,10.0.0.1', false).code).toBe(42);
    expect(parseDhcpOption('option:T1,1m', true)).toMatchObject({ code: 58, force: true });
  });

  it('refuses option:NAME of an unknown or internal option as a bad option', () => {
    expect(err('option:no-such,1')).toBe('refused: bad dhcp-option');
    expect(err('option:hostname,pc1')).toBe('refused: bad dhcp-option');
    expect(err('option:broadcast,10.0.0.255')).toBe('refused: bad dhcp-option');
  });

  it('reads address lists, with 0.0.0.0 kept for "the server itself" and RFC 3442 destination descriptors', () => {
    expect(bytes('option:dns-server,10.0.0.53,0.0.0.0')).toEqual([10, 0, 0, 53, 0, 0, 0, 0]);
    const csr = parseDhcpOption('121,10.1.0.0/16,10.0.0.1,0.0.0.0/0,10.0.0.2', false);
    expect(Array.from(csr.data)).toEqual([16, 10, 1, 10, 0, 0, 1, 0, 10, 0, 0, 2]);
    // a descriptor cannot be rewritten in place: no "self" substitution
    expect(csr.addr).toBe(false);
    expect(err('option:router,1.2.3')).toBe('refused: bad IPv4 address');
    expect(err('option:router,router1')).toBe('refused: bad IP address');
    expect(err('option:ntp-server,5')).toBe('refused: bad IP address');
  });

  it('sizes a decimal by the option (mtu: 2 bytes) or by its value, or by a b/s/i suffix', () => {
    expect(bytes('option:mtu,1400')).toEqual([0x05, 0x78]);
    expect(bytes('200,7')).toEqual([7]);
    expect(bytes('200,300')).toEqual([1, 44]);
    expect(bytes('200,70000')).toEqual([0, 1, 0x11, 0x70]);
    expect(bytes('200,7i')).toEqual([0, 0, 0, 7]);
    expect(bytes('200,7s')).toEqual([0, 7]);
    expect(bytes('option:time-offset,3600')).toEqual([0, 0, 0x0e, 0x10]);
  });

  it('reads times with units for T1 and T2', () => {
    expect(bytes('option:T1,2m')).toEqual([0, 0, 0, 120]);
    expect(bytes('option:T2,1h')).toEqual([0, 0, 0x0e, 0x10]);
    expect(bytes('59,30s')).toEqual([0, 0, 0, 30]);
  });

  it('reads colon-separated hex as bytes', () => {
    expect(bytes('43,01:04:c0:a8:00:01')).toEqual([1, 4, 0xc0, 0xa8, 0, 1]);
    expect(bytes('200,abc:1')).toEqual([0xab, 0x0c]);
  });

  it('keeps anything else as a string, NUL-terminated later when the client terminates its own', () => {
    const o = parseDhcpOption('option:domain-name,lab.example', false);
    expect(o.string).toBe(true);
    expect(String.fromCharCode(...o.data)).toBe('lab.example');
    expect(String.fromCharCode(...bytes('option:tftp-server,10.0.0.1'))).toBe('10.0.0.1');
    expect(String.fromCharCode(...bytes('200,hello,world'))).toBe('hello,world');
  });

  it('writes a domain search list as RFC 1035 names, later names compressed against earlier ones', () => {
    expect(bytes('option:domain-search,a.example,b.example')).toEqual([1, 97, 7, ...Array.from('example', (c) => c.charCodeAt(0)), 0, 1, 98, 0xc0, 2]);
    expect(bytes('119,x.org,x.org')).toEqual([1, 120, 3, 111, 114, 103, 0, 0xc0, 0]);
  });

  it('gives an option with no value no bytes', () => {
    expect(parseDhcpOption('3', false)).toMatchObject({ code: 3, data: new Uint8Array(0) });
  });

  it('refuses what natlab does not model: tags, encapsulation, and options dnsmasq sends itself', () => {
    expect(err('tag:lan,3,10.0.0.1')).toMatch(/^unsupported: 'tag:lan': dhcp-option tags/);
    expect(err('lan,3,10.0.0.1')).toMatch(/^unsupported: 'lan': dhcp-option tags/);
    expect(err('encap:175,1,5')).toMatch(/^unsupported: 'encap:175'/);
    expect(err('54,10.0.0.1')).toMatch(/^unsupported: option 54: dnsmasq sends its own/);
    expect(err('300,1')).toMatch(/^unsupported: option 300/);
  });

  it('refuses a value over 255 bytes', () => {
    expect(err(`200,${'x'.repeat(256)}`)).toBe('refused: dhcp-option too long');
  });
});
