/**
 * What Debian's tcpreplay 4.4 (4.4.3) prints, measured in namespaces and
 * read in its source: the statistics after a replay (`packet_stats()` in
 * src/common/utils.c, `flow_stats()` in src/tcpreplay.c, the device block
 * of sendpacket_getstat()), its flow counting (`flow_decode()` in
 * src/common/flows.c) and its error texts.
 *
 * Rates are integer arithmetic on microseconds, truncated, not rounded:
 * "Rated: 749.6 Bps, 0.005 Mbps, 12.49 pps" (Mbps with three decimals
 * below 1 Mbps, two from 1 on; Mbps is bytes*8/10^6).
 */

/**
 * tcpreplay's flow table, as flow_decode() and get_l2len_protocol() of
 * 4.4.3 classify each frame: a flow is the 5-tuple in one direction (ICMP
 * and ICMPv6: type and code in place of the ports). VLAN tags (0x8100,
 * 0x88a8, 0x9100) are skipped. Its quirks are kept, as they decide the
 * counts: an 802.3 frame (type field up to 1500) whose payload starts
 * with nibble 4 or 6 is taken for IPv4 or IPv6 (an STP BPDU's LLC 0x42
 * counts as an IPv4 flow; measured), any other 802.3 frame counts as
 * neither; an IPv6 frame counts as a flow only when the first nibble of
 * the frame itself (the destination MAC) is 6, else it is "non-flow"
 * (measured: an ICMPv6 echo to 02:... counts as non-flow). A packet too
 * short for its headers (IPv4 20, IPv6 40, UDP 8, TCP 20, ICMP 28 bytes:
 * sizeof(icmpv4_hdr_t)) counts as neither. MPLS is not decoded here:
 * such a frame counts as neither.
 */
export class TcpreplayFlows {
  flows = 0;
  flowPackets = 0;
  nonFlowPackets = 0;
  private readonly seen = new Set<string>();

  /**
   * one packet of `caplen` captured bytes, as the capture holds it: an
   * Ethernet frame, or (get_l2len_protocol()'s other cases natlab replays)
   * a Linux cooked (SLL) packet, whose 16-byte header names the protocol,
   * or a raw IP packet, whose first nibble does
   */
  add(f: Uint8Array, caplen: number, linktype = 1): void {
    // BSD loopback (NULL): no flows, whatever the family (measured: no "Flows:" line)
    if (linktype === 0) return;
    if (linktype === 113) {
      if (caplen < 16) return;
      this.decode(f, caplen, 16, (f[14]! << 8) | f[15]!);
      return;
    }
    if (linktype === 101 || linktype === 12) {
      const v = caplen > 0 ? f[0]! >> 4 : 0;
      this.decode(f, caplen, 0, v === 4 ? 0x0800 : v === 6 ? 0x86dd : 0);
      return;
    }
    let l2 = 14;
    if (caplen <= l2) return;
    let type = (f[12]! << 8) | f[13]!;
    // parse_metadata(): VLAN tags, one after the other
    while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
      if (caplen < l2 + 4) return;
      type = (f[l2 + 2]! << 8) | f[l2 + 3]!;
      l2 += 4;
    }
    if (type === 0x8847 || type === 0x8848) return;
    if (caplen <= l2) return;
    if (type <= 1500) {
      // an 802.3 frame: the first nibble of its payload decides
      const v = f[l2]! >> 4;
      if (v === 4) type = 0x0800;
      else if (v === 6) type = 0x86dd;
      else return;
    }
    this.decode(f, caplen, l2, type);
  }

  /** the network and transport headers from `l2` on, of ethertype `type` */
  private decode(f: Uint8Array, caplen: number, l2: number, type: number): void {
    let key: string;
    let proto: number;
    let l4: number;
    if (type === 0x0800) {
      if (caplen < l2 + 20) return;
      if (f[l2]! >> 4 !== 4) {
        this.nonFlowPackets++;
        return;
      }
      proto = f[l2 + 9]!;
      l4 = l2 + (f[l2]! & 0x0f) * 4;
      key = `${f[l2 + 12]}.${f[l2 + 13]}.${f[l2 + 14]}.${f[l2 + 15]}>${f[l2 + 16]}.${f[l2 + 17]}.${f[l2 + 18]}.${f[l2 + 19]}`;
    } else if (type === 0x86dd) {
      if (caplen < l2 + 40) return;
      // flow_decode() tests packet[0], the frame's first byte, not the IPv6 header's
      if (f[0]! >> 4 !== 6) {
        this.nonFlowPackets++;
        return;
      }
      proto = f[l2 + 6]!;
      l4 = l2 + 40;
      if (proto === 0) {
        // a hop-by-hop header: its length and next header
        proto = f[l4] ?? 0;
        l4 += ((f[l4 + 1] ?? 0) + 1) * 8;
      }
      key = `${Array.from(f.subarray(l2 + 8, l2 + 40), (x) => x.toString(16)).join(':')}`;
    } else {
      this.nonFlowPackets++;
      return;
    }
    let a = 0;
    let b = 0;
    if (proto === 17 || proto === 6) {
      if (caplen < l4 + (proto === 6 ? 20 : 8)) return;
      a = (f[l4]! << 8) | f[l4 + 1]!;
      b = (f[l4 + 2]! << 8) | f[l4 + 3]!;
    } else if (proto === 1 || proto === 58) {
      if (caplen < l4 + 28) return;
      a = f[l4]!;
      b = f[l4 + 1]!;
    }
    key += `/${proto}/${a}/${b}`;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.flows++;
    }
    this.flowPackets++;
  }
}

