/**
 * `natlab verify --kernel` end to end, with a second kernel run standing in
 * for the simulator: two runs of one scenario must agree after
 * normalisation (ids, timestamps, checksums, timings masked). Needs root.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCommand } from './verify.js';
import { runOnKernel } from '../io/kernel/runner.js';

const SCENARIOS = join(import.meta.dirname, '..', 'io', 'kernel', 'test-scenarios');

describe('verifyCommand --kernel', () => {
  it('finds two kernel runs of the same scenarios in agreement and writes both result directories', async () => {
    expect(process.getuid?.(), 'kernel tests need root').toBe(0);
    const out = mkdtempSync(join(tmpdir(), 'nlC-verify-'));
    try {
      const lines: string[] = [];
      const errors: string[] = [];
      // not step-order.yaml (runner.kernel.test.ts's): its background nc pair is stopped at the
      // end, and whether the client's kernel ACKs the listener's FIN alone (its nc woke after the
      // 40 ms delayed-ACK timer) is a race of the machine's scheduling, which two kernel runs
      // compared with each other meet twice as often as a kernel run compared with the simulator
      const code = await verifyCommand([join(SCENARIOS, 'bridge.yaml'), join(SCENARIOS, 'two-hosts-ping.yaml')], {
        kernel: true,
        out,
        simulate: (s) => runOnKernel(s),
        print: (l) => lines.push(l),
        printError: (l) => errors.push(l),
      });
      expect({ code, lines, errors }).toEqual({
        code: 0,
        lines: ['bridge-dhcp: kernel and simulation agree', 'two-hosts-ping: kernel and simulation agree'],
        errors: [],
      });
      expect(existsSync(join(out, 'two-hosts-ping', 'kernel', 'pcap', 'a', 'eth0.pcap'))).toBe(true);
      expect(existsSync(join(out, 'bridge-dhcp', 'sim', 'router', 'dnsmasq.leases'))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('exits 1 and names the difference when the runs differ', async () => {
    const lines: string[] = [];
    const code = await verifyCommand([join(SCENARIOS, 'two-hosts-ping.yaml')], {
      kernel: true,
      simulate: async (s) => {
        const r = await runOnKernel(s);
        r.steps[0]!.exit = 7;
        return r;
      },
      print: (l) => lines.push(l),
    });
    expect(code).toBe(1);
    expect(lines).toEqual(['two-hosts-ping: 1 difference', '  step 1 (a: ping -c 2 -i 0.2 -W 1 10.9.0.2): kernel has exit 0, sim has exit 7']);
  }, 120_000);
});
