/**
 * Builds the installed command into `outDir` (default dist/bin) from `from`
 * (default dist/cli, tsc's output; or src/cli); resolves to the `bin` path.
 */
export function buildCli(opts?: { from?: string; outDir?: string }): Promise<string>;
/** Bundles the trace.jsonl worker thread (src/io/replay/trace-worker.ts or its `.js`) into `outFile`. */
export function buildTraceWorker(from: string, outFile: string): Promise<void>;
