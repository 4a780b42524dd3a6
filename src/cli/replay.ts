/**
 * `natlab replay SCENARIO --pcap FILE --into NODE:IFACE [--out DIR]
 * [--topspeed | --speed X] [--merged FILE] [--json] [--no-trace]`
 *
 * Builds the scenario's network (nodes, links, `run:` lines; its traffic
 * steps are not run: the capture is the traffic), then replays FILE into
 * NODE:IFACE: every packet is received there, as if the other end of the
 * wire had sent it, at its timestamp relative to the first one (divided by
 * --speed) or back to back (--topspeed), and goes wherever the node and the
 * network take it. The file is streamed, and so are the results:
 *
 *   DIR/pcap/NODE/IFACE.pcap   every frame on every interface
 *   DIR/NODE/iptables-save     counters after the replay
 *   DIR/NODE/conntrack         the connection tracking table
 *   DIR/trace.jsonl            hop events (unless --no-trace)
 *   DIR/steps.json             one step: the replay and its summary
 *   DIR/fates.json             the fate summary as JSON
 *   --merged FILE              one pcapng, an interface per node:iface,
 *                              a comment per frame saying what happened
 *
 * It prints the fate summary (a table, or JSON with --json) and exits 0;
 * 2 when the input is bad (a truncated or corrupt capture: the error names
 * the byte offset and the packet; the packets before it were replayed and
 * written). A progress line goes to stderr when it is a terminal.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NatlabError } from '../config/errors.js';
import { loadScenarioFile, scenarioReader } from '../io/files.js';
import { openCapture } from '../io/pcap-stream.js';
import { MergedPcapngWriter, PcapDirTap } from '../io/replay/sinks.js';
import { openJsonlTrace } from '../io/replay/trace-thread.js';
import { stepsJson } from '../io/results.js';
import { VethIface } from '../model/veth.js';
import { conntrackList } from '../netfilter/conntrack/list.js';
import type { Netfilter } from '../netfilter/netfilter.js';
import { iptablesSave } from '../netfilter/tables/save.js';
import { FateSummary } from '../replay/fates.js';
import { HopJoiner } from '../replay/hops.js';
import { wrapNote } from '../replay/link.js';
import { Replayer, type Pacing } from '../replay/replayer.js';
import { ruleSnapshot, ruleDeltas } from '../replay/rules.js';
import { build } from '../sim/simulate.js';
import { NS_PER_MS } from '../sim/queue.js';

export interface ReplayCliOpts {
  pcap: string;
  into: string;
  out?: string;
  topspeed?: boolean;
  speed?: number;
  merged?: string;
  json?: boolean;
  trace?: boolean;
  print?: (s: string) => void;
  /** progress lines go here (stderr on a TTY); null for none */
  progress?: ((s: string) => void) | null;
}

let tmpCounter = 0;

