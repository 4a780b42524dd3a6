/**
 * `trace.jsonl` written by a second thread: the simulation records each
 * trace call as a binary record (TraceRecorder, trace/records.ts) into a
 * ring of blocks in shared memory, and a worker thread (trace-worker.ts)
 * plays them into the same JsonlTraceWriter a single thread would use, so
 * the file's bytes are the same. The simulation pays for copying integers
 * and frame bytes; encoding JSON happens beside it, on another CPU.
 *
 *     simulation thread                         worker thread
 *     hop()/nat()/chain()/emit()                wait for block i FULL
 *       -> records into block i                 playRecords(block i) -> JsonlTraceWriter
 *     block full: mark FULL, notify  ------->   mark EMPTY, notify
 *     next block not EMPTY yet: wait <-------   (the file grows)
 *     close(): last block FULL|LAST, wait DONE   DONE, or ERROR with its message
 *
 * The ring bounds memory however long the replay; when the worker falls
 * behind, the simulation waits (Atomics.wait) for a block to come back.
 * A worker that fails (a write error) or never starts turns into an error
 * thrown on the simulation's side, never a hang. The worker is unref'd: an
 * exception elsewhere that skips close() does not keep the process alive.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HopEvent, HopKind, TraceSink } from '../../trace/events.js';
import { TraceRecorder, type RecordBlocks } from '../../trace/records.js';
import { JsonlTraceWriter } from './sinks.js';

/** control words */
export const C_ALIVE = 0;
export const C_ERROR = 1;
export const C_DONE = 2;
export const C_BEAT = 3;
/** then a state word per block (EMPTY, FULL, LAST), then its length in words */
export const C_STATE = 4;
export const EMPTY = 0;
export const FULL = 1;
export const LAST = 2;
/** bytes after the control words for an error message */
export const ERROR_BYTES = 1024;

/** what the worker gets */
export interface TraceThreadData {
  path: string;
  ctrl: SharedArrayBuffer;
  data: SharedArrayBuffer;
  blocks: number;
  blockBytes: number;
}

const BLOCKS = 8;
const BLOCK_BYTES = 1 << 18;
/** how long the simulation waits for the worker to start, or to hand back a block, before it gives up */
const START_MS = 30_000;
const STALL_MS = 60_000;

/**
 * The worker's script: natlab-trace-worker.cjs beside the bundle when this
 * runs from the installed command (dist/bin, made by scripts/build-cli.mjs),
 * trace-worker.js beside this module in tsc's output (dist/io/replay); null
 * from the TypeScript sources (the tests), where there is no script to run.
 */
