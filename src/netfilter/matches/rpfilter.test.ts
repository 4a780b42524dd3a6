import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import type { Iface } from '../../model/iface.js';
import { NfHook } from '../../model/nf-seam.js';
import { makeRoute, type Route } from '../../model/route.js';
import { parseIp4 } from '../../wire/ip4.js';
import { icmpFrame, skbOf, TestHost, udpFrame } from '../conntrack/test-frames.js';
import { IptablesState } from '../tables/state.js';
import type { MatchInst } from '../tables/types.js';
import type { XtContext } from '../xt-context.js';

const ip = (s: string): number => parseIp4(s)!;

/** a router: left 10.1.0.1/24, right 10.2.0.1/24, 10.3.0.0/16 via the right, a blackhole for 10.4.0.0/16 */
class Router extends TestHost {
  readonly left = this.addIface('left', 2, '10.1.0.1');
  readonly right = this.addIface('right', 3, '10.2.0.1');
  readonly lo = this.addIface('lo', 1, '');
  private readonly routes: Route[] = [
    makeRoute({ table: 'local', type: 'local', dst: ip('10.1.0.1'), prefixLen: 32, dev: this.left }),
    makeRoute({ table: 'local', type: 'local', dst: ip('10.2.0.1'), prefixLen: 32, dev: this.right }),
    makeRoute({ table: 'local', type: 'broadcast', dst: ip('10.1.0.255'), prefixLen: 32, dev: this.left }),
    makeRoute({ dst: ip('10.1.0.0'), prefixLen: 24, dev: this.left }),
    makeRoute({ dst: ip('10.2.0.0'), prefixLen: 24, dev: this.right }),
    makeRoute({ dst: ip('10.3.0.0'), prefixLen: 16, gateway: ip('10.2.0.9'), dev: this.right }),
    makeRoute({ type: 'blackhole', dst: ip('10.4.0.0'), prefixLen: 16 }),
  ];
  constructor() {
    super();
    (this.lo as { kind: string }).kind = 'loopback';
  }
  override fibLookup(dst: number): Route | null {
    return this.routes.find((r) => ((dst & r.mask) >>> 0) === r.dst) ?? null;
  }
}

/** the rule's rpfilter match, from `iptables -t TABLE -A PREROUTING RULE` */
function matchOf(rule: string, table = 'raw'): MatchInst {
  const st = new IptablesState();
  const r = runIptables(st, ['-t', table, '-A', 'PREROUTING', ...rule.split(' ')], { node: 't' });
  expect(r).toMatchObject({ exit: 0 });
  return st.tables[table as 'raw'].chains.get('PREROUTING')!.rules[0]!.matches[0]!;
}

const host = new Router();
/** whether a packet from `src` to `dst` arriving on `dev` matches `rule` */
function passes(rule: string, src: string, dst: string, dev: Iface): boolean {
  const m = matchOf(rule);
  const ctx = { host, hook: NfHook.PRE_ROUTING, inDev: dev, outDev: null, table: 'raw' } as unknown as XtContext;
  return m.spec.match(m.data, skbOf(icmpFrame(src, dst, 8, 0, 1)), ctx);
}

