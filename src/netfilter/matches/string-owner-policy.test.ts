import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { NfHook } from '../../model/nf-seam.js';
import { SK_KERNEL, SK_ROOT } from '../../model/skb.js';
import { icmpFrame, skbOf, tcpFrame, TestHost, TH, udpFrame } from '../conntrack/test-frames.js';
import { IptablesState } from '../tables/state.js';
import type { MatchInst } from '../tables/types.js';
import type { XtContext } from '../xt-context.js';

/** the last match of a rule appended to `chain` */
function matchOf(chain: string, rule: string, table = 'filter'): MatchInst {
  const st = new IptablesState();
  const r = runIptables(st, ['-t', table, '-A', chain, ...rule.split(' ')], { node: 't' });
  expect(r).toMatchObject({ exit: 0 });
  return st.tables[table as 'filter'].chains.get(chain)!.rules[0]!.matches.at(-1)!;
}
const ctx = { host: new TestHost(), hook: NfHook.LOCAL_OUT, inDev: null, outDev: null, table: 'filter' } as unknown as XtContext;
const run = (m: MatchInst, skb: ReturnType<typeof skbOf>): boolean => m.spec.match(m.data, skb, ctx);

/** a TCP segment carrying `text` */
function withPayload(text: string): ReturnType<typeof skbOf> {
  const bytes = new TextEncoder().encode(text);
  const skb = skbOf(tcpFrame('192.0.2.7', '10.0.0.1', 40000, 80, TH.ACK | TH.PSH, 1000, 1, bytes.length));
  skb.data.set(bytes, skb.l3 + 40);
  return skb;
}

describe('-m string (xt_string.c over skb_find_text)', () => {
  it('finds the pattern anywhere from the IP header, with bm and kmp alike', () => {
    expect(run(matchOf('INPUT', '-m string --algo bm --string GET'), withPayload('GET /admin HTTP/1.1'))).toBe(true);
    expect(run(matchOf('INPUT', '-m string --algo kmp --string admin'), withPayload('GET /admin'))).toBe(true);
    expect(run(matchOf('INPUT', '-m string --algo bm --string admin'), withPayload('GET /index'))).toBe(false);
  });

  it('needs the whole match between --from and --to (offsets from the IP header)', () => {
    // the payload starts at offset 40 (20 IP + 20 TCP)
    expect(run(matchOf('INPUT', '-m string --algo bm --string GET --from 40 --to 43'), withPayload('GET /'))).toBe(true);
    expect(run(matchOf('INPUT', '-m string --algo bm --string GET --from 41'), withPayload('GET /'))).toBe(false);
    expect(run(matchOf('INPUT', '-m string --algo bm --string GET --to 42'), withPayload('GET /'))).toBe(false);
  });

  it('--icase ignores ASCII case; --hex-string gives bytes; ! inverts', () => {
    expect(run(matchOf('INPUT', '-m string --algo bm --string get --icase'), withPayload('GET /'))).toBe(true);
    expect(run(matchOf('INPUT', '-m string --algo bm --string get'), withPayload('GET /'))).toBe(false);
    expect(run(matchOf('INPUT', '-m string --algo bm --hex-string |2f61|'), withPayload('GET /a'))).toBe(true);
    expect(run(matchOf('INPUT', '-m string --algo bm ! --string GET'), withPayload('GET /'))).toBe(false);
  });

  it('refuses an unknown algorithm as the kernel does (ENOENT)', () => {
    const r = runIptables(new IptablesState(), '-A INPUT -m string --algo xyz --string a'.split(' '), { node: 't' });
    expect(r.stderr).toContain('RULE_APPEND failed (No such file or directory)');
  });
});

