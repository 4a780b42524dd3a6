import { describe, expect, it } from 'vitest';
import { Network } from '../../model/network.js';
import { NS_PER_MS, NS_PER_S } from '../queue.js';
import { parseSleepArg, sleepMain } from './sleep.js';
import { startProgram } from './test-ctx.js';

function run(cmd: string): { out: string; code: number | null; at: number | null } {
  const net = new Network();
  const h = net.addHost('a');
  const p = startProgram(net, h, sleepMain, cmd);
  net.queue.runUntil(() => p.exitCode() !== null, 10_000 * NS_PER_S);
  return { out: p.output(), code: p.exitCode(), at: p.exitAt() };
}

describe('sleep (coreutils 9.1)', () => {
  it('waits the sum of its arguments, fractions and suffixes allowed', () => {
    expect(run('sleep 0.1 0.2s')).toEqual({ out: '', code: 0, at: 300 * NS_PER_MS });
    expect(parseSleepArg('1m')).toBe(60);
    expect(parseSleepArg('.5h')).toBe(1800);
  });

  it('rejects a bad interval with exit 1', () => {
    expect(run('sleep x')).toEqual({ out: "sleep: invalid time interval \u2018x\u2019\nTry 'sleep --help' for more information.\n", code: 1, at: 0 });
    expect(run('sleep 1x').out).toBe("sleep: invalid time interval \u20181x\u2019\nTry 'sleep --help' for more information.\n");
  });

  it('needs an operand and takes -1 for an option', () => {
    expect(run('sleep')).toEqual({ out: "sleep: missing operand\nTry 'sleep --help' for more information.\n", code: 1, at: 0 });
    expect(run('sleep -1').out).toBe("sleep: invalid option -- '1'\nTry 'sleep --help' for more information.\n");
  });

  it('is killed by a signal', () => {
    const net = new Network();
    const p = startProgram(net, net.addHost('a'), sleepMain, 'sleep 5');
    p.program.signal('SIGTERM');
    expect(p.exitCode()).toBe(143);
  });
});
