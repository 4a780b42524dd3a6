/**
 * The kernel recordings in fixtures/kernel-nc.txt (made by
 * fixtures/record.sh on Linux 6.18 with netcat-openbsd 1.219), parsed for
 * tests, and the normalisation that makes a simulated capture comparable
 * with them: ephemeral ports renamed in order of appearance, absolute
 * sequence numbers and timestamp values replaced (they come from keyed
 * hashes and clocks), MAC addresses kept.
 */
import { TcpSeqMemo, describeFrame } from '../../wire/frame.js';
import type { CapturedFrame } from '../../sim/results.js';

export interface KernelStep {
  host: string;
  command: string;
  output: string;
  exit: number;
}

export interface KernelCase {
  name: string;
  client: KernelStep;
  server: KernelStep | null;
  iface: string;
  /** seconds since the first frame, and the tcpdump -e -n line */
  frames: { t: number; line: string }[];
}

/** parse the text record.sh writes */
export function parseKernelCases(text: string): Map<string, KernelCase> {
  const out = new Map<string, KernelCase>();
  for (const block of text.split(/^### /m).slice(1)) {
    const lines = block.split('\n');
    const name = lines[0]!.trim();
    const steps: KernelStep[] = [];
    let i = 1;
    let iface = '';
    const frames: { t: number; line: string }[] = [];
    while (i < lines.length) {
      const l = lines[i]!;
      const m = /^\$ (\w+): (.*?)( &)?$/.exec(l);
      if (m !== null) {
        const out: string[] = [];
        i++;
        while (i < lines.length && !/^exit \d+$/.test(lines[i]!)) out.push(lines[i++]!);
        const exit = Number(lines[i]!.slice(5));
        let output = out.length > 0 ? out.join('\n') + '\n' : '';
        if (out.at(-1) === '\\ no newline at end') output = out.slice(0, -1).join('\n');
        steps.push({ host: m[1]!, command: m[2]!, output, exit });
        i++;
        continue;
      }
      const f = /^frames \w+:(\S+)$/.exec(l);
      if (f !== null) {
        iface = f[1]!;
        i++;
        while (i < lines.length && lines[i]!.trim() !== '') {
          const fl = lines[i]!;
          const t = /^ (\d\d):(\d\d):(\d\d\.\d+) (.*)$/.exec(fl);
          if (t !== null) frames.push({ t: Number(t[1]) * 3600 + Number(t[2]) * 60 + Number(t[3]), line: t[4]! });
          else if (frames.length > 0) frames[frames.length - 1]!.line += '\n' + fl;
          i++;
        }
        continue;
      }
      i++;
    }
    out.set(name, { name, client: steps[0]!, server: steps[1] ?? null, iface, frames });
  }
  return out;
}

/** One line per frame, normalised; ARP left out (neighbour caches differ between runs). */
export function normaliseLines(lines: string[]): string[] {
  const ports = new Map<string, string>();
  return lines
    .filter((l) => !l.includes('ethertype ARP'))
    .map((l) =>
      l
        .replace(/\.(\d{5}) /g, (all, p: string) => {
          const n = Number(p);
          if (n < 32768 || n > 60999) return all;
          if (!ports.has(p)) ports.set(p, `EPH${ports.size + 1}`);
          return `.${ports.get(p)} `;
        })
        .replace(/\.(\d{5})([:,])/g, (all, p: string, sep: string) => {
          const n = Number(p);
          if (n < 32768 || n > 60999) return all;
          if (!ports.has(p)) ports.set(p, `EPH${ports.size + 1}`);
          return `.${ports.get(p)}${sep}`;
        })
        .replace(/TS val \d+ ecr (\d+)/g, (_a, e: string) => `TS val V ecr ${e === '0' ? '0' : 'E'}`)
        .replace(/\b(seq|ack) (\d{6,})/g, '$1 N')
        .replace(/, id \d+/g, '')
        // tcpdump's application printers (HTTP on port 80, DNS on 53) are not reproduced by describeFrame
        .replace(/(length \d+): (HTTP|domain.*)$/, '$1')
        .replace(/: domain \[length (\d+) < 12\] \(invalid\)$/, ': UDP, length $1'),
    );
}

/** A simulated capture as tcpdump -e -n lines with times in seconds since its first frame. */
export function captureLines(frames: readonly CapturedFrame[]): { t: number; line: string }[] {
  const memo = new TcpSeqMemo();
  const t0 = frames.length > 0 ? frames[0]!.t : 0;
  return frames.map((f) => ({ t: (f.t - t0) / 1e9, line: describeFrame(f.data, memo) }));
}
