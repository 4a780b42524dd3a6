import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rolldown } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// TIME_FIELD (queue.ts): a field that holds a virtual time starts as a
// double, so that the clock passing 2^31 ns (2.1 s) does not change its
// representation, deprecate its objects' map and throw away the optimised
// code that relied on it. V8's --trace-generalization names every field
// whose representation changes; scenarios run with their steps 3 s late
// must change none of the time fields.
const root = resolve(import.meta.dirname, '../..');
let tmp: string;
let script: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'natlab-timefield-'));
  const bundle = await rolldown({ input: join(root, 'src/sim/fixtures/time-fields-run.ts'), platform: 'node', resolve: { extensionAlias: { '.js': ['.js', '.ts'] } }, logLevel: 'warn' });
  const { output } = await bundle.generate({ format: 'cjs', codeSplitting: false });
  await bundle.close();
  script = join(tmp, 'run.cjs');
  writeFileSync(script, output[0].code);
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** the fields of natlab's classes that hold virtual times (ns) */
const TIME_FIELDS = ['at', 'nowNs', 'run', 'armed', 'timeout', 'streamTs', 'confirmed', 'used', 'updated', 'firstAt', 'lastAt', 'startAt', 'retransStamp', 'synSentAt', 'lastRcv'];

describe('time fields are doubles from the start', () => {
  it('no time field becomes a double when the clock passes 2^31 ns (bridge, neighbours, conntrack, TCP, timers, replay)', () => {
    const scenarios = ['bridged-server-ping', 'nf-masquerade', 'nf-dnat-port-forward', 'replay-port-forward', 'dhcp-basic'].map((n) => join(root, 'scenarios', `${n}.yaml`));
    // (Sparkplug off: with it this Node's V8 fails a check while tracing)
    const r = spawnSync(process.execPath, ['--no-sparkplug', '--trace-generalization', script, ...scenarios], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 28 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('=== end');
    // the trace works: fields holding addresses past 2^31 became doubles
    expect(r.stdout).toMatch(/^\[generalizing\](addr|dst|src):s\{[^}]*\}->d\{/m);
    const doubled = [...r.stdout.matchAll(/^\[generalizing\](\w+):s\{[^}]*\}->d\{[^\n]*? at ([^\n]*)\]$/gm)].map((m) => `${m[1]!} at ${m[2]!}`);
    expect(doubled.filter((f) => TIME_FIELDS.includes(f.split(' ')[0]!))).toEqual([]);
  }, 120_000);
});
