/**
 * The request (SYN-RECV) timer against the kernel, found by natlab fuzz
 * (seeds 62 and 66): the SYN and SYN-ACK timers run on the timer wheel,
 * so a client's and a server's 1 s timers armed in one jiffy run in one
 * tick, the server's before the retransmitted SYN is received; and a
 * SYN-ACK retransmission that cannot be sent drops the request, as
 * reqsk_timer_handler() does when inet_rtx_syn_ack() fails.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../../sim/simulate.js';
import type { RunResults } from '../../sim/results.js';

function run(aRules: string, bRules: string): RunResults {
  const yaml = `name: t
nodes:
  a:
    run: |
      ip addr add 10.1.0.10/24 dev eth0
${aRules ? `      ${aRules}\n` : ''}  b:
    run: |
      ip addr add 10.1.0.20/24 dev eth0
${bRules ? `      ${bRules}\n` : ''}links:
  - a:eth0 b:eth0
traffic:
  - b: nc -l 80 &
  - a: sleep 0.2
  - a: nc -v -n -z -w 2 10.1.0.20 80
`;
  return simulate(loadScenario(yaml, 't.yaml', ''), { trace: false });
}

/** the TCP frames b's wire end saw: 'S' for a SYN, 'S.' for a SYN-ACK, with their time in ms */
function tcpFrames(r: RunResults): { f: string; ms: number }[] {
  const out: { f: string; ms: number }[] = [];
  for (const fr of r.captures.get('b')!.get('eth0')!) {
    const d = fr.data;
    if (d[12] !== 0x08 || d[13] !== 0x00 || d[23] !== 6) continue;
    const flags = d[14 + 20 + 13]!;
    out.push({ f: (flags & 0x12) === 0x12 ? 'S.' : (flags & 0x02) !== 0 ? 'S' : String(flags), ms: Math.round(fr.t / 1e6) });
  }
  return out;
}

function counter(r: RunResults, node: string, rule: string): string {
  return r.iptablesSave.get(node)!.split('\n').find((l) => l.endsWith(rule))!.split(' ')[0]!;
}

describe('the SYN-ACK retransmission timer', () => {
  it('runs in the same timer-wheel tick as the client\'s SYN timer, before the retransmitted SYN arrives', () => {
    const r = run('iptables -A INPUT -p tcp -j DROP', '');
    const frames = tcpFrames(r);
    expect(frames.map((x) => x.f)).toEqual(['S', 'S.', 'S.', 'S', 'S.']);
    // both 1 s timers armed at 0.2 s run at the 8-jiffy edge after jiffy 300: 1.216 s
    expect(frames.slice(2).map((x) => x.ms)).toEqual([1216, 1216, 1216]);
    expect(counter(r, 'a', '-A INPUT -p tcp -j DROP')).toBe('[3:180]');
  });

  it('drops the request when its retransmitted SYN-ACK cannot be sent, and the next SYN makes a new one', () => {
    const r = run('', 'iptables -A OUTPUT -p tcp -j DROP');
    // SYN-ACK at the SYN (error ignored), the timer's (fails: request dropped), the new request's
    // to the retransmitted SYN, and its timer's 1 s later (fails: dropped); no timer pushed back
    expect(counter(r, 'b', '-A OUTPUT -p tcp -j DROP')).toBe('[4:240]');
    expect(tcpFrames(r).map((x) => x.f)).toEqual(['S', 'S']);
  });

  it('pushes the request timer back by 2 s when the SYN-ACK to a retransmitted SYN was sent', () => {
    const r = run('iptables -A INPUT -p tcp -j DROP', '');
    // nc -w 2 gives up at 2.2 s: the pushed-back timer (3.2 s) has not run by the end
    expect(tcpFrames(r).filter((x) => x.f === 'S.').length).toBe(3);
    expect(r.steps[2]!.exit).toBe(1);
  });
});
