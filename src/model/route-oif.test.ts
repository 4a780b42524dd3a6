import { describe, expect, it } from 'vitest';
import { TestNet, ip } from './testnet.js';

/** h: left 10.1.0.10/24, right 10.2.0.10/24 */
function twoSubnets(): TestNet {
  const t = new TestNet();
  t.wire('h', 'left', 'a', 'eth0');
  t.wire('h', 'right', 'b', 'eth0');
  t.addr('h', 'left', '10.1.0.10/24');
  t.addr('h', 'right', '10.2.0.10/24');
  return t;
}

describe('output routing bound to a device (SO_BINDTODEVICE, ping -I DEV)', () => {
  it('uses the matching route through that device', () => {
    const h = twoSubnets().host('h');
    const rt = h.routeOutput(ip('10.1.0.20'), 0, h.ifaceByName('left')!);
    expect(rt.kind).toBe('unicast');
    expect(rt.dev?.name).toBe('left');
    expect(rt.prefsrc).toBe(ip('10.1.0.10'));
  });

  it('assumes the destination is on link when no route goes through the device, with the device address as source', () => {
    const h = twoSubnets().host('h');
    const rt = h.routeOutput(ip('10.1.0.20'), 0, h.ifaceByName('right')!);
    expect(rt.kind).toBe('unicast');
    expect(rt.dev?.name).toBe('right');
    expect(rt.gateway).toBe(0);
    expect(rt.nexthop).toBe(ip('10.1.0.20'));
    expect(rt.prefsrc).toBe(ip('10.2.0.10'));
  });

  it('is unreachable through a device that is down', () => {
    const t = twoSubnets();
    const h = t.host('h');
    const right = h.ifaceByName('right')!;
    h.setUp(right, false);
    expect(h.routeOutput(ip('10.1.0.20'), 0, right).dev).toBeNull();
  });

  it('without a device, a destination no route covers stays unreachable', () => {
    const h = twoSubnets().host('h');
    expect(h.routeOutput(ip('10.7.0.1'), 0, null).kind).toBe('unreachable');
  });

  it('does not take another device\'s address as local: it leaves by the bound device (fib_table_lookup() skips the local route through the other one, measured)', () => {
    const h = twoSubnets().host('h');
    const other = h.routeOutput(ip('10.2.0.10'), 0, h.ifaceByName('left')!);
    expect(other.kind).toBe('unicast');
    expect(other.dev?.name).toBe('left');
    expect(other.prefsrc).toBe(ip('10.1.0.10'));
    // its own address, bound to its own device, is local (by lo)
    const own = h.routeOutput(ip('10.1.0.10'), 0, h.ifaceByName('left')!);
    expect(own.kind).toBe('local');
    expect(h.routeOutput(ip('10.2.0.10'), 0, null).kind).toBe('local');
  });
});
