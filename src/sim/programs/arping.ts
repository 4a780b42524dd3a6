/**
 * `arping` as Thomas Habets' arping 2.23 (Debian bookworm's `arping`):
 * ARP who-has requests for an IPv4 address, sent on a packet socket, one
 * per interval (-W, 1 s), each followed by a wait in which every ARP reply
 * from that address to our MAC is printed, or `Timeout` when none came.
 *
 *   for each of -c N (or forever): send; wait min(-W, time left of -w)
 *   (a wait of 0 ends the loop); then the statistics; exit 0 if any reply
 *
 * stdout is block buffered (a file): what arping flushes reaches the output;
 * a SIGTERM kills it and loses the rest. SIGINT prints the statistics.
 */
import { ARPOP_REPLY, ARPOP_REQUEST, ARP_SHA, ARP_THA, arpHln, arpHrd, arpOp, arpPln, arpPro, arpSpa, buildArpFrame, ARPHRD_ETHER } from '../../wire/arp.js';
import { ETH_HLEN, ETH_P_ARP, ETH_P_IP } from '../../wire/ethernet.js';
import { ip4ToString } from '../../wire/ip4.js';
import { BROADCAST_MAC, ZERO_MAC, macEq, macToString } from '../../wire/mac.js';
import { devQueueXmit } from '../../model/dev.js';
import type { Iface } from '../../model/iface.js';
import type { PacketSocket } from '../../model/sockets.js';
import { SK_ROOT, Skb } from '../../model/skb.js';
import type { Timer } from '../queue.js';
import { NS_PER_S } from '../queue.js';
import { stdioBuffer, type Program, type ProgramContext, type ProgramMain } from '../program.js';
import { getopt } from './getopt.js';
import { inetAton } from './ping.js';

const OPTSTRING = '0aAbBC:c:dDeFg:hi:I:m:pPqQ:rRs:S:t:T:uUvV:w:W:zZ';
const USAGE = `ARPing 2.23, by Thomas Habets <thomas@habets.se>
usage: arping [ -0aAbdDeFpPqrRuUvzZ ] [ -w <sec> ] [ -W <sec> ] [ -S <host/ip> ]
              [ -T <host/ip ] [ -s <MAC> ] [ -t <MAC> ] [ -c <count> ]
              [ -C <count> ] [ -i <interface> ] [ -m <type> ] [ -g <group> ]
              [ -V <vlan> ] [ -Q <priority> ] <host/ip/MAC | -B>
For complete usage info, use --help or check the manpage.
`;
/** the zero padding arping 2.23 appends to its ARP request */
const PADDING = 16;

/** C's atoi(): leading digits, else 0 */
function atoi(s: string): number {
  const m = /^\s*[-+]?\d+/.exec(s);
  return m === null ? 0 : Math.trunc(Number(m[0]));
}
/** C's atof() */
function atof(s: string): number {
  const m = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(s);
  return m === null ? 0 : Number(m[0]);
}

/** printf("%3.0f"): round half to even on the exact value, width 3 */
function fmt3_0(x: number): string {
  const fl = Math.floor(x);
  const d = x - fl;
  const r = d > 0.5 ? fl + 1 : d < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
  return String(r).padStart(3, ' ');
}

/** ts2str(): an interval in the largest unit below 1000 */
function ts2str(fromS: number, toS: number): string {
  let f = (toS - fromS) * 1000000000;
  let exp = 0;
  while (f > 1000) {
    exp += 3;
    f /= 1000;
  }
  switch (exp) {
    case 0:
      return `${f.toFixed(3)} nsec`;
    case 3:
      return `${f.toFixed(3)} usec`;
    case 6:
      return `${f.toFixed(3)} msec`;
    case 9:
      return `${f.toFixed(3)} sec`;
    case 12:
      return `${(f * 1000).toFixed(3)} sec`;
    default:
      return `${f.toFixed(3)}e${exp - 9} sec`;
  }
}

/** the display modes of arping 2.23: -D dots, -q nothing, -r MAC, -R IP, -r -R both */
type Display = 'normal' | 'quiet' | 'dot' | 'raw' | 'rraw' | 'rawraw';

/** where the Ethernet source address starts in a frame */
const ETH_ALEN_SRC = 6;

/**
 * get_mac_addr(): sscanf() with "%x:%x:%x:%x:%x:%x", "%2x%x.%2x%x.%2x%x"
 * or "%x-%x-%x-%x-%x-%x", each number cut to its low byte; what follows
 * six numbers is ignored, as sscanf() ignores it. %2x takes its two
 * digits greedily and never gives one back (a lookahead and its
 * backreference make that group atomic): "198.51.100.1" is no MAC address
 * ("19", "8", "51", then %x finds '.'), as arping says.
 */