export function replayCommand(file: string, opts: ReplayCliOpts): number {
  const print = opts.print ?? ((s: string) => void process.stdout.write(s + '\n'));
  const progress = opts.progress !== undefined ? opts.progress : process.stderr.isTTY ? (s: string) => void process.stderr.write(s) : null;
  const { scenario } = loadScenarioFile(file);
  const m = /^([^:]+):(.+)$/.exec(opts.into);
  if (m === null) throw new NatlabError(`--into ${opts.into}: expected NODE:IFACE`);
  if (opts.topspeed && opts.speed !== undefined) throw new NatlabError('--topspeed and --speed exclude each other');
  if (opts.speed !== undefined && !(opts.speed > 0)) throw new NatlabError(`--speed ${opts.speed}: must be a positive number`);
  const traced = opts.trace !== false;
  const sim = build(scenario, { trace: traced, readFile: scenarioReader(scenario.dir) });
  const { net } = sim;
  const host = net.hosts.get(m[1]!);
  if (host === undefined) throw new NatlabError(`--into ${opts.into}: no node named ${m[1]} in the scenario`, { file });
  const dev = host.ifaceByName(m[2]!);
  if (dev === undefined || dev.kind !== 'veth') throw new NatlabError(`--into ${opts.into}: ${m[1]} has no wire end named ${m[2]}`, { file });
  const peer = (dev as VethIface).peer;
  const macs = { rx: dev.mac, peer: peer !== null ? peer.mac : dev.mac };

  const tmp = opts.out !== undefined ? join(dirname(opts.out), `${basename(opts.out)}.tmp-${process.pid}-${++tmpCounter}`) : null;
  if (tmp !== null) {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
  }
  const fates = new FateSummary();
  fates.traced = traced;
  const pcaps = tmp !== null ? new PcapDirTap(tmp) : null;
  const jsonl = tmp !== null && traced ? openJsonlTrace(join(tmp, 'trace.jsonl')) : null;
  const merged = opts.merged !== undefined ? new MergedPcapngWriter(opts.merged) : null;
  const joiner = new HopJoiner(fates, merged !== null ? (f) => merged.add(f) : null, jsonl, pcaps);
  net.tap = joiner;
  net.trace = traced ? joiner : null;

  const before = ruleSnapshot(sim.netfilter);
  const { reader, source } = openCapture(opts.pcap);
  const pacing: Pacing = opts.topspeed ? { mode: 'topspeed' } : { mode: 'timestamps', speed: opts.speed ?? 1 };
  const replayer = new Replayer(reader, { host, dev, how: 'receive' }, macs, {
    pacing,
    ...(progress !== null ? { onProgress: (n: number) => progress(`\rreplayed ${n} packets`) } : {}),
  });
  try {
    replayer.start();
    net.queue.runUntil(() => replayer.done, Infinity, Number.MAX_SAFE_INTEGER);
    net.queue.runUntil(() => false, net.now() + 300 * NS_PER_MS, Number.MAX_SAFE_INTEGER);
  } finally {
    source.close();
  }
  if (progress !== null && replayer.sent >= 65536) progress('\n');
  joiner.flush();
  fates.injected = replayer.sent;
  for (const lt of replayer.linktypes) {
    const n = wrapNote(lt, macs, opts.into);
    if (n !== null) fates.notes.push(n);
  }
  for (const [k, v] of ruleDeltas(sim.netfilter, before)) fates.rule(k, v);
  if (replayer.error !== null) fates.error = replayer.error.format();
  const summary = opts.json ? JSON.stringify(fates.toJSON(), null, 2) : fates.table();

  merged?.close();
  jsonl?.close();
  if (tmp !== null && pcaps !== null) {
    for (const l of scenario.links) for (const e of [l.a, l.b]) pcaps.ensure(e.node, e.iface);
    pcaps.close();
    const now = net.now();
    for (const n of scenario.nodes) {
      const nf = sim.netfilter.get(n.name)! as Netfilter;
      mkdirSync(join(tmp, n.name), { recursive: true });
      writeFileSync(join(tmp, n.name, 'iptables-save'), iptablesSave(nf.ipt, { counters: true, date: 'Thu Jan  1 00:00:00 1970' }));
      writeFileSync(join(tmp, n.name, 'conntrack'), nf.ctActive ? conntrackList(nf.conntrack, now) : '');
    }
    if (!traced) writeFileSync(join(tmp, 'trace.jsonl'), '');
    const command = `replay --pcap ${opts.pcap} --into ${opts.into}${opts.topspeed ? ' --topspeed' : ''}${opts.speed !== undefined ? ` --speed ${opts.speed}` : ''}`;
    const step = { step: 1, node: m[1]!, command, exit: replayer.error ? 2 : 0, output: fates.table() + '\n', background: false, start: 0, end: now };
    writeFileSync(join(tmp, 'steps.json'), stepsJson({ scenario: scenario.name, steps: [step], captures: new Map(), iptablesSave: new Map(), conntrack: new Map(), leases: new Map(), trace: [] }));
    writeFileSync(join(tmp, 'fates.json'), JSON.stringify(fates.toJSON(), null, 2) + '\n');
    if (existsSync(opts.out!)) rmSync(opts.out!, { recursive: true, force: true });
    renameSync(tmp, opts.out!);
  }
  print(summary);
  if (replayer.error !== null) {
    process.stderr.write(`natlab: ${replayer.error.format()} (the ${replayer.sent} packets before it were replayed)\n`);
    return 2;
  }
  return 0;
}
