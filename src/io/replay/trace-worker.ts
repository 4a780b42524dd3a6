/**
 * The worker thread of ThreadedJsonlTraceWriter (trace-thread.ts): takes
 * the blocks of trace records in ring order, plays each into a
 * JsonlTraceWriter (the file's bytes are what one thread would write), and
 * hands the block back. A failure is written into the shared error text
 * for the simulation's thread to throw.
 */
import { workerData } from 'node:worker_threads';
import { playRecords, RecordStrings } from '../../trace/records.js';
import { JsonlTraceWriter } from './sinks.js';
import { C_ALIVE, C_BEAT, C_DONE, C_ERROR, C_STATE, EMPTY, ERROR_BYTES, LAST, type TraceThreadData } from './trace-thread.js';

const d = workerData as TraceThreadData;
const ctrl = new Int32Array(d.ctrl, 0, C_STATE + 2 * d.blocks);
const errorText = new Uint8Array(d.ctrl, (C_STATE + 2 * d.blocks) * 4, ERROR_BYTES);

function run(): void {
  const out = new JsonlTraceWriter(d.path);
  const strings = new RecordStrings();
  Atomics.store(ctrl, C_ALIVE, 1);
  Atomics.notify(ctrl, C_DONE);
  for (let block = 0; ; block = (block + 1) % d.blocks) {
    const word = C_STATE + block;
    while (Atomics.load(ctrl, word) === EMPTY) Atomics.wait(ctrl, word, EMPTY);
    const state = Atomics.load(ctrl, word);
    playRecords(new Uint8Array(d.data, block * d.blockBytes, d.blockBytes), ctrl[C_STATE + d.blocks + block]!, strings, out);
    if (state === LAST) {
      out.close();
      return;
    }
    Atomics.store(ctrl, word, EMPTY);
    Atomics.add(ctrl, C_BEAT, 1);
    Atomics.notify(ctrl, word);
  }
}

try {
  run();
} catch (e) {
  const text = new TextEncoder().encode(e instanceof Error ? e.message : String(e));
  errorText.set(text.subarray(0, ERROR_BYTES - 1));
  Atomics.store(ctrl, C_ERROR, 1);
  for (let i = 0; i < d.blocks; i++) Atomics.notify(ctrl, C_STATE + i);
}
Atomics.store(ctrl, C_DONE, 1);
Atomics.notify(ctrl, C_DONE);
