import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCommand, scenarioFiles } from './verify.js';

describe('verifyCommand', () => {
  it('says that only kernel verification exists without --kernel, and exits 2', async () => {
    const errors: string[] = [];
    const code = await verifyCommand(['x.yaml'], { kernel: false, printError: (l) => errors.push(l) });
    expect(code).toBe(2);
    expect(errors).toEqual(['natlab verify: only kernel verification exists; use natlab verify --kernel PATH...']);
  });

  it('exits 2 with the located message on a bad scenario', async () => {
    const d = mkdtempSync(join(tmpdir(), 'nlC-cli-'));
    try {
      writeFileSync(join(d, 'bad.yaml'), 'name: bad\nnodes:\n  a: {}\nlinks: []\ncolour: red\n');
      const errors: string[] = [];
      const code = await verifyCommand([join(d, 'bad.yaml')], {
        kernel: true, printError: (l) => errors.push(l), simulate: () => { throw new Error('not reached'); },
      });
      expect(code).toBe(2);
      expect(errors[0]).toMatch(/bad\.yaml:5:1: .*colour/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('scenarioFiles', () => {
  it('takes files as given and folders as their *.yaml files, sorted', () => {
    const d = mkdtempSync(join(tmpdir(), 'nlC-cli-'));
    try {
      for (const f of ['b.yaml', 'a.yaml', 'notes.txt']) writeFileSync(join(d, f), '');
      const single = join(d, 'notes.txt');
      expect(scenarioFiles([d, single])).toEqual([join(d, 'a.yaml'), join(d, 'b.yaml'), single]);
      expect(() => scenarioFiles([join(d, 'missing.yaml')])).toThrow(/missing\.yaml: no such file or folder/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
