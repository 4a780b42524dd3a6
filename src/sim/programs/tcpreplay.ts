/**
 * `tcpreplay -i IFACE [--topspeed | --pps N | --mbps N | --multiplier X]
 * [--limit N] [-q] FILE` as Debian's tcpreplay 4.4.3: the packets of FILE
 * (pcap or pcapng, relative to the scenario) leave IFACE through a packet
 * socket, without the sender's IP stack or netfilter, at their recorded
 * pace (or as the option says), then the statistics it prints
 * (replay/tcpreplay-text.ts). Timings are virtual: "sent in" is the
 * virtual time from the first packet to the last.
 *
 * Measured refusals: no arguments (exit 1, usage), no -i (exit 1, usage),
 * an unknown option (exit 1, usage), an interface that does not exist or
 * a missing file (exit 255, "Fatal Error" text), a file that is not a
 * capture (exit 255, "Failed:" text), a Linux cooked v2 (`tcpdump -i any`
 * since libpcap 1.10) or LINKTYPE_IPV4 capture (exit 255, "Unable to
 * process unsupported DLT type", nothing sent), and so does one of link
 * type 14 or 108 (OpenBSD's raw and loopback). Ethernet, Linux cooked
 * (SLL), raw IP (101, and 12 as Linux numbers DLT_RAW) and BSD loopback
 * (NULL, 0) packets go out byte for byte as captured: tcpreplay
 * does not rewrite a cooked header into an Ethernet one. A file cut short mid-packet ends the
 * replay quietly with exit 0, as libpcap's reader does. Options natlab does
 * not model stop the run, naming them.
 */
import { NatlabError } from '../../config/errors.js';
import { CaptureReader, memorySource } from '../../replay/capture-reader.js';
import { Replayer, type Pacing } from '../../replay/replayer.js';
import { TCPREPLAY_USAGE, TcpreplayFlows, tcpreplayStats } from '../../replay/tcpreplay-text.js';
import { VethIface } from '../../model/veth.js';
import type { Program, ProgramContext, ProgramMain } from '../program.js';

/** options with an argument, by long name, and their short letters */
const WITH_ARG: Record<string, string> = { i: 'intf1', p: 'pps', M: 'mbps', x: 'multiplier', L: 'limit' };
const FLAGS: Record<string, string> = { t: 'topspeed', q: 'quiet' };
const KNOWN_UNMODELLED = new Set([
  'd', 'dbug', 'T', 'timer', 'maxsleep', 'v', 'verbose', 'A', 'decode', 'K', 'preload-pcap', 'c', 'cachefile', '2', 'dualfile', 'I', 'intf2',
  'listnics', 'l', 'loop', 'loopdelay-ms', 'pktlen', 'duration', 'o', 'oneatatime', 'pps-multi', 'unique-ip', 'unique-ip-loops',
  'no-flow-stats', 'flow-expiry', 'P', 'pid', 'stats', 'V', 'version', 'h', 'less-help', 'H', 'help', '!', 'more-help', 'save-opts', 'load-opts',
]);

interface Parsed {
  opts: Map<string, string>;
  files: string[];
}

class Exit extends Error {
  constructor(
    readonly text: string,
    readonly code: number,
  ) {
    super(text);
  }
}

function parse(argv: string[], unsupported: (what: string) => void): Parsed {
  const opts = new Map<string, string>();
  const files: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      files.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      files.push(a);
      continue;
    }
    let name: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (eq >= 0) value = a.slice(eq + 1);
    } else {
      const letter = a[1]!;
      name = WITH_ARG[letter] ?? FLAGS[letter] ?? letter;
      if (a.length > 2) value = a.slice(2);
    }
    const short = Object.entries({ ...WITH_ARG, ...FLAGS }).find(([, l]) => l === name)?.[0];
    if (short === undefined) {
      if (KNOWN_UNMODELLED.has(name)) {
        unsupported(`tcpreplay ${a}: natlab does not model this option`);
        throw new Exit(`tcpreplay: natlab does not model option ${a}\n`, 2);
      }
      throw new Exit(`/usr/bin/tcpreplay: illegal option -- ${a.replace(/^--?/, '').replace(/=.*/, '')}\n${TCPREPLAY_USAGE}`, 1);
    }
    if (WITH_ARG[short] !== undefined && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Exit(`/usr/bin/tcpreplay: option requires an argument -- ${name}\n${TCPREPLAY_USAGE}`, 1);
    }
    opts.set(name, value ?? '');
  }
  return { opts, files };
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new Exit(`\nFatal Error in tcpreplay.c:main() line 79:\n Unable to parse args: invalid --${name} value: ${v}\n`, 255);
  return n;
}

