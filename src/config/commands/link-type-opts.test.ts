/**
 * `ip link set DEV type bridge|bridge_slave OPTS` on existing devices: what
 * changes, and the messages and exit codes iproute2 6.1 and the kernel give
 * (measured in network namespaces).
 */
import { describe, expect, it } from 'vitest';
import { BR_PORT_DEFAULT_FLAGS, BrPortFlag } from '../../model/bridge.js';
import type { Host } from '../../model/host.js';
import { NS_PER_S } from '../../sim/queue.js';
import { parseMac } from '../../wire/mac.js';
import { bridgedHost } from './test-bridge.js';
import { runIp } from './ip.js';

/** host a with br0 over eth0; eth1 is no port */
const bridged = (): Host => bridgedHost(['eth0']);

const ip = (h: Host, line: string) => runIp(h, line.split(' '));
const flags = (h: Host) => h.ifaceByName('eth0')!.brportFlags;
const mac = (n: number) => parseMac(`02:00:00:00:03:0${n}`)!;

describe('ip link set DEV type bridge_slave', () => {
  it('sets and clears the port flags it names, the last word for a flag winning', () => {
    const a = bridged();
    expect(ip(a, 'ip link set eth0 type bridge_slave learning off flood off hairpin on isolated on').exit).toBe(0);
    expect(flags(a)).toBe(BrPortFlag.HAIRPIN_MODE | BrPortFlag.ISOLATED | BrPortFlag.MCAST_FLOOD | BrPortFlag.BCAST_FLOOD);
    expect(ip(a, 'ip link set dev eth0 type bridge_slave mcast_flood off bcast_flood off learning on hairpin off hairpin on').exit).toBe(0);
    expect(flags(a)).toBe(BrPortFlag.HAIRPIN_MODE | BrPortFlag.ISOLATED | BrPortFlag.LEARNING);
  });

  it('applies the flags before the rest of do_setlink(): an MTU out of range fails the command but the flags changed', () => {
    const a = bridged();
    expect(ip(a, 'ip link set eth0 mtu 99999 type bridge_slave learning off')).toEqual({ exit: 2, stdout: '', stderr: 'Error: mtu greater than device maximum.\n' });
    expect(flags(a)).toBe(BR_PORT_DEFAULT_FLAGS & ~BrPortFlag.LEARNING);
  });

  it('fdb_flush forgets the addresses learnt behind that port only', () => {
    const a = bridged();
    ip(a, 'ip link set eth1 master br0');
    const br = a.ifaceByName('br0')!.bridge!;
    br.learn(mac(1), 0, a.ifaceByName('eth0')!, 0);
    br.learn(mac(2), 0, a.ifaceByName('eth1')!, 0);
    expect(ip(a, 'ip link set eth0 type bridge_slave fdb_flush').exit).toBe(0);
    expect(br.find(mac(1), 0, 0)).toBeUndefined();
    expect(br.find(mac(2), 0, 0)?.port?.name).toBe('eth1');
    expect(br.find(a.ifaceByName('eth0')!.mac, 0, 0)?.local).toBe(true);
  });

  it('answers bad lines as iproute2 and the kernel do', () => {
    const a = bridged();
    const usage = expect.stringMatching(/^bridge_slave: unknown option "foo"\?\nUsage: \.\.\. bridge_slave \[ fdb_flush \]\n/);
    expect(ip(a, 'ip link set eth0 type bridge_slave learning maybe')).toEqual({ exit: 1, stdout: '', stderr: 'Error: argument of "learning" must be one of "off", "on", not "maybe"\n' });
    expect(ip(a, 'ip link set eth0 type bridge_slave learning')).toEqual({ exit: 255, stdout: '', stderr: 'Command line is not complete. Try option "help"\n' });
    expect(ip(a, 'ip link set eth0 type bridge_slave foo on')).toEqual({ exit: 1, stdout: '', stderr: usage });
    // not a port: the device has no master whose slave_changelink could take the data
    expect(ip(a, 'ip link set eth1 type bridge_slave learning off')).toEqual({ exit: 2, stdout: '', stderr: 'RTNETLINK answers: Operation not supported\n' });
    expect(ip(a, 'ip link set br0 type bridge_slave learning off').exit).toBe(2);
    // the device is looked up before the options are parsed
    expect(ip(a, 'ip link set nonex type bridge_slave learning maybe')).toEqual({ exit: 1, stdout: '', stderr: 'Cannot find device "nonex"\n' });
    // without options nothing is sent to change
    expect(ip(a, 'ip link set eth1 type bridge_slave').exit).toBe(0);
    expect(flags(a)).toBe(BR_PORT_DEFAULT_FLAGS);
  });

  it('refuses, naming it, a port option natlab does not model', () => {
    const a = bridged();
    expect(ip(a, 'ip link set eth0 type bridge_slave cost 5')).toEqual({ exit: 1, stdout: '', stderr: 'natlab: ip: bridge_slave option "cost" is not modelled\n' });
  });
});

describe('ip link set BRIDGE type bridge', () => {
  it('changes the ageing time (centiseconds) of a bridge that exists, for the entries already learnt too', () => {
    const a = bridged();
    const br = a.ifaceByName('br0')!.bridge!;
    br.learn(mac(1), 0, a.ifaceByName('eth0')!, 0);
    expect(br.find(mac(1), 0, 2 * NS_PER_S)).toBeDefined();
    expect(ip(a, 'ip link set br0 type bridge ageing_time 100').exit).toBe(0);
    expect(br.ageingTime).toBe(NS_PER_S);
    expect(br.find(mac(1), 0, 2 * NS_PER_S)).toBeUndefined();
  });

  it('fdb_flush forgets every learnt address, not the local ones', () => {
    const a = bridged();
    const br = a.ifaceByName('br0')!.bridge!;
    br.learn(mac(1), 0, a.ifaceByName('eth0')!, 0);
    expect(ip(a, 'ip link set br0 type bridge fdb_flush').exit).toBe(0);
    expect(br.find(mac(1), 0, 0)).toBeUndefined();
    expect(br.find(a.ifaceByName('eth0')!.mac, 0, 0)?.local).toBe(true);
  });

  it('answers bad lines as iproute2 and the kernel do', () => {
    const a = bridged();
    expect(ip(a, 'ip link set br0 type bridge ageing_time x')).toEqual({ exit: 255, stdout: '', stderr: 'Error: argument "x" is wrong: invalid ageing_time\n' });
    expect(ip(a, 'ip link set br0 type bridge foo 1')).toEqual({ exit: 1, stdout: '', stderr: expect.stringMatching(/^bridge: unknown command "foo"\?\nUsage: \.\.\. bridge \[ fdb_flush \]\n/) });
    expect(ip(a, 'ip link set eth1 type bridge ageing_time 10')).toEqual({ exit: 2, stdout: '', stderr: 'RTNETLINK answers: Operation not supported\n' });
    expect(ip(a, 'ip link set br0 type bridge nf_call_iptables 1')).toEqual({ exit: 1, stdout: '', stderr: 'natlab: ip: bridge option "nf_call_iptables" is not modelled\n' });
  });
});