describe('-m rpfilter (ipt_rpfilter.c): the route back to the source', () => {
  it('strict: the route back must leave by the device the packet came in on', () => {
    expect(passes('-m rpfilter', '10.1.0.10', '10.1.0.1', host.left)).toBe(true);
    expect(passes('-m rpfilter', '10.2.0.10', '10.1.0.1', host.left)).toBe(false);
    // through a gateway: the nexthop's device counts
    expect(passes('-m rpfilter', '10.3.7.7', '10.1.0.1', host.right)).toBe(true);
  });

  it('--loose: any unicast route back will do; no route, or a blackhole, fails both', () => {
    expect(passes('-m rpfilter --loose', '10.2.0.10', '10.1.0.1', host.left)).toBe(true);
    expect(passes('-m rpfilter --loose', '10.9.0.5', '10.1.0.1', host.left)).toBe(false);
    expect(passes('-m rpfilter --loose', '10.4.0.5', '10.1.0.1', host.left)).toBe(false);
    // a broadcast address as the source is no unicast route
    expect(passes('-m rpfilter --loose', '10.1.0.255', '10.1.0.1', host.left)).toBe(false);
  });

  it('--accept-local: a source that is one of our addresses, still on its own device unless --loose', () => {
    expect(passes('-m rpfilter', '10.1.0.1', '10.1.0.1', host.left)).toBe(false);
    expect(passes('-m rpfilter --accept-local', '10.1.0.1', '10.1.0.1', host.left)).toBe(true);
    expect(passes('-m rpfilter --accept-local', '10.2.0.1', '10.1.0.1', host.left)).toBe(false);
    expect(passes('-m rpfilter --loose --accept-local', '10.2.0.1', '10.1.0.1', host.left)).toBe(true);
  });

  it('passes the loopback device, and 0.0.0.0 to the limited broadcast or 224.0.0.0/24, whatever the routes', () => {
    expect(passes('-m rpfilter', '10.9.0.5', '10.1.0.1', host.lo)).toBe(true);
    expect(passes('-m rpfilter', '0.0.0.0', '255.255.255.255', host.left)).toBe(true);
    expect(passes('-m rpfilter', '0.0.0.0', '224.0.0.22', host.left)).toBe(true);
    expect(passes('-m rpfilter', '0.0.0.0', '10.1.0.1', host.left)).toBe(false);
    expect(passes('-m rpfilter', '0.0.0.0', '239.1.1.1', host.left)).toBe(false);
  });

  it('--invert turns every answer round, the fixed ones too', () => {
    expect(passes('-m rpfilter --invert', '10.2.0.10', '10.1.0.1', host.left)).toBe(true);
    expect(passes('-m rpfilter --invert', '10.1.0.10', '10.1.0.1', host.left)).toBe(false);
    expect(passes('-m rpfilter --invert', '10.9.0.5', '10.1.0.1', host.lo)).toBe(false);
    const m = matchOf('-m rpfilter --validmark --invert');
    const ctx = { host, hook: NfHook.PRE_ROUTING, inDev: host.left, outDev: null, table: 'raw' } as unknown as XtContext;
    expect(m.spec.match(m.data, skbOf(udpFrame('0.0.0.0', '255.255.255.255', 68, 67)), ctx)).toBe(false);
  });
});

describe('-m rpfilter on the command line (measured with iptables 1.8.9, nf_tables)', () => {
  const ipt = (st: IptablesState, cmd: string): ReturnType<typeof runIptables> => runIptables(st, cmd.split(' '), { node: 't' });

  it('saves and lists its flags in the order loose, validmark, accept-local, invert', () => {
    const st = new IptablesState();
    expect(ipt(st, '-t raw -A PREROUTING -m rpfilter --invert --accept-local --loose --validmark -j DROP').exit).toBe(0);
    expect(ipt(st, '-t raw -S PREROUTING').stdout).toBe('-P PREROUTING ACCEPT\n-A PREROUTING -m rpfilter --loose --validmark --accept-local --invert -j DROP\n');
    expect(ipt(st, '-t raw -L PREROUTING').stdout).toContain('DROP       all  --  anywhere             anywhere             rpfilter loose validmark accept-local invert\n');
  });

  it('only in PREROUTING of raw and mangle, a user chain reached from elsewhere included', () => {
    const st = new IptablesState();
    expect(ipt(st, '-t mangle -A PREROUTING -m rpfilter -j ACCEPT').exit).toBe(0);
    for (const [cmd, chain] of [
      ['-A INPUT -m rpfilter -j ACCEPT', 'INPUT'],
      ['-t mangle -A FORWARD -m rpfilter -j ACCEPT', 'FORWARD'],
      ['-t nat -A PREROUTING -m rpfilter -j ACCEPT', 'PREROUTING'],
      ['-t raw -A OUTPUT -m rpfilter -j ACCEPT', 'OUTPUT'],
    ]) {
      expect(ipt(st, cmd!)).toMatchObject({ exit: 4, stderr: `iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain ${chain}\n` });
    }
    expect(ipt(st, '-t mangle -N Y').exit).toBe(0);
    expect(ipt(st, '-t mangle -A Y -m rpfilter -j ACCEPT').exit).toBe(0);
    expect(ipt(st, '-t mangle -A INPUT -j Y')).toMatchObject({ exit: 4, stderr: 'iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT\n' });
  });

  it('its options take no "!" and come once each', () => {
    const st = new IptablesState();
    expect(ipt(st, '-t raw -A PREROUTING -m rpfilter ! --loose -j ACCEPT')).toMatchObject({
      exit: 2,
      stderr: 'iptables v1.8.9 (nf_tables): rpfilter: option "--loose" cannot be inverted.\n\nTry `iptables -h\' or \'iptables --help\' for more information.\n',
    });
    expect(ipt(st, '-t raw -A PREROUTING -m rpfilter --loose --loose -j ACCEPT')).toMatchObject({
      exit: 2,
      stderr: 'iptables v1.8.9 (nf_tables): rpfilter: option "--loose" can only be used once.\n\nTry `iptables -h\' or \'iptables --help\' for more information.\n',
    });
  });
});
