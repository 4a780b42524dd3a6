import { describe, it, expect } from 'vitest';
import { prepareRunCommand, prepareTrafficCommand, type PrivatePaths } from './commands.js';
import { markOutgoing } from './capture.js';

const paths: PrivatePaths = {
  tmp: '/tmp/run', scenarioDir: '/scen', node: 'router', serial: 3, udhcpcScript: '/tmp/run/u.sh', dhclientScript: '/tmp/run/d.sh',
};
const loc = { file: 'x.yaml', node: 'router', runLine: 2 };

describe('prepareRunCommand', () => {
  it('passes contract commands through unchanged', () => {
    expect(prepareRunCommand(['ip', 'link', 'set', 'br0', 'up'], paths, loc)).toEqual({ argv: ['ip', 'link', 'set', 'br0', 'up'] });
  });

  it('refuses a command outside the contract, naming node, line and token', () => {
    expect(() => prepareRunCommand(['ethtool', '-K', 'eth0'], paths, loc)).toThrow("x.yaml: node router: line 2: 'ethtool': not a command");
  });

  it('refuses sysctl without -w', () => {
    expect(() => prepareRunCommand(['sysctl', 'net.ipv4.ip_forward'], paths, loc)).toThrow(/sysctl -w/);
  });

  it('runs dnsmasq in the foreground with private pid and lease files and the conf file relative to the scenario', () => {
    const c = prepareRunCommand(['dnsmasq', '--conf-file=dhcp.conf', '--interface=br0'], paths, loc);
    expect(c).toEqual({
      argv: ['dnsmasq', '--conf-file=/scen/dhcp.conf', '--interface=br0', '--user=root', '--keep-in-foreground',
        '--pid-file=/tmp/run/dnsmasq-router-3.pid', '--dhcp-leasefile=/tmp/run/dnsmasq-router-3.leases', '--log-facility=-'],
      pidFile: '/tmp/run/dnsmasq-router-3.pid',
      leaseFile: '/tmp/run/dnsmasq-router-3.leases',
      program: 'dnsmasq',
      daemon: true,
    });
  });

  it('keeps dnsmasq off the host configuration when the line names no conf file', () => {
    expect(prepareRunCommand(['dnsmasq', '-C', '/etc/x.conf'], paths, loc).argv).toContain('--conf-file=/etc/x.conf');
    expect(prepareRunCommand(['dnsmasq', '--port=0'], paths, loc).argv).toContain('--conf-file=/dev/null');
  });

  it("replaces the scenario's dnsmasq pid and lease files with private ones, so no host file is touched", () => {
    const a = prepareRunCommand(['dnsmasq', '--port=0', '--dhcp-leasefile=/var/lib/misc/x', '-x', '/run/d.pid'], paths, loc).argv;
    expect(a.join(' ')).not.toMatch(/\/var\/lib\/misc\/x|\/run\/d\.pid/);
    expect(a.filter((x) => x.startsWith('--pid-file=') || x.startsWith('--dhcp-leasefile='))).toHaveLength(2);
    expect(() => prepareRunCommand(['dnsmasq', '--leasefile-ro'], paths, loc)).toThrow(/'--leasefile-ro'/);
  });
});

