import { describe, expect, it } from 'vitest';
import { STDOUT_BLOCK, stdoutThenStderrInFile } from './stdio.js';

describe('stdoutThenStderrInFile', () => {
  it('puts the stderr summary first when stdout still fits in one buffer block', () => {
    expect(stdoutThenStderrInFile('entry 1\nentry 2\n', 'summary\n')).toBe('summary\nentry 1\nentry 2\n');
  });

  it('puts stderr after the whole blocks of stdout glibc has written already', () => {
    const line = 'x'.repeat(99) + '\n';
    const out = line.repeat(50); // 5000 bytes: one full block written, 904 bytes left in the buffer
    const got = stdoutThenStderrInFile(out, 'summary\n');
    expect(got.slice(0, STDOUT_BLOCK)).toBe(out.slice(0, STDOUT_BLOCK));
    expect(got.slice(STDOUT_BLOCK, STDOUT_BLOCK + 8)).toBe('summary\n');
    expect(got.slice(STDOUT_BLOCK + 8)).toBe(out.slice(STDOUT_BLOCK));
  });

  it('keeps a stdout of exactly one block in the buffer until exit', () => {
    const out = 'y'.repeat(STDOUT_BLOCK);
    expect(stdoutThenStderrInFile(out, 'summary\n')).toBe('summary\n' + out);
  });
});
