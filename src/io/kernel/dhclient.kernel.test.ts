/** dhclient on the kernel with the runner's private files. Needs root. */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadScenario } from '../../config/scenario.js';
import { runOnKernel } from './runner.js';

const DIR = join(import.meta.dirname, 'test-scenarios');

describe('runOnKernel with dhclient', () => {
  it('gets a lease with dhclient, configures the address by our script, and stops the daemonised client', async () => {
    expect(process.getuid?.(), 'kernel tests need root').toBe(0);
    const file = join(DIR, 'bridge.yaml');
    const s = loadScenario(readFileSync(file, 'utf8'), file, DIR);
    s.traffic = [
      { ...s.traffic[0]!, command: 'dhclient -v eth0' },
      { ...s.traffic[1]!, node: 'router', command: 'ping -c 1 -W 1 10.7.0.120' },
    ];
    s.traffic[1]!.index = 2;
    const r = await runOnKernel(s);
    expect(r.steps[0]).toMatchObject({ exit: 0, output: expect.stringMatching(/bound to 10\.7\.0\.\d+/) });
    expect(r.leases.get('router')).toMatch(/ 02:00:00:00:02:01 10\.7\.0\.\d+ /);
    const left = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('dhclient-router-'));
    expect(left).toEqual([]);
  }, 60_000);
});