describe('prepareTrafficCommand', () => {
  it('runs udhcpc as busybox udhcpc with our script and pid file', () => {
    expect(prepareTrafficCommand(['udhcpc', '-i', 'eth0', '-q'], paths, loc)).toEqual({
      argv: ['busybox', 'udhcpc', '-s', '/tmp/run/u.sh', '-p', '/tmp/run/udhcpc-router-3.pid', '-i', 'eth0', '-q'],
      pidFile: '/tmp/run/udhcpc-router-3.pid',
      program: 'udhcpc',
    });
  });

  it('gives dhclient private script, conf, and one lease and pid file per node (so a later -r finds them)', () => {
    expect(prepareTrafficCommand(['dhclient', '-1', 'eth0'], paths, loc).argv).toEqual([
      'dhclient', '-sf', '/tmp/run/d.sh', '-lf', '/tmp/run/dhclient-router.leases', '-pf', '/tmp/run/dhclient-router.pid',
      '-cf', '/dev/null', '-1', 'eth0',
    ]);
    expect(() => prepareTrafficCommand(['dhclient', '-lf', '/var/lib/dhcp/x', 'eth0'], paths, loc)).toThrow(/'-lf'/);
  });

  it('allows iptables inspection and refuses changes', () => {
    expect(prepareTrafficCommand(['iptables', '-t', 'nat', '-nvL'], paths, loc).argv).toEqual(['iptables', '-t', 'nat', '-nvL']);
    expect(prepareTrafficCommand(['iptables', '-S', 'FORWARD'], paths, loc).argv).toEqual(['iptables', '-S', 'FORWARD']);
    expect(() => prepareTrafficCommand(['iptables', '-A', 'INPUT', '-j', 'DROP'], paths, loc)).toThrow(/'-A'/);
    expect(() => prepareTrafficCommand(['iptables', '-F'], paths, loc)).toThrow(/'-F'/);
  });

  it('refuses iptables options that write host files or run programs (the namespace shares the host filesystem)', () => {
    expect(prepareTrafficCommand(['iptables-save', '-c', '-t', 'nat'], paths, loc).argv).toEqual(['iptables-save', '-c', '-t', 'nat']);
    expect(() => prepareTrafficCommand(['iptables-save', '-f', '/etc/x'], paths, loc)).toThrow(/'-f'/);
    expect(() => prepareTrafficCommand(['iptables-save', '-cf', '/etc/x'], paths, loc)).toThrow(/'-cf'/);
    expect(() => prepareTrafficCommand(['iptables-save', '--file=/etc/x'], paths, loc)).toThrow(/'--file=\/etc\/x'/);
    expect(() => prepareTrafficCommand(['iptables-save', '-M', '/bin/x'], paths, loc)).toThrow(/'-M'/);
    expect(() => prepareTrafficCommand(['iptables', '-L', '--modprobe=/bin/x'], paths, loc)).toThrow(/--modprobe/);
    expect(() => prepareRunCommand(['iptables-restore', '-M', '/bin/x'], paths, loc)).toThrow(/'-M'/);
    expect(() => prepareRunCommand(['iptables', '--modprobe', '/bin/x', '-A', 'INPUT'], paths, loc)).toThrow(/'--modprobe'/);
    expect(prepareRunCommand(['iptables', '-A', 'INPUT', '-m', 'mark', '--mark', '1', '-j', 'DROP'], paths, loc).argv).toHaveLength(9);
  });

  it('allows conntrack -L only', () => {
    expect(prepareTrafficCommand(['conntrack', '-L'], paths, loc).argv).toEqual(['conntrack', '-L']);
    expect(() => prepareTrafficCommand(['conntrack', '-F'], paths, loc)).toThrow(/'-F'/);
  });

  it('refuses anything that is not a traffic command', () => {
    expect(() => prepareTrafficCommand(['sysctl', '-w', 'net.ipv4.ip_forward=1'], paths, loc)).toThrow(/'sysctl': not a traffic command/);
  });

  it('runs ip, bridge and brctl only in their show forms (inspect-forms.ts)', () => {
    expect(prepareTrafficCommand(['ip', 'addr'], paths, loc)).toEqual({ argv: ['ip', 'addr'] });
    expect(prepareTrafficCommand(['bridge', 'fdb', 'show'], paths, loc)).toEqual({ argv: ['bridge', 'fdb', 'show'] });
    expect(() => prepareTrafficCommand(['ip', 'route', 'add', 'default', 'via', '10.0.0.1'], paths, loc)).toThrow(/'add': traffic steps may only show state with ip/);
    expect(() => prepareTrafficCommand(['ip', '-n', 'other', 'link'], paths, loc)).toThrow(/'-n': traffic steps may only show state with ip/);
  });
});

describe('markOutgoing', () => {
  it('marks the frames of the full capture that the outgoing capture holds, in order', () => {
    const f = (n: number): Uint8Array => Uint8Array.of(n, n);
    expect(markOutgoing([f(1), f(2), f(3), f(4)], [f(1), f(4)])).toEqual(['out', 'in', 'in', 'out']);
  });
});
