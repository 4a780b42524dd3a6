// Instructions per packet of each machine instruction of V8's optimised
// code, for a replay-router.mjs run: what callgrind-fns.mjs gives per
// function, down to the instruction, so a function's cost can be read
// against its code (map checks of a polymorphic object, a value boxed as
// a heap number, a call V8 did not inline). One run of N packets under
// callgrind with --dump-instr, and V8 printing every optimised function's
// code (--print-opt-code) in the same process, so the addresses agree.
// The counts are of the optimised code only, divided by N: what runs in
// the interpreter and baseline code (warm-up) does not show, and code
// optimised while the modules load shows as if per packet (URL, ~0.1).
//
//   npm run build && node scripts/prof/callgrind-asm.mjs          # the costliest functions,
//                                                                 # and every per-packet allocation
//   FN=iptDoTable MIN=0.5 node scripts/prof/callgrind-asm.mjs     # one function's code, annotated
//   N=40000 MODE=off DIST=/other/dist KEEP=/tmp/cg node scripts/prof/callgrind-asm.mjs
//
// KEEP=DIR keeps the callgrind output and the code listing there (FN= may
// then be run again on them with REUSE=DIR, without a new run). Needs
// valgrind; takes ~2 minutes for 40 000 packets.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.N ?? 40000);
const FN = process.env.FN ?? null;
const MIN = Number(process.env.MIN ?? 0.3);
const TOP = Number(process.env.TOP ?? 40);
if (process.env.MODE === 'thread') {
  console.error('MODE=thread needs a second thread; callgrind runs V8 single-threaded');
  process.exit(2);
}
const driver = join(dirname(fileURLToPath(import.meta.url)), 'replay-router.mjs');
const dir = process.env.REUSE ?? process.env.KEEP ?? mkdtempSync(join(tmpdir(), 'natlab-cgasm-'));
const cgFile = join(dir, 'callgrind.out');
const asmFile = join(dir, 'opt-code.txt');

if (process.env.REUSE === undefined) {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--dump-instr=yes', '--compress-pos=no', '--compress-strings=no', `--callgrind-out-file=${cgFile}`,
      process.execPath, '--single-threaded', '--no-incremental-marking', '--print-opt-code', '--code-comments', driver],
    {
      // in the folder: V8 leaves isolate-*.log files in its working directory
      env: { ...process.env, N: String(N), DIST: resolve(process.env.DIST ?? 'dist') },
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    },
  );
  if (r.status !== 0) {
    console.error(r.stderr || r.error?.message);
    process.exit(1);
  }
  writeFileSync(asmFile, r.stdout);
}

/** instructions executed per instruction address (self cost; a call's inclusive line, after `calls=`, skipped) */
function readCounts(file) {
  const counts = new Map();
  let skip = false;
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (l.startsWith('calls=')) {
      skip = true;
      continue;
    }
    if (skip) {
      skip = false;
      continue;
    }
    const m = /^0x([0-9a-f]+) \d+ (\d+)/.exec(l);
    if (m !== null) {
      const a = parseInt(m[1], 16);
      counts.set(a, (counts.get(a) ?? 0) + Number(m[2]));
    }
  }
  return counts;
}

/** every optimised code object V8 printed: its function's name and its lines (instructions with their address) */
function readCode(file) {
  const blocks = [];
  let cur = null;
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (l.startsWith('--- Optimized code ---')) {
      cur = { name: '?', lines: [] };
      blocks.push(cur);
      continue;
    }
    if (cur === null) continue;
    if (l.startsWith('--- End code')) {
      cur = null;
      continue;
    }
    const n = /^name = (\S+)/.exec(l);
    if (n !== null) cur.name = n[1];
    const m = /^0x([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+(.*)$/.exec(l);
    if (m !== null) cur.lines.push({ addr: parseInt(m[1], 16), text: l.trimEnd(), insn: m[2] });
    else if (l.includes(';;') || l.startsWith('Inlined functions') || /^ 0x[0-9a-f]+ <SharedFunctionInfo/.test(l)) cur.lines.push({ addr: -1, text: l.trimEnd(), insn: '' });
  }
  return blocks;
}

const counts = readCounts(cgFile);
const blocks = readCode(asmFile);
const per = (a) => (counts.get(a) ?? 0) / N;

if (FN === null) {
  const rows = blocks.map((b) => [b.lines.reduce((s, x) => s + (x.addr >= 0 ? per(x.addr) : 0), 0), b.name]).filter((r) => r[0] >= 1);
  rows.sort((p, q) => q[0] - p[0]);
  console.log(`instructions per packet of ${N} in optimised code: ${rows.reduce((s, r) => s + r[0], 0).toFixed(0)} (warm-up and C++ not included)`);
  for (const [x, name] of rows.slice(0, TOP)) console.log(x.toFixed(0).padStart(7), name);
  // an inline allocation writes the new-space top: a heap number or object made per packet
  console.log('\nallocations in optimised code, per packet (>= 0.01):');
  for (const b of blocks) {
    for (const x of b.lines) {
      if (x.addr >= 0 && /^REX\.W movq \[r13\+0x[0-9a-f]+\] \(external value \(Heap::NewSpaceAllocationTopAddress/.test(x.insn) && per(x.addr) >= 0.01) {
        console.log(per(x.addr).toFixed(3).padStart(7), b.name);
      }
    }
  }
} else {
  for (const b of blocks) {
    if (b.name !== FN) continue;
    const total = b.lines.reduce((s, x) => s + (x.addr >= 0 ? per(x.addr) : 0), 0);
    if (total < 1) continue;
    console.log(`=== ${b.name}: ${total.toFixed(0)} instructions per packet (lines run at least ${MIN} times per packet)`);
    for (const x of b.lines) {
      if (x.addr < 0) {
        if (/Inlined functions|SharedFunctionInfo/.test(x.text)) console.log('        ', x.text);
        continue;
      }
      const c = per(x.addr);
      if (c >= MIN) console.log(c.toFixed(2).padStart(7), x.text.slice(0, 180));
    }
  }
}
if (process.env.KEEP === undefined && process.env.REUSE === undefined) rmSync(dir, { recursive: true, force: true });
