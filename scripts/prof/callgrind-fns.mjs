// Instructions per packet, per function, of a replay-router.mjs run:
// callgrind counts instructions (not time), so the figure does not move
// with the machine's load. Two runs of NA and NB packets; the difference
// divided by NB - NA cancels start-up and JIT warm-up. JIT-compiled
// functions are named from V8's --perf-basic-prof map.
//
//   npm run build && MODE=off node scripts/prof/callgrind-fns.mjs
//   NA=20000 NB=40000 TOP=40 MODE=record DIST=/other/dist node scripts/prof/callgrind-fns.mjs
//
// Needs valgrind (callgrind, callgrind_annotate). MODE=thread cannot be
// measured this way (V8 runs --single-threaded here): its worker's share is
// MODE=play's figure less MODE=record's (see replay-router.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const NA = Number(process.env.NA ?? 20000);
const NB = Number(process.env.NB ?? 40000);
const TOP = Number(process.env.TOP ?? 40);
if (process.env.MODE === 'thread') {
  console.error('MODE=thread needs a second thread; callgrind runs V8 single-threaded');
  process.exit(2);
}
const driver = join(dirname(fileURLToPath(import.meta.url)), 'replay-router.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'natlab-cg-'));

/** [start, size, name] of every JIT-compiled function in a perf map, sorted by start */
function readPerfMap(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [a, s, ...n] = l.split(' ');
      return [parseInt(a, 16), parseInt(s, 16), n.join(' ')];
    })
    .sort((x, y) => x[0] - y[0]);
}

function nameAt(ranges, addr) {
  let lo = 0;
  let hi = ranges.length - 1;
  let best = -1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (ranges[m][0] <= addr) {
      best = m;
      lo = m + 1;
    } else hi = m - 1;
  }
  return best >= 0 && addr < ranges[best][0] + ranges[best][1] ? ranges[best][2] : 'JIT (unnamed)';
}

/** instructions per function name in one run of `n` packets */
function profile(n) {
  const out = join(tmp, `cg-${n}`);
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', '--perf-basic-prof', '--no-incremental-marking', driver], {
    // in the temporary folder: V8 leaves isolate-*.log files in its working directory there
    env: { ...process.env, N: String(n), DIST: resolve(process.env.DIST ?? 'dist') },
    cwd: tmp,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(r.stderr || r.error?.message);
    process.exit(1);
  }
  const pid = /==(\d+)==/.exec(r.stderr)?.[1];
  const map = `/tmp/perf-${pid}.map`;
  const ranges = readPerfMap(map);
  rmSync(map, { force: true });
  const ann = execFileSync('callgrind_annotate', ['--threshold=100', out], { maxBuffer: 1 << 28 }).toString();
  const byName = new Map();
  for (const l of ann.split('\n')) {
    const m = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(l);
    if (m === null || m[2].startsWith('PROGRAM')) continue;
    const ir = Number(m[1].replace(/,/g, ''));
    const jit = /\?\?\?:0x([0-9a-f]+)/.exec(m[2]);
    const name = jit ? nameAt(ranges, parseInt(jit[1], 16)).replace(/file:\/\/\S*\/dist\//, '') : m[2].replace(/\s*\[.*\]$/, '').replace(/^.*:/, 'C:');
    byName.set(name, (byName.get(name) ?? 0) + ir);
  }
  return byName;
}

try {
  const a = profile(NA);
  const b = profile(NB);
  const rows = [];
  let total = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = ((b.get(k) ?? 0) - (a.get(k) ?? 0)) / (NB - NA);
    total += x;
    rows.push([x, k]);
  }
  rows.sort((p, q) => q[0] - p[0]);
  console.log(`MODE=${process.env.MODE ?? 'off'}: ${total.toFixed(0)} instructions per packet ((${NB} - ${NA} packets) difference)`);
  for (const [x, k] of rows.slice(0, TOP)) if (Math.abs(x) >= 2) console.log(x.toFixed(0).padStart(7), k);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
