import { describe, expect, it } from 'vitest';
import { Network } from '../../model/network.js';
import { serversOf } from '../../dhcp/registry.js';
import { LEASE_INFINITE } from '../../dhcp/server-config.js';
import { parseIp4 } from '../../wire/ip4.js';
import { NatlabError } from '../errors.js';
import { leaseFileOf, runDnsmasq } from './dnsmasq.js';

const ip = (s: string): number => parseIp4(s)!;

function env(files: Record<string, string> = {}) {
  return {
    node: 'router',
    dir: '/scen',
    readFile(p: string): string {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT ${p}`);
      return t;
    },
  };
}

function start(args: string[], files: Record<string, string> = {}) {
  const h = new Network().addHost('router');
  const r = runDnsmasq(h, ['dnsmasq', ...args], env(files));
  return { h, r, cfg: serversOf(h)[0]?.config };
}

const OK = ['--port=0', '--no-ping'];

describe('the dnsmasq run command', () => {
  it('reads ranges with mask and lease units, raising leases under two minutes to 120 s', () => {
    const { r, cfg } = start([...OK, '--dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m', '--dhcp-range=10.1.0.10,10.1.0.20,30', '--dhcp-range', '10.2.0.10,10.2.0.20,infinite', '--dhcp-range=10.3.0.10,10.3.0.20']);
    expect(r.exit).toBe(0);
    expect(cfg!.ranges).toEqual([
      { start: ip('10.0.0.100'), end: ip('10.0.0.150'), mask: ip('255.255.255.0'), leaseSecs: 120 },
      { start: ip('10.1.0.10'), end: ip('10.1.0.20'), mask: 0, leaseSecs: 120 },
      { start: ip('10.2.0.10'), end: ip('10.2.0.20'), mask: 0, leaseSecs: LEASE_INFINITE },
      { start: ip('10.3.0.10'), end: ip('10.3.0.20'), mask: 0, leaseSecs: 3600 },
    ]);
  });

  it('reads the same keys from --conf-file, relative to the scenario folder, with comments', () => {
    const conf = '# router\nport=0\nno-resolv\nno-hosts\ninterface=natbr\ndhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m\ndhcp-option=option:router,10.0.0.1\nlog-dhcp\nno-ping\n';
    const { r, cfg } = start(['-k', '--conf-file=dnsmasq.conf', '--user=root', '--pid-file=/run/x.pid', '--dhcp-leasefile=/tmp/l', '--log-facility=-'], { 'dnsmasq.conf': conf });
    expect(r.exit).toBe(0);
    expect(cfg!.interfaces).toEqual(['natbr']);
    expect(cfg!.options).toEqual([{ code: 3, data: Uint8Array.of(10, 0, 0, 1), addr: true, string: false, force: false }]);
  });

  it('fails with "unknown interface" for a missing --interface under --bind-interfaces only (measured: exit 2)', () => {
    expect(start([...OK, '--bind-interfaces', '--interface=p9', '--dhcp-range=10.0.0.1,10.0.0.9']).r).toEqual({ exit: 2, stdout: '', stderr: 'dnsmasq: unknown interface p9\n' });
    expect(start([...OK, '--interface=p9', '--dhcp-range=10.0.0.1,10.0.0.9']).r.exit).toBe(0);
  });

  it('accepts the DNS and socket flags of libvirt\'s conf file (strict-order, bind-dynamic, dhcp-no-override), which change no DHCP reply', () => {
    const conf = 'strict-order\nport=0\nbind-dynamic\ninterface=virbr0\ndhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\ndhcp-no-override\ndhcp-authoritative\nno-ping\n';
    const { r, cfg } = start(['--conf-file=default.conf'], { 'default.conf': conf });
    expect(r.exit).toBe(0);
    expect(cfg!.interfaces).toEqual(['virbr0']);
    expect(cfg!.authoritative).toBe(true);
    expect(start([...OK, '--strict-order', '--bind-dynamic', '--dhcp-no-override', '--dhcp-range=10.0.0.1,10.0.0.9']).r.exit).toBe(0);
  });

  it('reads --dhcp-host items in any order and the option names and numbers', () => {
    const { cfg } = start([...OK, '--dhcp-range=10.0.0.100,10.0.0.150', '--dhcp-host=pc1,02:00:00:00:03:01,10.0.0.20,1h', '--dhcp-option=3,10.0.0.1', '--dhcp-option=option:dns-server,10.0.0.53,10.0.0.54', '--dhcp-option=1,255.255.0.0', '--dhcp-authoritative']);
    expect(cfg!.hosts).toEqual([{ mac: new Uint8Array([2, 0, 0, 0, 3, 1]), addr: ip('10.0.0.20'), name: 'pc1', leaseSecs: 3600 }]);
    expect(cfg!.options.map((o) => o.code)).toEqual([3, 6, 1]);
    expect(cfg!.authoritative).toBe(true);
  });

  it('gives dnsmasq\'s own messages and exit codes for values it refuses', () => {
    expect(start([...OK, '--dhcp-range=10.0.0.300,10.0.0.5']).r).toEqual({ exit: 1, stdout: '', stderr: 'dnsmasq: bad command line options: bad dhcp-range\n' });
    expect(start([...OK, '--dhcp-option=option:router,1.2.3']).r).toEqual({ exit: 1, stdout: '', stderr: 'dnsmasq: bad command line options: bad IPv4 address\n' });
    expect(start(['--conf-file=bad.conf'], { 'bad.conf': 'port=0\ndhcp-range=10.0.0.1,bogus\n' }).r).toEqual({ exit: 1, stdout: '', stderr: 'dnsmasq: bad dhcp-range at line 2 of bad.conf\n' });
    expect(start(['--conf-file=none.conf']).r).toEqual({ exit: 3, stdout: '', stderr: 'dnsmasq: cannot read none.conf: No such file or directory\n' });
  });

  it('refuses options natlab does not model, naming them', () => {
    const refused = (args: string[]): string => {
      try {
        start(args);
      } catch (e) {
        expect(e).toBeInstanceOf(NatlabError);
        return (e as NatlabError).format();
      }
      return 'accepted';
    };
    expect(refused([...OK, '--dhcp-range=10.0.0.1,10.0.0.9', '--enable-tftp'])).toMatch(/'--enable-tftp': unknown dnsmasq option/);
    expect(refused([...OK, '--dhcp-range=tag:lan,10.0.0.1,10.0.0.9'])).toMatch(/'--dhcp-range=tag:lan,10.0.0.1,10.0.0.9': not supported: dhcp-range tags/);
    expect(refused([...OK, '--dhcp-range=10.0.0.1,static'])).toMatch(/not supported: only dynamic ranges/);
    expect(refused([...OK, '--dhcp-range=10.0.0.1,10.0.0.9', '--dhcp-option=tag:lan,option:ntp-server,10.0.0.1'])).toMatch(/dhcp-option 'tag:lan': dhcp-option tags are not modelled/);
    expect(refused([...OK, '--dhcp-range=10.0.0.1,10.0.0.9', '--dhcp-option=vendor:MSFT,2,1i'])).toMatch(/only plain DHCPv4 options/);
    expect(refused([...OK, '--dhcp-range=10.0.0.1,10.0.0.9', '--dhcp-option=51,3600'])).toMatch(/option 51: dnsmasq sends its own/);
    expect(refused([...OK, '--dhcp-range=10.0.0.1,10.0.0.9', '--dhcp-host=pc1,10.0.0.5'])).toMatch(/dhcp-host without a MAC/);
    expect(refused(['--port=0', '--dhcp-range=10.0.0.1,10.0.0.9'])).toMatch(/without --no-ping .* add --no-ping/);
    expect(refused(['--no-ping', '--dhcp-range=10.0.0.1,10.0.0.9'])).toMatch(/DNS is not modelled; add --port=0/);
    expect(refused([...OK, '--dhcp-range=10.0.0.1,10.0.0.9', '--domain=lab,10.0.0.0/24'])).toMatch(/not supported: --domain with an address range/);
    expect(refused([...OK, '--dhcp-range=10.0.0.1,10.0.0.9', '--domain=#'])).toMatch(/not supported: --domain=# /);
  });

  it('reads --domain (-s) and a conf file\'s domain=, without a trailing dot', () => {
    expect(start([...OK, '--dhcp-range=10.0.0.1,10.0.0.9', '--domain=lab.example.']).cfg?.domain).toBe('lab.example');
    expect(start([...OK, '--dhcp-range=10.0.0.1,10.0.0.9', '-s', 'home_lan']).cfg?.domain).toBe('home_lan');
    expect(start([...OK, '--conf-file=d.conf'], { 'd.conf': 'dhcp-range=10.0.0.1,10.0.0.9\ndomain=lan\n' }).cfg?.domain).toBe('lan');
  });

  it('has no lease file where no dnsmasq runs, an empty one where it runs', () => {
    const h = new Network().addHost('x');
    expect(leaseFileOf(h)).toBeNull();
    runDnsmasq(h, [...OK, '--dhcp-range=10.0.0.1,10.0.0.9'], env());
    expect(leaseFileOf(h)).toBe('');
  });
});