export function getMacAddr(s: string): Uint8Array | null {
  const hex = '\\s*(?:0[xX])?([0-9a-fA-F]+)';
  const forms = [
    new RegExp(`^${hex}:${hex}:${hex}:${hex}:${hex}:${hex}`),
    /^\s*(?:0[xX])?(?=([0-9a-fA-F]{1,2}))\1([0-9a-fA-F]+)\.(?=([0-9a-fA-F]{1,2}))\3([0-9a-fA-F]+)\.(?=([0-9a-fA-F]{1,2}))\5([0-9a-fA-F]+)/,
    new RegExp(`^${hex}-${hex}-${hex}-${hex}-${hex}-${hex}`),
  ];
  for (const re of forms) {
    const m = re.exec(s);
    if (m === null) continue;
    const out = new Uint8Array(6);
    for (let i = 0; i < 6; i++) out[i] = Number(BigInt.asUintN(32, BigInt(`0x${m[i + 1]!}`)) & 0xffn);
    return out;
  }
  return null;
}

function fmtMs(x: number): string {
  return Number.isNaN(x) ? '-nan' : x.toFixed(3);
}

export const arpingMain: ProgramMain = (ctx: ProgramContext): Program => {
  const h = ctx.host;
  const { print, flush, discard } = stdioBuffer(ctx);
  const stderr = (t: string): void => {
    ctx.out(t);
  };
  let ended = false;
  let timer: Timer | null = null;
  let sock: PacketSocket | null = null;
  const end = (code: number): void => {
    if (ended) return;
    ended = true;
    timer?.cancel();
    if (sock !== null) {
      const i = h.sockets.packet.indexOf(sock);
      if (i >= 0) h.sockets.packet.splice(i, 1);
    }
    ctx.exit(code);
  };
  const quit = (text: string, code: number): Program => {
    stderr(text);
    end(code);
    return { signal: () => undefined };
  };

  // ---- options -----------------------------------------------------------------
  if (ctx.argv.slice(1).includes('--help')) {
    h.unsupported('arping --help is not modelled');
    return quit('', 2);
  }
  const g = getopt(ctx.argv.slice(1), OPTSTRING);
  let maxcount = -1;
  let maxReplies = Infinity;
  let ifname: string | null = null;
  let deadline = -1;
  let packetwait = 1000000; // us
  let srcOpt: string | null = null;
  /** -D, -q, -r, -R: how replies and timeouts are shown (the display enum) */
  let display: Display = 'normal';
  let finddup = false;
  let addrMustBeSame = false;
  let unsolicited = false;
  let sendReply = false;
  let alsototal = false;
  let srcmacOpt: string | null = null;
  let dstmacOpt: string | null = null;
  for (const { opt, arg } of g.opts) {
    switch (opt) {
      case 'c':
        maxcount = atoi(arg);
        break;
      case 'C':
        maxReplies = atoi(arg) >>> 0;
        break;
      case 'i':
      case 'I':
        ifname = arg;
        break;
      case 'q':
        display = 'quiet';
        break;
      case 'D':
        display = 'dot';
        break;
      case 'r':
        display = display === 'rraw' ? 'rawraw' : 'raw';
        break;
      case 'R':
        display = display === 'raw' ? 'rawraw' : 'rraw';
        break;
      case 'd':
        finddup = true;
        break;
      case 'A':
        addrMustBeSame = true;
        break;
      case 'U':
        unsolicited = true;
        break;
      case 'P':
        sendReply = true;
        break;
      case 'u':
        alsototal = true;
        break;
      case 's':
        srcmacOpt = arg;
        break;
      case 't':
        dstmacOpt = arg;
        break;
      case 'w':
        deadline = atof(arg);
        break;
      case 'W':
        packetwait = Math.trunc(1000000.0 * atof(arg)) >>> 0;
        break;
      case 'S':
        srcOpt = arg;
        break;
      case '0':
        srcOpt = '0.0.0.0';
        break;
      case 'h':
        return quit(USAGE, 0);
      default:
        h.unsupported(`arping -${opt} is not modelled`);
        return quit(`arping: natlab does not model option -${opt}\n`, 2);
    }
  }
  if (g.error !== null) return quit(`arping: ${g.error.message}\n${USAGE}`, 1);
  if (finddup && maxcount === -1) maxcount = 3;
  // the MACs are parsed after the options, source first
  let srcmacGiven: Uint8Array | null = null;
  if (srcmacOpt !== null) {
    srcmacGiven = getMacAddr(srcmacOpt);
    if (srcmacGiven === null) return quit(`arping: Weird MAC addr ${srcmacOpt}\n`, 1);
  }
  let dstmac: Uint8Array = BROADCAST_MAC;
  if (dstmacOpt !== null) {
    const m = getMacAddr(dstmacOpt);
    if (m === null) return quit(`Illegal MAC addr ${dstmacOpt}\n`, 1);
    dstmac = m;
  }
  const parm = g.operands[0];
  if (parm === undefined && finddup) {
    h.unsupported('arping -d without a target (its own address) is not modelled');
    return quit('arping: natlab does not model -d without a target\n', 2);
  }
  if (parm === undefined) return quit(USAGE, 1);
  if (/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(parm)) {
    h.unsupported('arping to a MAC address (ICMP ping by MAC) is not modelled');
    return quit('arping: natlab does not model MAC pings\n', 2);
  }
  const dstip = inetAton(parm);
  if (dstip === null) return quit(`arping: Can't resolve ${parm}\n`, 1);
  let srcip = 0;
  if (srcOpt !== null) {
    const s = inetAton(srcOpt);
    if (s === null) return quit(`arping: Can't resolve ${srcOpt}\n`, 1);
    srcip = s;
  }

  // ---- interface: -i, else the one whose subnet holds the target, else a guess ----
  let dev: Iface | undefined;
  if (ifname !== null) {
    dev = h.ifaceByName(ifname);
    if (dev === undefined) return quit(`arping: libnet_init(LIBNET_LINK, ${ifname}): libnet_check_iface() ioctl: No such device\n`, 1);
  } else {
    dev = h.ifaces.find((i) => i.up && i.kind !== 'loopback' && i.addrs.some((a) => ((a.addr ^ dstip) & a.mask) === 0));
    if (dev === undefined) {
      dev = h.ifaces.find((i) => i.up && i.kind !== 'loopback');
      if (dev === undefined) {
        h.unsupported('arping on a host without an interface that is up is not modelled');
        return quit('arping: natlab: no interface is up\n', 2);
      }
      stderr(
        'arping: lookup dev: No matching interface found using getifaddrs().\n' +
          'arping: Unable to automatically find interface to use. Is it on the local LAN?\n' +
          `arping: Use -i to manually specify interface. Guessing interface ${dev.name}.\n`,
      );
    }
  }
  if (srcOpt === null) {
    const a = dev.addrs.find((x) => !x.secondary) ?? dev.addrs[0];
    if (a === undefined) {
      h.unsupported(`arping on ${dev.name}, which has no IPv4 address, without -S: not modelled`);
      return quit(`arping: Unable to get the IPv4 address of interface ${dev.name}\n`, 1);
    }
    srcip = a.addr;
  }
  const out = dev;
  const srcmac = srcmacGiven ?? out.mac;
  const target = ip4ToString(dstip);

  // ---- the loop ---------------------------------------------------------------------
  let numsent = 0;
  let numrecvd = 0;
  let timeToDie = false;
  let lastSent = 0; // s
  let statsMin = -1;
  let statsMax = -1;
  let statsTotal = 0;
  let statsSq = 0;
  let count = 0;
  let waitingFrom = 0;
  let dupfound = false;
  const lastReplyMac = new Uint8Array(6);
  const nowS = (): number => h.now() / NS_PER_S;

  if (display === 'normal') print(`ARPING ${target}\n`);
  const endAt = deadline > 0 ? nowS() + deadline : -1;

  sock = {
    dev: out,
    ethertype: ETH_P_ARP,
    deliver(frame) {
      if (ended || timer === null) return;
      pingipRecv(frame);
    },
  };
  h.sockets.packet.push(sock);

  /** pingip_recv(): an ARP reply from the target to our MAC */
  function pingipRecv(f: Uint8Array): void {
    const o = ETH_HLEN;
    if (f.length < ETH_HLEN + 8 + 2 * (6 + 4)) return;
    if (arpHln(f, o) !== 6 || arpPln(f, o) !== 4 || arpOp(f, o) !== ARPOP_REPLY || arpPro(f, o) !== ETH_P_IP || arpHrd(f, o) !== ARPHRD_ETHER) return;
    // -A: sent by the target MAC (-t; broadcast by default, so nothing matches)
    if (addrMustBeSame && !macEq(f, o + ARP_SHA, dstmac, 0)) return;
    // to the source MAC we used (-s, else the interface's)
    if (!macEq(f, o + ARP_THA, srcmac, 0)) return;
    if (arpSpa(f, o) !== dstip) return;
    const arrival = nowS();
    const sample = arrival - lastSent;
    if (statsMin < 0 || sample < statsMin) statsMin = sample;
    if (sample > statsMax) statsMax = sample;
    statsTotal += sample;
    statsSq += sample * sample;
    const mac = macToString(f, ETH_ALEN_SRC); // pkt_srcmac: the Ethernet source
    if (display === 'dot') print('!');
    else if (display === 'normal') print(`${f.length} bytes from ${mac} (${target}): index=${numrecvd}${alsototal ? `/${numsent - 1}` : ''} time=${ts2str(lastSent, arrival)}`);
    else if (display === 'rawraw') print(`${mac} ${target}`);
    else if (display === 'rraw') print(target);
    else if (display === 'raw') print(mac);
    flush();
    if (display !== 'quiet' && display !== 'dot') print('\n');
    // -d: a reply from another MAC than the last one
    if (numrecvd > 0 && !macEq(lastReplyMac, 0, f, ETH_ALEN_SRC)) dupfound = true;
    lastReplyMac.set(f.subarray(ETH_ALEN_SRC, ETH_ALEN_SRC + 6));
    numrecvd++;
    if (numrecvd >= maxReplies) {
      timeToDie = true;
      // ping_recv() sees time_to_die on its next turn and returns
      timer?.cancel();
      timer = ctx.after(0, finish);
    }
  }

  /** wait_time(): the wait after a request, in us */
  const waitTime = (): number => {
    if (endAt < 0) return packetwait;
    const maxWait = endAt - nowS();
    if (maxWait < 0) return 0;
    if (maxWait > packetwait / 1000000.0) return packetwait;
    return Math.trunc(maxWait * 1000000);
  };

  const step = (): void => {
    if (ended) return;
    if ((maxcount >= 0 && count >= maxcount) || timeToDie) {
      finish();
      return;
    }
    // pingip_send()
    const frame = new Uint8Array(ETH_HLEN + 28 + PADDING);
    // -P sends a reply; -U puts the broadcast MAC, -P the target MAC, in the target hardware address
    const tha = unsolicited ? BROADCAST_MAC : sendReply ? dstmac : ZERO_MAC;
    frame.set(buildArpFrame(sendReply ? ARPOP_REPLY : ARPOP_REQUEST, srcmac, dstmac, srcmac, srcip, tha, dstip));
    const skb = new Skb(frame);
    skb.fromLocal = true;
    skb.sk = SK_ROOT; // arping's packet socket, opened as root
    devQueueXmit(h, out, skb);
    lastSent = nowS();
    numsent++;
    const w = waitTime();
    if (w === 0) {
      finish();
      return;
    }
    waitingFrom = numrecvd;
    timer = ctx.after(w * 1000, () => {
      timer = null;
      if (numrecvd === waitingFrom) {
        if (display === 'normal') print('Timeout\n');
        else if (display === 'dot') print('.');
        flush();
      }
      count++;
      step();
    });
  };

  const finish = (): void => {
    if (ended) return;
    const succ = Math.fround(100.0 - Math.fround((100.0 * Math.fround(numrecvd)) / Math.fround(numsent)));
    if (display === 'dot') {
      print(`\t${fmt3_0(succ < 0 ? 0 : succ)}% packet loss (${succ < 0 ? numrecvd - numsent : 0} extra)\n`);
    } else if (display === 'normal') {
      print(`\n--- ${target} statistics ---\n${numsent} packets transmitted, ${numrecvd} packets received, ${fmt3_0(succ < 0 ? 0 : succ)}% unanswered (${succ < 0 ? numrecvd - numsent : 0} extra)\n`);
      if (numrecvd) {
        const avg = statsTotal / numrecvd;
        print(`rtt min/avg/max/std-dev = ${fmtMs(1000 * statsMin)}/${fmtMs(1000 * avg)}/${fmtMs(1000 * statsMax)}/${fmtMs(1000 * Math.sqrt(statsSq / numrecvd - avg * avg))} ms`);
      }
      print('\n');
    }
    flush();
    end(finddup ? (dupfound ? 1 : 0) : numrecvd ? 0 : 1);
  };

  step();
  return {
    signal(sig) {
      if (ended) return;
      if (sig === 'SIGINT') {
        // sigint(): time_to_die; the wait returns, the loop ends, statistics follow
        timeToDie = true;
        timer?.cancel();
        finish();
        return;
      }
      discard();
      end(143);
    },
  };
};