export const tcpreplayMain: ProgramMain = (ctx: ProgramContext): Program => {
  const program: Program = {
    signal(sig) {
      ctx.exit(sig === 'SIGINT' ? 130 : 143);
    },
  };
  try {
    run(ctx);
  } catch (e) {
    if (e instanceof Exit) {
      ctx.out(e.text);
      ctx.exit(e.code);
    } else throw e;
  }
  return program;
};

function run(ctx: ProgramContext): void {
  if (ctx.argv.length < 2) throw new Exit(`tcpreplay: Command line arguments required\n${TCPREPLAY_USAGE}`, 1);
  const { opts, files } = parse(ctx.argv, (w) => ctx.host.unsupported(w));
  const ifname = opts.get('intf1');
  if (ifname === undefined) throw new Exit(`tcpreplay error:  The intf1 option is required\n${TCPREPLAY_USAGE}`, 1);
  const dev = ctx.host.ifaceByName(ifname);
  if (dev === undefined) {
    throw new Exit(`\nFatal Error in tcpreplay.c:main() line 79:\n Unable to parse args: From tcpreplay_api.c:tcpreplay_post_args() line 336:\nInvalid interface name/alias: ${ifname}\n`, 255);
  }
  if (files.length !== 1) {
    ctx.host.unsupported('tcpreplay with several capture files (or none): natlab replays exactly one');
    throw new Exit('tcpreplay: natlab replays exactly one capture file\n', 2);
  }
  const modes = ['topspeed', 'pps', 'mbps', 'multiplier'].filter((m) => opts.has(m));
  let pacing: Pacing = { mode: 'timestamps', speed: 1 };
  // tcpreplay takes the last speed option; natlab refuses a mix rather than guess
  if (modes.length > 1) {
    ctx.host.unsupported(`tcpreplay with ${modes.map((m) => `--${m}`).join(' and ')}: natlab takes one pacing option`);
    throw new Exit('tcpreplay: natlab takes one pacing option\n', 2);
  }
  if (opts.has('topspeed')) pacing = { mode: 'topspeed' };
  else if (opts.has('pps')) pacing = { mode: 'pps', pps: positive('pps', opts.get('pps')!) };
  else if (opts.has('mbps')) pacing = { mode: 'mbps', mbps: positive('mbps', opts.get('mbps')!) };
  else if (opts.has('multiplier')) pacing = { mode: 'timestamps', speed: positive('multiplier', opts.get('multiplier')!) };
  const limit = opts.has('limit') ? Math.floor(positive('limit', opts.get('limit')!)) : undefined;

  const file = files[0]!;
  let bytes: Uint8Array;
  try {
    bytes = ctx.readFile(file);
  } catch {
    throw new Exit(`\nFatal Error in tcpreplay.c:main() line 122:\n Unable to retrieve information from file ${file}: No such file or directory\n`, 255);
  }
  let reader: CaptureReader;
  try {
    reader = new CaptureReader(memorySource(bytes), file, true);
  } catch (e) {
    if (!(e instanceof NatlabError)) throw e;
    const why = bytes.length < 24 && bytes.length >= 4 && isPcapMagic(bytes) ? `truncated dump file; tried to read 24 file header bytes, only got ${bytes.length}` : 'unknown file format';
    throw new Exit(`\nFailed: From replay.c:replay_file() line 129:\nError opening pcap file: ${why}\n\n`, 255);
  }
  // libpcap reads a pcapng whose interfaces differ in link type only up to the first other one
  // ("an interface has a type ... different from the type of the first interface"; the reader in
  // libpcap mode): tcpreplay sends the packets before it and stops as at the end of the file, with
  // the statistics of those, or nothing at all when none came before it (measured: dumpcap -i eth0
  // -i any sends nothing and prints nothing, its IDB moved after the first packet sends that one)
  const linktype = firstLinktype(bytes, file);
  if (linktype !== null && !SENT_AS_CAPTURED.has(linktype)) {
    const fatal = FATAL_DLT[linktype];
    if (fatal === undefined) {
      ctx.host.unsupported(`tcpreplay of a capture with link type ${linktype}: natlab replays Ethernet, Linux cooked (SLL) and raw IP captures`);
      throw new Exit(`tcpreplay: link type ${linktype} is not modelled by natlab\n`, 2);
    }
    // flow_decode() of the first packet: get_l2len_protocol() has no case for it, errx(-1) before anything is sent
    throw new Exit(`\nFatal Error in get.c:get_l2len_protocol() line 388:\n Unable to process unsupported DLT type: ${fatal} (0x${linktype.toString(16)})\n`, 255);
  }
  const peer = dev instanceof VethIface && dev.peer !== null ? dev.peer.mac : dev.mac;
  const flows = new TcpreplayFlows();
  const far = dev instanceof VethIface ? dev.peer : null;
  let failed = 0;
  let failedBytes = 0;
  let refusedWhy: string | null = null;
  const rp = new Replayer(reader, { host: ctx.host, dev, how: 'send' }, { rx: peer, peer: dev.mac }, {
    pacing,
    ...(limit !== undefined ? { limit } : {}),
    asCaptured: true,
    onFrame: (f, caplen) => {
      // send_packets(): the flow table sees every packet, sent or not
      flows.add(f, caplen, reader.linktype);
      if (refusedWhy !== null) return false;
      // packet_snd(): longer than the device's MTU (+4 for an 802.1Q tag) is EMSGSIZE; tcpreplay warns and goes on
      const vlan = f.length >= 14 && f[12] === 0x81 && f[13] === 0x00;
      if (f.length > dev.mtu + 14 + (vlan ? 4 : 0)) {
        failed++;
        failedBytes += caplen;
        ctx.out(`Warning in send_packets.c:send_packets() line 489:\nUnable to send packet: Error with PF_PACKET send() [${rp.sent}]: Message too long (errno = 90)\n`);
        return false;
      }
      // is_skb_forwardable(): the far end of the veth drops it, sendto() says ENOBUFS and tcpreplay retries it for ever
      if (far !== null && f.length > far.mtu + 14 + 4) {
        refusedWhy = `tcpreplay: packet ${rp.sent} (${f.length} bytes) is over the MTU of ${far.name} (${far.mtu}) at the far end of ${dev.name}: the kernel drops it with ENOBUFS and tcpreplay retries it for ever; not modelled`;
        ctx.host.unsupported(refusedWhy);
        return false;
      }
      return true;
    },
    onDone: () => {
      if (refusedWhy !== null) {
        ctx.out(`natlab: ${refusedWhy}\n`);
        ctx.exit(2);
        return;
      }
      // libpcap stops quietly at a packet cut short; so does tcpreplay
      const ok = rp.sent - failed;
      if (ok > 0) ctx.out(tcpreplayStats(ok, rp.bytes - failedBytes, Math.floor((rp.lastAt - rp.firstAt) / 1000), dev.name, flows, failed));
      ctx.exit(0);
    },
  });
  rp.start();
}

