/**
 * `bridge link set` and `brctl hairpin`: the port flags they set and the
 * messages and exit codes iproute2 6.1 and bridge-utils give (measured in
 * network namespaces).
 */
import { describe, expect, it } from 'vitest';
import { BR_PORT_DEFAULT_FLAGS, BrPortFlag } from '../../model/bridge.js';
import type { Host } from '../../model/host.js';
import { runBrctl } from './brctl.js';
import { runBridge } from './bridge.js';
import { bridgedHost } from './test-bridge.js';

/** host a with br0 over eth0; eth1 is no port */
const bridged = (): Host => bridgedHost(['eth0']);

const bridge = (h: Host, line: string) => runBridge(h, line.split(' '));
const flags = (h: Host) => h.ifaceByName('eth0')!.brportFlags;

describe('bridge link set', () => {
  it('sets and clears the port flags it names, all at once, the last word for a flag winning', () => {
    const a = bridged();
    expect(bridge(a, 'bridge link set dev eth0 hairpin on learning off flood off isolated on mcast_flood off bcast_flood off').exit).toBe(0);
    expect(flags(a)).toBe(BrPortFlag.HAIRPIN_MODE | BrPortFlag.ISOLATED);
    expect(bridge(a, 'bridge link set dev eth0 learning on hairpin off hairpin on').exit).toBe(0);
    expect(flags(a)).toBe(BrPortFlag.HAIRPIN_MODE | BrPortFlag.ISOLATED | BrPortFlag.LEARNING);
  });

  it('refuses a value other than on or off with parse_on_off()\'s message and exit 234', () => {
    const a = bridged();
    expect(bridge(a, 'bridge link set dev eth0 hairpin ON')).toEqual({ exit: 234, stdout: '', stderr: 'Error: argument of "hairpin" must be one of "off", "on", not "ON"\n' });
    expect(bridge(a, 'bridge link set dev eth0 flood').exit).toBe(255);
    expect(flags(a)).toBe(BR_PORT_DEFAULT_FLAGS);
  });

  it('needs a device that is a bridge port', () => {
    const a = bridged();
    expect(bridge(a, 'bridge link set hairpin on')).toEqual({ exit: 255, stdout: '', stderr: 'Device is a required argument.\n' });
    expect(bridge(a, 'bridge link set dev vX hairpin on')).toEqual({ exit: 255, stdout: '', stderr: 'Cannot find bridge device "vX"\n' });
    expect(bridge(a, 'bridge link set dev eth1 hairpin on')).toEqual({ exit: 255, stdout: '', stderr: 'RTNETLINK answers: Operation not supported\n' });
    expect(bridge(a, 'bridge link set dev br0 hairpin on').exit).toBe(255);
  });

  it('prints its usage for an unknown word and refuses the options natlab does not model, naming them', () => {
    const a = bridged();
    const r = bridge(a, 'bridge link set dev eth0 foo on');
    expect(r.exit).toBe(255);
    expect(r.stderr).toMatch(/^Usage: bridge link set dev DEV/);
    const n = bridge(a, 'bridge link set dev eth0 cost 5');
    expect(n.exit).toBe(1);
    expect(n.stderr).toContain('"bridge link set ... cost" is not modelled');
  });
});

describe('brctl hairpin', () => {
  it('turns hairpin mode on with on/yes/1 and off with off/no/0', () => {
    const a = bridged();
    expect(runBrctl(a, ['brctl', 'hairpin', 'br0', 'eth0', 'yes']).exit).toBe(0);
    expect(flags(a) & BrPortFlag.HAIRPIN_MODE).not.toBe(0);
    expect(runBrctl(a, ['brctl', 'hairpin', 'br0', 'eth0', '0']).exit).toBe(0);
    expect(flags(a)).toBe(BR_PORT_DEFAULT_FLAGS);
  });

  it('names a missing bridge, a device that is not its port, and a bad mode', () => {
    const a = bridged();
    expect(runBrctl(a, ['brctl', 'hairpin', 'brX', 'eth0', 'on'])).toEqual({ exit: 1, stdout: '', stderr: 'bridge brX does not exist!\n' });
    expect(runBrctl(a, ['brctl', 'hairpin', 'br0', 'eth1', 'on'])).toEqual({ exit: 1, stdout: '', stderr: "can't set eth1 to hairpin on bridge br0: No such file or directory\n" });
    expect(runBrctl(a, ['brctl', 'hairpin', 'br0', 'eth0', 'maybe'])).toEqual({ exit: 1, stdout: '', stderr: 'expect on/off for argument\n' });
    expect(runBrctl(a, ['brctl', 'hairpin', 'br0', 'eth0']).exit).toBe(1);
  });
});

describe('brctl hairpin through sysfs', () => {
  it('sets the port\'s flag whatever existing device is named as the bridge, as the brport path does not involve it', () => {
    const a = bridged();
    expect(runBrctl(a, ['brctl', 'hairpin', 'eth1', 'eth0', 'on']).exit).toBe(0);
    expect(flags(a) & BrPortFlag.HAIRPIN_MODE).not.toBe(0);
  });
});
