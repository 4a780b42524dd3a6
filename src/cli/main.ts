#!/usr/bin/env node
/**
 * The natlab command line. Errors in the input are printed once, with
 * their location, and give exit status 2; nothing prints a stack trace.
 *
 * Each subcommand's module is imported when that subcommand runs, not
 * before: `natlab run` does not load the kernel runner, the web report, the
 * HTTP server or the replay. (The installed command is this file bundled
 * with everything it imports, see scripts/build-cli.mjs; there the imports
 * become calls that evaluate the subcommand's code on first use.)
 */
import { Command, CommanderError } from 'commander';
import { isNatlabError } from '../config/errors.js';
import type { ReplayCliOpts } from './replay.js';

async function main(argv: string[]): Promise<number> {
  const program = new Command();
  let code = 0;
  program
    .name('natlab')
    .description('A deterministic simulator of Linux bridging, netfilter, NAT and DHCP, checked against the kernel')
    .exitOverride()
    .showHelpAfterError();
  program
    .command('run')
    .description('simulate a scenario, print its steps and expectations, and write the results')
    .argument('<scenario>', 'scenario file (YAML, spec v1)')
    .option('--out <dir>', 'write the result directory here')
    .option('--no-trace', 'do not record hop events (faster)')
    .option('--hops', 'print every hop event (where each packet went, and why)')
    .option('-q, --quiet', 'print nothing')
    .action(async (file: string, o: { out?: string; trace: boolean; hops?: boolean; quiet?: boolean }) => {
      const { runCommand } = await import('./run.js');
      code = runCommand(file, { ...(o.out !== undefined ? { out: o.out } : {}), trace: o.trace, hops: o.hops === true, quiet: o.quiet === true });
    });
  program
    .command('verify')
    .description('run scenarios on the real kernel (network namespaces) and in the simulator, and compare')
    .argument('<paths...>', 'scenario files or folders')
    .option('--kernel', 'compare with the kernel (needs root)')
    .option('--out <dir>', 'write both result directories here')
    .option('--retry <n>', 'run a scenario whose kernel run differs on the kernel again, up to N times (the kernel\'s timing varies); every differing run is printed', '0')
    .option('--allow-kernel-lacks', 'exit 0, not 3, when scenarios were not compared only because this kernel lacks a feature they need (they are still listed)')
    .action(async (paths: string[], o: { kernel?: boolean; out?: string; retry: string; allowKernelLacks?: boolean }) => {
      const { verifyCommand } = await import('./verify.js');
      if (!/^\d+$/.test(o.retry)) {
        process.stderr.write(`natlab verify: --retry: not a count: ${o.retry}\n`);
        code = 2;
        return;
      }
      code = await verifyCommand(paths, { kernel: o.kernel === true, retry: Number(o.retry), allowKernelLacks: o.allowKernelLacks === true, ...(o.out !== undefined ? { out: o.out } : {}) });
    });
  program
    .command('fuzz')
    .description('generate random small scenarios from seeds; check that natlab runs them, and with --kernel that the kernel agrees')
    .requiredOption('--seed <n>', 'the first seed')
    .option('--count <n>', 'how many scenarios (seeds S, S+1, ...)', '1')
    .option('--out <dir>', 'keep the scenario and both result directories of every finding here')
    .option('--kernel', 'compare each with the kernel (needs root)')
    .option('--retry <n>', 'as verify --retry', '0')
    .option('--replay', 'the replay menu: a host replays a generated capture of odd frames (tcpreplay) instead of running programs')
    .action(async (o: { seed: string; count: string; out?: string; kernel?: boolean; retry: string; replay?: boolean }) => {
      const { fuzzCommand } = await import('./fuzz.js');
      for (const [opt, v] of [['--seed', o.seed], ['--count', o.count], ['--retry', o.retry]] as const) {
        if (!/^\d+$/.test(v)) {
          process.stderr.write(`natlab fuzz: ${opt}: not a count: ${v}\n`);
          code = 2;
          return;
        }
      }
      code = await fuzzCommand({ seed: Number(o.seed), count: Number(o.count), kernel: o.kernel === true, replay: o.replay === true, retry: Number(o.retry), ...(o.out !== undefined ? { out: o.out } : {}) });
    });
  program
    .command('report')
    .description('write the web view of a result directory as one self-contained HTML file')
    .argument('<dir>', 'result directory (natlab run --out DIR)')
    .requiredOption('--html <file>', 'the HTML file to write')
    .action(async (dir: string, o: { html: string }) => {
      const { reportCommand } = await import('./report.js');
      code = reportCommand(dir, { html: o.html });
    });
  program
    .command('serve')
    .description('serve the web view of a result directory on 127.0.0.1')
    .argument('<dir>', 'result directory')
    .option('--port <n>', 'TCP port (default: any free one)')
    .action(async (dir: string, o: { port?: string }) => {
      const { serveCommand } = await import('./serve.js');
      code = await serveCommand(dir, o.port !== undefined ? { port: Number(o.port) } : {});
    });
  program
    .command('test')
    .description('run scenarios and check their expectations (for CI, and for labs)')
    .argument('[paths...]', 'scenario files or folders (default: .)')
    .option('--junit <file>', 'write JUnit XML')
    .option('--json', 'print JSON')
    .option('--lab', 'friendly output for students: the task, what passed, hints')
    .action(async (paths: string[], o: { junit?: string; json?: boolean; lab?: boolean }) => {
      const { testCommand } = await import('./test.js');
      code = testCommand(paths.length > 0 ? paths : ['.'], { ...(o.junit !== undefined ? { junit: o.junit } : {}), json: o.json === true, lab: o.lab === true });
    });
  program
    .command('diff')
    .description('every packet whose fate differs between two rule sets')
    .argument('<a>', 'scenario')
    .argument('[b]', 'the same scenario with other rules')
    .option('--rules <NODE=FILE...>', "replace NODE's rules with an iptables-save file")
    .option('--json', 'print JSON')
    .action(async (a: string, b: string | undefined, o: { rules?: string[]; json?: boolean }) => {
      const { diffCommand } = await import('./diff.js');
      code = diffCommand(a, b, { rules: o.rules ?? [], json: o.json === true });
    });
  program
    .command('lint')
    .description('warn about rules and topologies that do not do what they seem to')
    .argument('<scenarios...>', 'scenario files')
    .option('--json', 'print JSON')
    .action(async (files: string[], o: { json?: boolean }) => {
      const { lintCommand } = await import('./lint.js');
      code = lintCommand(files, { json: o.json === true });
    });
  program
    .command('replay')
    .description('replay a capture into a node of a scenario and show what happened to every packet')
    .argument('<scenario>', 'scenario file')
    .requiredOption('--pcap <file>', 'pcap or pcapng file')
    .requiredOption('--into <node:iface>', 'where the frames arrive')
    .option('--out <dir>', 'write the result directory here')
    .option('--topspeed', 'back to back instead of at their timestamps')
    .option('--speed <x>', 'time scale (2 = twice as fast)', Number)
    .option('--merged <file>', 'one pcapng with every packet on every hop, with comments')
    .option('--json', 'print the fate summary as JSON')
    .option('--no-trace', 'do not record hop events (faster)')
    .action(async (file: string, o: { pcap: string; into: string; out?: string; topspeed?: boolean; speed?: number; merged?: string; json?: boolean; trace: boolean }) => {
      const { replayCommand } = await import('./replay.js');
      const opts: ReplayCliOpts = { pcap: o.pcap, into: o.into, trace: o.trace, topspeed: o.topspeed === true, json: o.json === true };
      if (o.out !== undefined) opts.out = o.out;
      if (o.speed !== undefined) opts.speed = o.speed;
      if (o.merged !== undefined) opts.merged = o.merged;
      code = replayCommand(file, opts);
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (isNatlabError(e)) process.stderr.write(`natlab: ${e.format()}\n`);
    else process.stderr.write(`natlab: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
