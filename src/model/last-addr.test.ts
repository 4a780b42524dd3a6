import { describe, expect, it } from 'vitest';
import { runIp } from '../config/commands/ip.js';
import { TestNet, ip } from './testnet.js';

describe('deleting the last address of a device (fib_disable_ip())', () => {
  function setup(): TestNet {
    const t = new TestNet();
    t.wire('a', 'eth0', 'b', 'eth0');
    t.addr('a', 'eth0', '10.9.0.1/24');
    t.addr('a', 'eth0', '10.9.0.5/24');
    const a = t.host('a');
    runIp(a, 'ip route add default via 10.9.0.2'.split(' '));
    runIp(a, 'ip neigh add 10.9.0.77 lladdr 02:00:00:00:00:77 dev eth0'.split(' '));
    return t;
  }
  const routesVia = (t: TestNet): number => t.host('a').fib.table('main').filter((r) => r.dev?.name === 'eth0').length + t.host('a').fib.table('local').filter((r) => r.dev?.name === 'eth0').length;

  it('flushes every route and every neighbour (permanent too) through it once no address is left', () => {
    const t = setup();
    const a = t.host('a');
    const dev = a.ifaceByName('eth0')!;
    a.delAddr(dev, dev.addrs.find((x) => x.addr === ip('10.9.0.5'))!);
    // one address left: the static default route and the permanent neighbour stay
    expect(a.fib.table('main').some((r) => r.prefixLen === 0)).toBe(true);
    expect(a.neigh.all().map((n) => n.ip)).toEqual([ip('10.9.0.77')]);
    a.delAddr(dev, dev.addrs[0]!);
    expect(routesVia(t)).toBe(0);
    expect(a.neigh.all()).toEqual([]);
  });

  it('does the same for `ip addr flush dev`', () => {
    const t = setup();
    expect(runIp(t.host('a'), 'ip addr flush dev eth0'.split(' ')).exit).toBe(0);
    expect(routesVia(t)).toBe(0);
    expect(t.host('a').neigh.all()).toEqual([]);
  });
});
