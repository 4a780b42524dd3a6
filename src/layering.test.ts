import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/README.md, lowest first. A file may import only from
 * its own layer and lower ones. `config/errors.ts` imports nothing and is
 * shared by every layer (errors are values with a location).
 */
const LAYERS: [number, RegExp][] = [
  [0, /^config\/errors\.ts$/],
  [1, /^wire\//],
  [2, /^trace\/(events|filter|pcap|pcapng|chunks)\.ts$/],
  [3, /^sim\/(queue|results)\.ts$/],
  [4, /^model\//],
  [5, /^netfilter\//],
  [6, /^config\//],
  [6, /^dhcp\//],
  [7, /^sim\//],
  [7, /^replay\//],
  [8, /^(verify|expect|trace|check)\//],
  [9, /^(io|cli)\//],
  [9, /^index\.ts$/],
];

function layerOf(rel: string): number {
  for (const [n, re] of LAYERS) if (re.test(rel)) return n;
  return -1;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts') && !p.includes('/fixtures/')) out.push(p);
  }
  return out;
}

const SRC = new URL('.', import.meta.url).pathname;

describe('the layers of src/', () => {
  const files = sources(SRC).map((f) => relative(SRC, f));

  it('places every source file in a layer', () => {
    expect(files.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('never imports from a higher layer', () => {
    const bad: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(SRC, f), 'utf8');
      for (const m of text.matchAll(/^(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
        if (/^import\s+type\b/.test(m[0]) || /^export\s+type\b/.test(m[0])) continue;
        const target = relative(SRC, join(SRC, f, '..', m[1]!)).replace(/\.js$/, '.ts');
        if (layerOf(target) > layerOf(f)) bad.push(`${f} -> ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps Node out of everything but cli/ and io/ (the core runs in a browser)', () => {
    const bad = files.filter((f) => layerOf(f) < 9 && /from\s+['"](node:|fs['"]|path['"]|child_process|os['"])/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(bad).toEqual([]);
  });
});