export function traceWorkerScript(): string | null {
  for (const rel of ['./natlab-trace-worker.cjs', './trace-worker.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * The trace.jsonl writer for a long run: encoded by a worker thread where
 * its script exists, else in this thread (the same bytes either way).
 */
export function openJsonlTrace(path: string): TraceSink & { close(): void } {
  const script = traceWorkerScript();
  return script !== null ? new ThreadedJsonlTraceWriter(path, script) : new JsonlTraceWriter(path);
}

/** A TraceSink writing `path` as JsonlTraceWriter does, with the encoding done by a worker thread. */
export class ThreadedJsonlTraceWriter implements TraceSink, RecordBlocks {
  words: Int32Array;
  bytes: Uint8Array;
  at = 0;
  private readonly ctrl: Int32Array;
  private readonly errorText: Uint8Array;
  private readonly data: SharedArrayBuffer;
  private readonly cap = BLOCK_BYTES / 4;
  private block = 0;
  private readonly rec: TraceRecorder;
  private readonly worker: Worker;
  private closed = false;

  /** `script`: the worker's (traceWorkerScript(), or a bundle of trace-worker.ts made for a test) */
  constructor(path: string, script: string) {
    // opened here first, so that a path that cannot be written is an error now, from this thread
    closeSync(openSync(path, 'w'));
    const ctrlSab = new SharedArrayBuffer((C_STATE + 2 * BLOCKS) * 4 + ERROR_BYTES);
    this.ctrl = new Int32Array(ctrlSab, 0, C_STATE + 2 * BLOCKS);
    this.errorText = new Uint8Array(ctrlSab, (C_STATE + 2 * BLOCKS) * 4, ERROR_BYTES);
    this.data = new SharedArrayBuffer(BLOCKS * BLOCK_BYTES);
    this.words = new Int32Array(this.data, 0, this.cap);
    this.bytes = new Uint8Array(this.data, 0, BLOCK_BYTES);
    const workerData: TraceThreadData = { path, ctrl: ctrlSab, data: this.data, blocks: BLOCKS, blockBytes: BLOCK_BYTES };
    this.worker = new Worker(script, { workerData });
    this.worker.unref();
    this.rec = new TraceRecorder(this);
  }

  need(n: number): void {
    if (this.at + n <= this.cap) return;
    if (n > this.cap) throw new Error(`trace.jsonl: one trace record of ${n * 4} bytes does not fit a ${BLOCK_BYTES}-byte block`);
    this.hand(FULL);
    this.block = (this.block + 1) % BLOCKS;
    this.waitEmpty(this.block);
    this.words = new Int32Array(this.data, this.block * BLOCK_BYTES, this.cap);
    this.bytes = new Uint8Array(this.data, this.block * BLOCK_BYTES, BLOCK_BYTES);
    this.at = 0;
  }

  /** the current block to the worker */
  private hand(state: number): void {
    const c = this.ctrl;
    c[C_STATE + BLOCKS + this.block] = this.at;
    Atomics.store(c, C_STATE + this.block, state);
    Atomics.notify(c, C_STATE + this.block);
  }

  /** waits until `word` leaves `value` (the worker's doing), or throws the worker's error or a stall */
  private waitWhile(word: number, value: number): void {
    const c = this.ctrl;
    let beat = Atomics.load(c, C_BEAT);
    let since = performance.now();
    while (Atomics.load(c, word) === value) {
      this.check();
      Atomics.wait(c, word, value, 200);
      const b = Atomics.load(c, C_BEAT);
      const now = performance.now();
      if (b !== beat) (beat = b), (since = now);
      else if (Atomics.load(c, C_ALIVE) === 0 ? now - since > START_MS : now - since > STALL_MS) {
        throw new Error(`trace.jsonl: the trace writer thread ${Atomics.load(c, C_ALIVE) === 0 ? 'did not start' : 'stopped answering'}`);
      }
    }
    this.check();
  }

  private waitEmpty(block: number): void {
    this.waitWhile(C_STATE + block, FULL);
  }

  /** the worker's error, as this thread's */
  private check(): void {
    if (Atomics.load(this.ctrl, C_ERROR) === 0) return;
    const t = this.errorText;
    let n = 0;
    while (n < t.length && t[n] !== 0) n++;
    throw new Error(`trace.jsonl: ${new TextDecoder().decode(t.slice(0, n))}`);
  }

  emit(e: Omit<HopEvent, 'seq'>): void {
    this.rec.emit(e);
  }
  hop(t: number, node: string, kind: HopKind, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array | null, off: number, extra: Partial<HopEvent> | undefined, reason: string | null, detail: string | null): void {
    this.rec.hop(t, node, kind, iface, pkt, parent, flow, data, off, extra, reason, detail);
  }
  nat(t: number, node: string, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array, off: number, before: Uint8Array, bOff: number, hook: string, detail: string): void {
    this.rec.nat(t, node, iface, pkt, parent, flow, data, off, before, bOff, hook, detail);
  }
  chain(t: number, node: string, pkt: number, hook: string, table: string, chain: string, rule: number, ruleText: string | null, verdict: string, inDev: string | null, outDev: string | null, physin: string | null, physout: string | null): void {
    this.rec.chain(t, node, pkt, hook, table, chain, rule, ruleText, verdict, inDev, outDev, physin, physout);
  }

  /** the last block to the worker; returns when the file is complete (or throws the worker's error) */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hand(LAST);
    this.waitWhile(C_DONE, 0);
  }
}
