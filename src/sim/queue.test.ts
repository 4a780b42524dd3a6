import { describe, expect, it } from 'vitest';
import { EventQueue } from './queue.js';

describe('the event queue', () => {
  it('runs events in time order and moves the clock to each', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.after(30, () => seen.push(`c@${q.now()}`));
    q.after(10, () => seen.push(`a@${q.now()}`));
    q.after(20, () => seen.push(`b@${q.now()}`));
    q.runUntil(() => false);
    expect(seen).toEqual(['a@10', 'b@20', 'c@30']);
  });

  it('runs events due at the same instant in the order they were scheduled', () => {
    const q = new EventQueue();
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) q.after(5, () => seen.push(i));
    q.runUntil(() => false);
    expect(seen).toEqual([...Array(50).keys()]);
  });

  it('skips cancelled timers', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    const t = q.after(1, () => seen.push('cancelled'));
    q.after(2, () => seen.push('kept'));
    t.cancel();
    q.runUntil(() => false);
    expect(seen).toEqual(['kept']);
  });

  it('stops at a deadline and leaves the clock there', () => {
    const q = new EventQueue();
    let ran = false;
    q.after(100, () => (ran = true));
    expect(q.runUntil(() => false, 50)).toBe(false);
    expect(ran).toBe(false);
    expect(q.now()).toBe(50);
  });
});
