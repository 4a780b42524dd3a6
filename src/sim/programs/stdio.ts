/**
 * How a program's stdout and stderr land in one file (`>FILE 2>&1`, as the
 * kernel runner captures a traffic step). glibc buffers stdout fully when
 * it is not a terminal, in blocks of the file's st_blksize (4096), and
 * writes a block only once the next byte does not fit; stderr is
 * unbuffered. A program that prints its results on stdout and a summary
 * on stderr last (conntrack -L) therefore shows the summary after the
 * whole blocks of stdout written so far and before the rest, which exit()
 * flushes.
 */
export const STDOUT_BLOCK = 4096;

/** stdout and stderr interleaved as a file receives them when all of stdout was printed before stderr. */
export function stdoutThenStderrInFile(stdout: string, stderr: string): string {
  const bytes = new TextEncoder().encode(stdout);
  const flushed = bytes.length === 0 ? 0 : Math.floor((bytes.length - 1) / STDOUT_BLOCK) * STDOUT_BLOCK;
  const dec = new TextDecoder();
  return dec.decode(bytes.subarray(0, flushed)) + stderr + dec.decode(bytes.subarray(flushed));
}