describe('-m owner (xt_owner.c): natlab programs run as uid 0, gid 0', () => {
  const ping = (): ReturnType<typeof skbOf> => {
    const s = skbOf(icmpFrame('10.0.0.1', '10.0.0.2', 8, 0, 1));
    s.fromLocal = true;
    s.sk = SK_ROOT;
    return s;
  };
  it('matches a program\'s packets by uid and gid, and inverted ranges', () => {
    expect(run(matchOf('OUTPUT', '-m owner --uid-owner root'), ping())).toBe(true);
    expect(run(matchOf('OUTPUT', '-m owner --uid-owner 1000-2000'), ping())).toBe(false);
    expect(run(matchOf('OUTPUT', '-m owner ! --uid-owner 1000'), ping())).toBe(true);
    expect(run(matchOf('OUTPUT', '-m owner --gid-owner 0 --socket-exists'), ping())).toBe(true);
  });
  it('sees no socket on forwarded packets', () => {
    const fwd = skbOf(udpFrame('192.0.2.7', '10.0.0.2', 1, 2));
    expect(run(matchOf('OUTPUT', '-m owner --socket-exists'), fwd)).toBe(false);
    expect(run(matchOf('OUTPUT', '-m owner ! --socket-exists'), fwd)).toBe(true);
    expect(run(matchOf('OUTPUT', '-m owner --uid-owner 0'), fwd)).toBe(false);
  });
  it('sees a socket without owner on the kernel\'s ICMP replies and RSTs (its control sockets)', () => {
    const reply = skbOf(icmpFrame('10.0.0.1', '10.0.0.2', 0, 0, 1));
    reply.fromLocal = true;
    reply.sk = SK_KERNEL;
    const rst = skbOf(tcpFrame('10.0.0.1', '10.0.0.2', 1, 2, TH.RST | TH.ACK));
    rst.fromLocal = true;
    rst.sk = SK_KERNEL;
    for (const s of [reply, rst]) {
      expect(run(matchOf('OUTPUT', '-m owner --socket-exists'), s)).toBe(true);
      expect(run(matchOf('OUTPUT', '-m owner ! --socket-exists'), s)).toBe(false);
      expect(run(matchOf('OUTPUT', '-m owner --uid-owner 0'), s)).toBe(false);
      expect(run(matchOf('OUTPUT', '-m owner ! --uid-owner 0'), s)).toBe(true);
    }
  });
  it('is refused in INPUT and FORWARD (EINVAL)', () => {
    expect(runIptables(new IptablesState(), '-A INPUT -m owner --uid-owner 0'.split(' '), { node: 't' }).exit).toBe(4);
  });
});

describe('-m policy and -m helper: no IPsec and no conntrack helpers are modelled', () => {
  const pkt = skbOf(udpFrame('192.0.2.7', '10.0.0.2', 1, 2));
  it('--pol none matches every packet, --pol ipsec none', () => {
    expect(run(matchOf('FORWARD', '-m policy --dir in --pol none'), pkt)).toBe(true);
    expect(run(matchOf('FORWARD', '-m policy --dir out --pol ipsec --strict --proto esp'), pkt)).toBe(false);
  });
  it('refuses --dir out in INPUT and --dir in in OUTPUT (policy_mt_check())', () => {
    expect(runIptables(new IptablesState(), '-A INPUT -m policy --dir out --pol none'.split(' '), { node: 't' }).exit).toBe(4);
    expect(runIptables(new IptablesState(), '-A OUTPUT -m policy --dir in --pol none'.split(' '), { node: 't' }).exit).toBe(4);
  });
  it('--helper never matches (no connection has a master), ! --helper always does', () => {
    expect(run(matchOf('INPUT', '-m helper --helper ftp'), pkt)).toBe(false);
    expect(run(matchOf('INPUT', '-m helper ! --helper ftp'), pkt)).toBe(true);
  });
});

describe('-m iprange negations (iprange_mt4())', () => {
  const pkt = skbOf(udpFrame('10.0.0.3', '10.0.1.20', 1, 2));
  it('inverts each range on its own', () => {
    expect(run(matchOf('INPUT', '-m iprange ! --src-range 10.0.0.1-10.0.0.5'), pkt)).toBe(false);
    expect(run(matchOf('INPUT', '-m iprange --src-range 10.0.0.1-10.0.0.5 ! --dst-range 10.0.1.1-10.0.1.9'), pkt)).toBe(true);
    expect(run(matchOf('INPUT', '-m iprange ! --src-range 10.0.0.1-10.0.0.5 ! --dst-range 10.0.1.1-10.0.1.9'), pkt)).toBe(false);
  });
});