const pad = (n: bigint, w: number): string => n.toString().padStart(w, '0');

/** the lines tcpreplay prints after sending `pkts` packets of `bytes` bytes in `diffUs` microseconds on `iface`, `failed` more refused */
export function tcpreplayStats(pkts: number, bytes: number, diffUs: number, iface: string, flows: TcpreplayFlows | null, failed = 0): string {
  const P = BigInt(pkts);
  const B = BigInt(bytes);
  const D = BigInt(Math.max(0, Math.floor(diffUs)));
  let bps = 0n;
  let bps10 = 0n;
  let mbX1000 = 0n;
  let pps = 0n;
  let pps100 = 0n;
  if (D > 0n && P > 0n && B > 0n) {
    let bX10: bigint;
    let pX100: bigint;
    if (B > 1_000_000_000n && D > 1_000_000n) {
      bX10 = (B * 10n * 1000n) / (D / 1000n);
      pX100 = (P * 100n * 1000n) / (D / 1000n);
    } else {
      bX10 = (B * 10n * 1_000_000n) / D;
      pX100 = (P * 100n * 1_000_000n) / D;
    }
    bps = bX10 / 10n;
    bps10 = bX10 % 10n;
    mbX1000 = (bps * 8n) / 1000n;
    pps = pX100 / 100n;
    pps100 = pX100 % 100n;
  }
  const sec = D / 1_000_000n;
  const usec = D % 1_000_000n;
  let out = D >= 1_000_000n ? `Actual: ${pkts} packets (${bytes} bytes) sent in ${sec}.${pad(usec / 10_000n, 2)} seconds\n` : `Actual: ${pkts} packets (${bytes} bytes) sent in ${sec}.${pad(usec, 6)} seconds\n`;
  const mb = mbX1000 / 1000n;
  out += mb >= 1n ? `Rated: ${bps}.${bps10} Bps, ${mb}.${pad((mbX1000 / 10n) % 100n, 2)} Mbps, ${pps}.${pad(pps100, 2)} pps\n` : `Rated: ${bps}.${bps10} Bps, ${mb}.${pad(mbX1000 % 1000n, 3)} Mbps, ${pps}.${pad(pps100, 2)} pps\n`;
  if (flows !== null && flows.flows > 0) {
    const fX100 = D > 0n ? (BigInt(flows.flows) * 100n * 1_000_000n) / D : 0n;
    out += `Flows: ${flows.flows} flows, ${fX100 / 100n}.${pad(fX100 % 100n, 2)} fps, ${flows.flowPackets} unique flow packets, ${flows.nonFlowPackets} unique non-flow packets\n`;
  }
  out += `Statistics for network device: ${iface}\n`;
  out += `\tSuccessful packets:        ${pkts}\n\tFailed packets:            ${failed}\n\tTruncated packets:         0\n\tRetried packets (ENOBUFS): 0\n\tRetried packets (EAGAIN):  0\n`;
  return out;
}

/** the usage text tcpreplay prints after an argument error */
export const TCPREPLAY_USAGE = `tcpreplay (tcpreplay) - Replay network traffic stored in pcap files
Usage:  tcpreplay [ -<flag> [<val>] | --<name>[{=| }<val>] ]... \\
\t\t<pcap_file(s)> | <pcap_dir(s)>

   -d, --dbug=num             Enable debugging output
   -q, --quiet                Quiet mode
   -T, --timer=str            Select packet timing mode: select, ioport, gtod, nano
       --maxsleep=num         Sleep for no more then X milliseconds between packets
   -v, --verbose              Print decoded packets via tcpdump to STDOUT
   -A, --decode=str           Arguments passed to tcpdump decoder
   -K, --preload-pcap         Preloads packets into RAM before sending
   -c, --cachefile=str        Split traffic via a tcpprep cache file
   -2, --dualfile             Replay two files at a time from a network tap
   -i, --intf1=str            Client to server/RX/primary traffic output interface
   -I, --intf2=str            Server to client/TX/secondary traffic output interface
       --listnics             List available network interfaces and exit
   -l, --loop=num             Loop through the capture file X times
       --loopdelay-ms=num     Delay between loops in milliseconds
       --pktlen               Override the snaplen and use the actual packet len
   -L, --limit=num            Limit the number of packets to send
       --duration=num         Limit the number of seconds to send
   -x, --multiplier=str       Modify replay speed to a given multiple
   -p, --pps=str              Replay packets at a given packets/sec
   -M, --mbps=str             Replay packets at a given Mbps
   -t, --topspeed             Replay packets as fast as possible
   -o, --oneatatime           Replay one packet at a time for each user input
       --pps-multi=num        Number of packets to send for each time interval
       --unique-ip            Modify IP addresses each loop iteration to generate unique flows
       --unique-ip-loops=str  Number of times to loop before assigning new unique ip
       --no-flow-stats        Suppress printing and tracking flow count, rates and expirations
       --flow-expiry=num      Number of inactive seconds before a flow is considered expired
   -P, --pid                  Print the PID of tcpreplay at startup
       --stats=num            Print statistics every X seconds, or every loop if '0'
   -V, --version              Print version information
   -h, --less-help            Display less usage information and exit
   -H, --help                 display extended usage information and exit
   -!, --more-help            extended usage information passed thru pager
       --save-opts[=arg]      save the option state to a config file
       --load-opts=str        load options from a config file

Options are specified by doubled hyphens and their name or by a single
hyphen and the flag character.
tcpreplay is a tool for replaying network traffic from files saved with
tcpdump or other tools which write pcap(3) files.

Please send bug reports to:  <tcpreplay-users@lists.sourceforge.net>
`;
