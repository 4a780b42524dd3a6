/**
 * The replay fuzzer's DHCP frames: what DHCP clients on the injecting
 * host's wire might send to the segment's dnsmasq. The clients are this
 * host's own MAC and a few made-up ones; each message is drawn on its own
 * (no client runs a state machine), so dnsmasq meets every state of
 * RFC 2131 in any order and with any pairing of fields:
 *
 * - DISCOVER, with or without a requested address (option 50);
 * - REQUEST as SELECTING (our server id or another's), INIT-REBOOT (option
 *   50 alone), RENEWING (unicast from ciaddr) and REBINDING (broadcast
 *   from ciaddr);
 * - DECLINE, RELEASE and INFORM, and now and then a BOOTP request (no
 *   option 53);
 * - options a real client sends: client identifier (61), hostname (12,
 *   sometimes with a domain or characters a DNS name does not allow),
 *   client FQDN (81), parameter request list (55), maximum message size
 *   (57), vendor class (60); padding to BOOTP's 300 bytes or none; the
 *   broadcast flag always without ciaddr (see next());
 * - addresses drawn from the pool, from the subnet outside the pool, from
 *   another network, the server's own, this host's, and ones asked for
 *   before (another client's lease).
 *
 * Built byte by byte here, not by natlab's DHCP codec, which it tests.
 */
import type { Prng } from './prng.js';
import { eth, fold, ip4, ipHeader, put16, put32, sum16, type Datagram } from './frame-bytes.js';

/** the segment's DHCP server, as the injecting host sees it */
export interface DhcpServerView {
  /** the server's address on the segment and the MAC frames to it go to */
  server: string;
  mac: readonly number[];
  /** the --dhcp-range's first and last address */
  first: string;
  last: string;
}

interface DhcpClient {
  mac: readonly number[];
  /** option 61 as this client sends it (when it does) */
  clientId: number[];
  /** the addresses it has asked for */
  asked: string[];
}

const DISCOVER = 1;
const REQUEST = 3;
const DECLINE = 4;
const RELEASE = 7;
const INFORM = 8;

const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const NAMES = ['fzhost', 'laptop-7', 'android-1a2b', 'pc.example.lan', 'bad_name!', 'x'];
const VENDOR = ['MSFT 5.0', 'udhcp 1.36.1', 'android-dhcp-13'];
/** what option 55 may ask for: the common options and the ones dnsmasq-options.ts configures */
const PRL = [1, 2, 3, 6, 12, 15, 26, 28, 42, 43, 44, 46, 51, 54, 58, 59, 66, 67, 119, 121, 200, 201, 252];

