import { describe, expect, it } from 'vitest';
import { CtDir, IPS_DYING, type CtTuple } from '../ct-types.js';
import type { CtEntry } from './conn.js';
import { ConntrackTable, N_DST, N_PORTS, N_PROTO, N_SRC } from './table.js';
import { copyTuple, invertTuple, tupleHashOf } from './tuple.js';

const NS = 1_000_000_000;

function tuple(src: number, dst: number, sport: number, dport: number, proto = 17): CtTuple {
  return { src, dst, proto, sport, dport };
}

/** an entry for `orig` (reply its inverse), confirmed at `now` with `life` ns to live */
function confirm(table: ConntrackTable, orig: CtTuple, now = 0, life = 30 * NS): CtEntry {
  const ct = table.alloc();
  copyTuple(ct.tuple[CtDir.ORIGINAL], orig);
  invertTuple(ct.tuple[CtDir.REPLY], orig);
  ct.timeout = life;
  table.insert(ct, now);
  return ct;
}

describe('the conntrack hash', () => {
  it('is a small integer (0 to 2^30 - 1), so a lookup boxes no heap number, and spreads over the low bits', () => {
    const low = new Set<number>();
    for (let i = 0; i < 4096; i++) {
      const h = tupleHashOf((0xc0000200 + i) | 0, 0x0a000001, 17, ((10000 + i) << 16) | 53);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 30).toBe(true);
      low.add(h & 1023);
    }
    // 4096 tuples into 1024 buckets: nearly every bucket used
    expect(low.size).toBeGreaterThan(950);
  });

  it('finds thousands of entries by either tuple after growing, with the direction it matched', () => {
    const t = new ConntrackTable();
    const all: CtEntry[] = [];
    // addresses above 2^31 too: keys are compared as 32-bit integers
    for (let i = 0; i < 5000; i++) all.push(confirm(t, tuple(0xc0000200 + i, 0x0a000001, 10000 + (i % 50000), 53)));
    expect(t.size).toBe(5000);
    for (let i = 0; i < 5000; i += 7) {
      const ct = all[i]!;
      expect(t.find(ct.tuple[CtDir.ORIGINAL], 1)).toBe(ct);
      expect(t.foundDir).toBe(CtDir.ORIGINAL);
      expect(t.find(ct.tuple[CtDir.REPLY], 1)).toBe(ct);
      expect(t.foundDir).toBe(CtDir.REPLY);
    }
    expect(t.find(tuple(0xc0000200, 0x0a000001, 10000, 54), 1)).toBeNull();
    expect(t.find(tuple(0xc0000200, 0x0a000001, 10000, 53, 6), 1)).toBeNull();
  });

  it('forgets a removed entry, marks it dying, and reuses its slot for a later one', () => {
    const t = new ConntrackTable();
    const a = confirm(t, tuple(1, 2, 3, 4));
    const b = confirm(t, tuple(5, 6, 7, 8));
    t.remove(a);
    expect(a.status & IPS_DYING).toBe(IPS_DYING);
    expect(t.find(tuple(1, 2, 3, 4), 1)).toBeNull();
    expect(t.find(tuple(2, 1, 4, 3), 1)).toBeNull();
    const c = confirm(t, tuple(9, 10, 11, 12));
    expect(t.find(tuple(9, 10, 11, 12), 1)).toBe(c);
    expect(t.find(tuple(5, 6, 7, 8), 1)).toBe(b);
    t.remove(a); // twice: nothing more happens
    expect(t.size).toBe(2);
    expect(t.list(1)).toEqual([b, c]);
  });

  it('answers ORIGINAL for an entry whose two tuples are the same', () => {
    const t = new ConntrackTable();
    const same = tuple(7, 7, 9, 9);
    const ct = confirm(t, same);
    expect(t.find(same, 1)).toBe(ct);
    expect(t.foundDir).toBe(CtDir.ORIGINAL);
  });

  it('reaps an expired entry when a lookup meets it, and skips the ignored one', () => {
    const t = new ConntrackTable();
    const a = confirm(t, tuple(1, 2, 3, 4), 0, 10);
    expect(t.find(tuple(1, 2, 3, 4), 5, a)).toBeNull();
    expect(t.size).toBe(1);
    expect(t.find(tuple(1, 2, 3, 4), 10)).toBeNull();
    expect(t.size).toBe(0);
    expect(a.status & IPS_DYING).toBe(IPS_DYING);
  });

  it('lists in confirmation order across removals and growth', () => {
    const t = new ConntrackTable();
    const all: CtEntry[] = [];
    for (let i = 0; i < 300; i++) all.push(confirm(t, tuple(100 + i, 2, 3, 4)));
    for (let i = 0; i < 300; i += 3) t.remove(all[i]!);
    for (let i = 0; i < 300; i++) all.push(confirm(t, tuple(1000 + i, 2, 3, 4)));
    const live = all.filter((ct) => (ct.status & IPS_DYING) === 0);
    expect(t.list(1)).toEqual(live);
    for (const ct of live) expect(t.find(ct.tuple[CtDir.REPLY], 1)).toBe(ct);
  });
});

describe('the tuple integers of a hashed entry (nodeAt)', () => {
  it('holds both tuples of a confirmed entry, addresses as int32, and none once it is removed', () => {
    const t = new ConntrackTable();
    const ct = confirm(t, tuple(0xcb007132, 0x0a000002, 40000, 443, 6));
    const o = t.nodeAt(ct, CtDir.ORIGINAL);
    const r = t.nodeAt(ct, CtDir.REPLY);
    expect([t.nodes[o + N_SRC], t.nodes[o + N_DST], t.nodes[o + N_PORTS]! >>> 16, t.nodes[o + N_PORTS]! & 0xffff, t.nodes[o + N_PROTO]])
      .toEqual([0xcb007132 | 0, 0x0a000002, 40000, 443, 6]);
    expect([t.nodes[r + N_SRC], t.nodes[r + N_DST], t.nodes[r + N_PORTS]! >>> 16, t.nodes[r + N_PORTS]! & 0xffff])
      .toEqual([0x0a000002, 0xcb007132 | 0, 443, 40000]);
    t.remove(ct);
    expect(t.nodeAt(ct, CtDir.ORIGINAL)).toBe(-1);
  });
});
