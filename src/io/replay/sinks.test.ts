import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HopEvent } from '../../trace/events.js';
import { JsonlTraceWriter } from './sinks.js';

describe('trace.jsonl', () => {
  it('writes one event per line, numbered from 0 with seq first, as JSON.stringify of the numbered event', () => {
    const dir = mkdtempSync(join(tmpdir(), 'natlab-sinks-'));
    try {
      const path = join(dir, 'trace.jsonl');
      const w = new JsonlTraceWriter(path);
      const events: Omit<HopEvent, 'seq'>[] = [
        { t: 0, node: 'router', kind: 'rx', iface: 'lan0', pkt: 1, summary: 'a "quoted" \\ line' },
        { t: 10_000, node: 'server', kind: 'drop', pkt: 1, reason: 'ip: not for this host', detail: undefined },
        { t: 20_000, node: 'router', kind: 'chain', pkt: 2, hook: 'FORWARD', table: 'filter', chain: 'FORWARD', verdict: 'ACCEPT', policy: true },
      ];
      for (const e of events) w.emit(e);
      w.close();
      const want = events.map((e, seq) => JSON.stringify({ seq, ...e }) + '\n').join('');
      expect(readFileSync(path, 'utf8')).toBe(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
