/**
 * Checking a scenario's `expect:` list against a run's results (simulated
 * or kernel): step exit codes and output, what a wire end saw or never saw
 * (tcpdump filters), rule counters, and DHCP leases.
 *
 * `lease:` / `no-lease:` name the node whose dnsmasq lease file is read:
 * `lease: IP` (and `mac:`) holds when a lease line has that address (and
 * MAC); `no-lease: true` holds when the file has no lease (for `mac:` when
 * given).
 */
import type { Expectation, Scenario } from '../config/scenario-types.js';
import type { RunResults } from '../sim/results.js';
import { compileFilter } from '../trace/filter.js';

export interface ExpectOutcome {
  /** 1-based position in `expect:` */
  index: number;
  ok: boolean;
  /** what was checked, in one line */
  what: string;
  /** what was found when it failed */
  found: string;
  /** the scenario's `pass:` or `fail:` message */
  message?: string;
}

export function checkExpectations(sc: Scenario, r: RunResults): ExpectOutcome[] {
  return sc.expect.map((e) => {
    const [ok, what, found] = checkOne(e, r);
    const o: ExpectOutcome = { index: e.index, ok, what, found };
    const msg = ok ? e.pass : e.fail;
    if (msg !== undefined) o.message = msg;
    return o;
  });
}

function checkOne(e: Expectation, r: RunResults): [boolean, string, string] {
  switch (e.kind) {
    case 'step': {
      const s = r.steps.find((x) => x.step === e.step);
      const parts: string[] = [];
      if (e.exit !== undefined) parts.push(`exit ${e.exit}`);
      if (e.output !== undefined) parts.push(`output /${e.output}/`);
      const what = `step ${e.step}: ${parts.join(', ')}`;
      if (s === undefined) return [false, what, 'no such step ran'];
      const problems: string[] = [];
      if (e.exit !== undefined && s.exit !== e.exit) problems.push(`exit ${s.exit}`);
      if (e.output !== undefined && !new RegExp(e.output, 'm').test(s.output)) problems.push(`output was:\n${s.output}`);
      return [problems.length === 0, what, problems.join('; ')];
    }
    case 'wire': {
      const frames = r.captures.get(e.node)?.get(e.iface) ?? [];
      const filter = (e.saw ?? e.never)!;
      const pred = compileFilter(filter);
      const n = frames.filter((f) => pred(f.data)).length;
      if (e.saw !== undefined) return [n > 0, `${e.node}:${e.iface} saw '${filter}'`, `none of ${frames.length} frames matched`];
      return [n === 0, `${e.node}:${e.iface} never '${filter}'`, `${n} of ${frames.length} frames matched`];
    }
    case 'counter': {
      const what = `${e.node}: counter of '${e.counter}'${e.packets !== undefined ? ` packets ${e.packets}` : ''}${e.bytes !== undefined ? ` bytes ${e.bytes}` : ''}`;
      const c = findCounter(r.iptablesSave.get(e.node) ?? '', e.counter);
      if (c === null) return [false, what, 'no such rule'];
      const ok = (e.packets === undefined || c.packets === e.packets) && (e.bytes === undefined || c.bytes === e.bytes);
      return [ok, what, `packets ${c.packets} bytes ${c.bytes}`];
    }
    case 'lease': {
      const lines = (r.leases.get(e.node) ?? '').split('\n').filter((l) => l.trim() !== '').map((l) => l.split(' '));
      const macOk = (l: string[]) => e.mac === undefined || l[1]?.toLowerCase() === e.mac.toLowerCase();
      if (e.noLease) {
        const n = lines.filter(macOk).length;
        return [n === 0, `${e.node}: no lease${e.mac ? ` for ${e.mac}` : ''}`, `${n} lease(s): ${lines.map((l) => l.slice(1, 3).join(' ')).join(', ')}`];
      }
      const hit = lines.some((l) => l[2] === e.lease && macOk(l));
      return [hit, `${e.node}: lease ${e.lease}${e.mac ? ` for ${e.mac}` : ''}`, lines.length === 0 ? 'no leases' : `leases: ${lines.map((l) => l.slice(1, 3).join(' ')).join(', ')}`];
    }
  }
}

/** the `[p:b]` of a rule, given as `iptables [-t T] -S` prints it, in `iptables-save -c` text */
export function findCounter(save: string, rule: string): { packets: number; bytes: number } | null {
  let table = 'filter';
  let text = rule.trim();
  const m = /^-t\s+(\S+)\s+(.*)$/.exec(text);
  if (m) {
    table = m[1]!;
    text = m[2]!;
  }
  let current = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) current = line.slice(1).trim();
    if (current !== table) continue;
    const c = /^\[(\d+):(\d+)\] (.*)$/.exec(line);
    if (c && c[3]!.trim() === text) return { packets: Number(c[1]), bytes: Number(c[2]) };
  }
  return null;
}