const asNum = (s: string): number => ip4(s).reduce((a, b) => a * 256 + b, 0);
const asStr = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export class DhcpFrameMaker {
  private readonly clients: DhcpClient[];
  /** every address some client has asked for */
  private readonly asked: string[] = [];

  constructor(
    private readonly rng: Prng,
    private readonly hostMac: readonly number[],
    private readonly hostIp: string,
    private readonly d: DhcpServerView,
  ) {
    this.clients = [hostMac, ...[1, 2, 3].map((i) => [0x02, 0, 0, 0, 0x0c, i])].map((mac) => ({
      mac,
      clientId: rng.chance(0.5) ? [1, ...mac] : [0x66, 0x7a, 0x2d, mac[5]!],
      asked: [],
    }));
  }

  /** an address to ask for or to claim as ciaddr */
  private address(c: DhcpClient): string {
    const rng = this.rng;
    const r = rng.next();
    if (r < 0.45) return asStr(rng.int(asNum(this.d.first), asNum(this.d.last)));
    if (r < 0.6 && c.asked.length > 0) return rng.pick(c.asked);
    if (r < 0.7 && this.asked.length > 0) return rng.pick(this.asked);
    if (r < 0.78) return this.hostIp;
    if (r < 0.84) return this.d.server;
    if (r < 0.92) return `${this.d.first.split('.').slice(0, 3).join('.')}.${rng.pick([20, 99, 151, 200])}`;
    return '172.16.5.5';
  }

  /** one DHCP message from one of the clients, as an Ethernet frame */
  next(): Uint8Array {
    const rng = this.rng;
    const c = rng.pick(this.clients);
    const type = rng.pick([DISCOVER, DISCOVER, DISCOVER, REQUEST, REQUEST, REQUEST, REQUEST, REQUEST, DECLINE, RELEASE, INFORM, INFORM, 0]);
    let state = '';
    let ciaddr = '0.0.0.0';
    let requested: string | null = null;
    let serverId: string | null = null;
    /** the message is sent to the server's address (else broadcast) */
    let unicast = false;
    switch (type) {
      case DISCOVER:
        if (rng.chance(0.4)) requested = this.address(c);
        break;
      case REQUEST:
        state = rng.pick(['selecting', 'selecting', 'init-reboot', 'renewing', 'rebinding']);
        if (state === 'selecting') {
          requested = this.address(c);
          serverId = rng.chance(0.85) ? this.d.server : '10.254.0.1';
        } else if (state === 'init-reboot') requested = this.address(c);
        else {
          ciaddr = this.address(c);
          unicast = state === 'renewing';
          // a client that also names the address (RFC 2131 says it must not)
          if (rng.chance(0.15)) requested = this.address(c);
        }
        break;
      case DECLINE:
        requested = this.address(c);
        serverId = rng.chance(0.85) ? this.d.server : '10.254.0.1';
        break;
      case RELEASE:
        ciaddr = this.address(c);
        serverId = rng.chance(0.85) ? this.d.server : '10.254.0.1';
        unicast = rng.chance(0.7);
        break;
      case INFORM:
        ciaddr = rng.chance(0.85) ? this.address(c) : '0.0.0.0';
        unicast = ciaddr !== '0.0.0.0' && rng.chance(0.5);
        break;
      default:
        // BOOTP: no message type
        break;
    }
    if (requested !== null) this.remember(c, requested);
    const opts: number[] = [];
    if (type !== 0) opts.push(53, 1, type);
    if (rng.chance(0.35)) opts.push(61, c.clientId.length, ...c.clientId);
    if (requested !== null) opts.push(50, 4, ...ip4(requested));
    if (serverId !== null) opts.push(54, 4, ...ip4(serverId));
    if (type !== RELEASE && type !== DECLINE) {
      if (rng.chance(0.2)) opts.push(57, 2, ...(rng.chance(0.5) ? [0x02, 0x40] : [0x05, 0xdc]));
      if (rng.chance(0.35)) {
        const name = [...rng.pick(NAMES)].map((ch) => ch.charCodeAt(0));
        opts.push(12, name.length, ...name);
      }
      if (rng.chance(0.12)) {
        // client FQDN: flags (S, or none), two obsolete RCODE bytes, the name in ASCII
        const name = [...rng.pick(['fzq', 'fzq.example.lan'])].map((ch) => ch.charCodeAt(0));
        opts.push(81, 3 + name.length, rng.pick([0, 1]), 0, 0, ...name);
      }
      if (rng.chance(0.15)) {
        const v = [...rng.pick(VENDOR)].map((ch) => ch.charCodeAt(0));
        opts.push(60, v.length, ...v);
      }
      if (rng.chance(0.7)) {
        const codes = PRL.filter(() => rng.chance(0.6));
        opts.push(55, codes.length, ...codes);
      }
    }
    opts.push(255);
    const bootp = [1, 1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    put32(bootp, 4, rng.int(1, 0xffffffff));
    if (rng.chance(0.2)) put16(bootp, 8, rng.int(1, 30));
    // the broadcast flag whenever there is no ciaddr: dnsmasq's unicast answer to a made-up client would leave
    // a STALE ARP entry (SIOCSARP) probed 5 s later on the kernel's 256 ms timer-wheel grid, at a phase of its
    // own: two such probes could go out in either order, and a DHCP client's before the replay with them
    if (ciaddr === '0.0.0.0') put16(bootp, 10, 0x8000);
    bootp.push(...ip4(ciaddr), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...c.mac, ...new Array<number>(10 + 64 + 128).fill(0), 99, 130, 83, 99, ...opts);
    if (rng.chance(0.7)) while (bootp.length < 300) bootp.push(0);
    const udp = [0, 68, 0, 67, 0, 0, 0, 0, ...bootp];
    put16(udp, 4, udp.length);
    // a broadcast from ciaddr only when it is this host's: a bridge with br_netfilter and a LAN-wide MASQUERADE
    // rewrites broadcasts it floods, and two sources' port 68 to 255.255.255.255:67 would clash there, the second
    // remapped to a port the kernel picks at random (nf_nat_l4proto_unique_tuple(): fuzz-replay-980)
    const fromCiaddr = ciaddr !== '0.0.0.0' && (unicast || (ciaddr === this.hostIp && rng.chance(0.7)));
    const src = fromCiaddr ? ciaddr : '0.0.0.0';
    const dst = unicast ? this.d.server : '255.255.255.255';
    const dg: Datagram = { src, dst, proto: 17, ttl: rng.chance(0.5) ? 64 : 128, id: rng.int(0, 0xffff), tos: rng.chance(0.3) ? 0x10 : 0, df: false, options: [], payload: udp };
    const pseudo = [...ip4(src), ...ip4(dst), 0, 17, udp.length >>> 8, udp.length & 0xff];
    let sum = fold(sum16(pseudo) + sum16(udp));
    if (sum === 0) sum = 0xffff;
    // now and then a checksum a client left out (0) or got wrong
    const bad = rng.next();
    put16(udp, 6, bad < 0.05 ? 0 : bad < 0.08 ? sum ^ 0x0101 : sum);
    return eth(unicast ? this.d.mac : BROADCAST, this.hostMac, 0x0800, [...ipHeader(dg, 20 + udp.length, 0), ...udp]);
  }

  private remember(c: DhcpClient, a: string): void {
    if (!c.asked.includes(a)) c.asked.push(a);
    if (!this.asked.includes(a)) this.asked.push(a);
  }
}