/**
 * Link types tcpreplay 4.4.3 sends (its bytes as they are: a cooked or raw
 * packet's first bytes stand where the Ethernet header would be; measured:
 * an SLL packet arrives as a frame to 00:04:00:01:00:06 (packet type 4,
 * ARPHRD 1, length 6) from the sender's MAC, a raw IPv4 packet as one to
 * 45:00:...) and natlab models: Ethernet, Linux cooked SLL, raw IP.
 */
const SENT_AS_CAPTURED: ReadonlySet<number> = new Set([0, 1, 12, 101, 113]);
/**
 * link types get_l2len_protocol() has no case for, by pcap_datalink_val_to_description() (measured;
 * 14 is DLT_RAW on OpenBSD only, a number libpcap has no name for on Linux)
 */
const FATAL_DLT: Record<number, string> = { 14: '(null)', 108: 'OpenBSD loopback', 228: 'Raw IPv4', 276: 'Linux cooked v2' };

/**
 * The link type of the file's first packet (libpcap's pcap_datalink()),
 * null for a file without packets, or whose first packet libpcap does not
 * read (an error before it).
 */
function firstLinktype(bytes: Uint8Array, file: string): number | null {
  try {
    const probe = new CaptureReader(memorySource(bytes), file, true);
    return probe.next() ? probe.linktype : null;
  } catch (e) {
    if (e instanceof NatlabError) return null;
    throw e;
  }
}

function isPcapMagic(b: Uint8Array): boolean {
  const be = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const le = ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0;
  return [0xa1b2c3d4, 0xa1b23c4d].includes(be) || [0xa1b2c3d4, 0xa1b23c4d].includes(le);
}
