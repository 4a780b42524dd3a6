/**
 * Turning a captured packet into the Ethernet frame natlab's wires carry,
 * by the capture's link type (pcap-linktype(7)):
 *
 * - LINKTYPE_ETHERNET (1): as captured.
 * - LINKTYPE_LINUX_SLL (113), `tcpdump -i any` before libpcap 1.10: a
 *   16-byte cooked header (packet type, ARPHRD, address length, up to 8
 *   address bytes, protocol) in place of the Ethernet header.
 * - LINKTYPE_LINUX_SLL2 (276), `tcpdump -i any` since libpcap 1.10: 20
 *   bytes (protocol, reserved, ifindex, ARPHRD, packet type, address
 *   length, address).
 * - LINKTYPE_RAW (101), LINKTYPE_IPV4 (228) and 12 (DLT_RAW as Linux
 *   numbers it, which libpcap takes for it in a file): a bare IPv4 packet.
 * - LINKTYPE_NULL (0), BSD loopback (`tcpdump -i lo0` on macOS and the
 *   BSDs): a 4-byte address family in the capturing host's byte order,
 *   AF_INET (2) read in either order, then the packet.
 *
 * A cooked header keeps only the sender's link address, a raw packet none,
 * so the Ethernet header is made up, the way the frame would look arriving
 * at the replay's interface: the destination is that interface's MAC for a
 * unicast packet (cooked packet type HOST, OTHERHOST or OUTGOING, or any
 * raw packet to a unicast address), ff:ff:ff:ff:ff:ff for a broadcast,
 * 01:00:5e + the low 23 bits of the group for IPv4 multicast; the source
 * is the cooked header's 6-byte address when it has one, otherwise the MAC
 * of the wire's other end. `wrapNote()` says so in words for the summary.
 */
import { NatlabError } from '../config/errors.js';
import { macToString } from '../wire/mac.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW's Linux number (OpenBSD's 14 is another): libpcap reads 12 in a file as DLT_RAW */
export const DLT_RAW_LINUX = 12;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_LINUX_SLL2 = 276;

const ARPHRD_ETHER = 1;
const PACKET_BROADCAST = 1;
const PACKET_MULTICAST = 2;

export const LINKTYPE_NAMES: Record<number, string> = {
  [LINKTYPE_NULL]: 'BSD loopback (NULL)',
  [LINKTYPE_ETHERNET]: 'Ethernet',
  [DLT_RAW_LINUX]: 'raw IPv4',
  [LINKTYPE_RAW]: 'raw IPv4',
  [LINKTYPE_LINUX_SLL]: 'Linux cooked (SLL)',
  [LINKTYPE_IPV4]: 'raw IPv4',
  [LINKTYPE_LINUX_SLL2]: 'Linux cooked v2 (SLL2)',
};

/** Is this a link type the replay understands? */
export function linktypeSupported(lt: number): boolean {
  return LINKTYPE_NAMES[lt] !== undefined;
}

/** The MACs a made-up Ethernet header uses. */
export interface WrapMacs {
  /** the interface the frames arrive on */
  rx: Uint8Array;
  /** the other end of its wire */
  peer: Uint8Array;
}

/** an Ethernet capture's packet of `len` bytes is a frame as it is, unless it is shorter than a header: throws then */
export function checkEthernet(len: number, number: number, file: string): void {
  if (len < 14) throw new NatlabError(`packet ${number}: ${len} bytes, shorter than an Ethernet header`, { file });
}

/**
 * The Ethernet frame for one captured packet, which the model keeps and
 * rewrites: for an Ethernet capture the captured bytes themselves (the
 * caller must own them: the capture reader's take()), for the others a
 * fresh buffer.
 * `number` and `file` name the packet in errors.
 */
export function toEthernet(linktype: number, data: Uint8Array, macs: WrapMacs, number: number, file: string): Uint8Array {
  switch (linktype) {
    case LINKTYPE_ETHERNET: {
      checkEthernet(data.length, number, file);
      return data;
    }
    case LINKTYPE_LINUX_SLL: {
      if (data.length < 16) throw new NatlabError(`packet ${number}: ${data.length} bytes, shorter than a Linux cooked header (16)`, { file });
      const pktType = (data[0]! << 8) | data[1]!;
      const hatype = (data[2]! << 8) | data[3]!;
      const halen = (data[4]! << 8) | data[5]!;
      const proto = (data[14]! << 8) | data[15]!;
      return cooked(data, 16, pktType, hatype === ARPHRD_ETHER && halen === 6 ? 6 : -1, proto, macs);
    }
    case LINKTYPE_LINUX_SLL2: {
      if (data.length < 20) throw new NatlabError(`packet ${number}: ${data.length} bytes, shorter than a Linux cooked v2 header (20)`, { file });
      const proto = (data[0]! << 8) | data[1]!;
      const hatype = (data[8]! << 8) | data[9]!;
      const pktType = data[10]!;
      const halen = data[11]!;
      return cooked(data, 20, pktType, hatype === ARPHRD_ETHER && halen === 6 ? 12 : -1, proto, macs);
    }
    case LINKTYPE_NULL: {
      // AF_INET is 2 on every system; the header is in the capturing host's order
      const le = data.length >= 4 && data[0] === 2 && data[1] === 0 && data[2] === 0 && data[3] === 0;
      const be = data.length >= 4 && data[0] === 0 && data[1] === 0 && data[2] === 0 && data[3] === 2;
      if (!le && !be) throw new NatlabError(`packet ${number}: a BSD loopback packet of another family than AF_INET (natlab replays IPv4)`, { file });
      return rawIpv4(data.subarray(4), macs, linktype, number, file);
    }
    case LINKTYPE_RAW:
    case DLT_RAW_LINUX:
    case LINKTYPE_IPV4:
      return rawIpv4(data, macs, linktype, number, file);
    default:
      throw new NatlabError(`link type ${linktype} is not one natlab replays (Ethernet, Linux cooked SLL/SLL2, raw IPv4, BSD loopback)`, { file });
  }
}

/** a bare IPv4 packet in a made-up Ethernet header */
function rawIpv4(data: Uint8Array, macs: WrapMacs, linktype: number, number: number, file: string): Uint8Array {
  if (data.length < 20 || data[0]! >> 4 !== 4) throw new NatlabError(`packet ${number}: not an IPv4 packet (raw link type ${linktype})`, { file });
  const out = new Uint8Array(14 + data.length);
  setDst(out, data, 0, -1, macs);
  out.set(macs.peer, 6);
  out[12] = 0x08;
  out[13] = 0x00;
  out.set(data, 14);
  return out;
}

/** a cooked packet: the payload after `hdr` bytes, the sender's MAC at `srcAt` (or -1) */
function cooked(data: Uint8Array, hdr: number, pktType: number, srcAt: number, proto: number, macs: WrapMacs): Uint8Array {
  const out = new Uint8Array(14 + data.length - hdr);
  const ip = proto === 0x0800 && data.length >= hdr + 20 ? hdr : -1;
  setDst(out, data, ip, pktType, macs);
  if (srcAt >= 0) out.set(data.subarray(srcAt, srcAt + 6), 6);
  else out.set(macs.peer, 6);
  out[12] = proto >> 8;
  out[13] = proto & 0xff;
  out.set(data.subarray(hdr), 14);
  return out;
}

/** the made-up destination MAC: broadcast, IPv4 multicast, or the receiving interface */
function setDst(out: Uint8Array, data: Uint8Array, ipAt: number, pktType: number, macs: WrapMacs): void {
  const raw = pktType < 0;
  const ip = raw ? 0 : ipAt;
  if (ip >= 0 && data.length >= ip + 20) {
    const d0 = data[ip + 16]!;
    const all1 = d0 === 255 && data[ip + 17] === 255 && data[ip + 18] === 255 && data[ip + 19] === 255;
    if (all1 || pktType === PACKET_BROADCAST) {
      out.fill(0xff, 0, 6);
      return;
    }
    if ((d0 & 0xf0) === 0xe0) {
      out[0] = 0x01;
      out[1] = 0x00;
      out[2] = 0x5e;
      out[3] = data[ip + 17]! & 0x7f;
      out[4] = data[ip + 18]!;
      out[5] = data[ip + 19]!;
      return;
    }
  } else if (pktType === PACKET_BROADCAST || pktType === PACKET_MULTICAST) {
    out.fill(0xff, 0, 6);
    return;
  }
  out.set(macs.rx, 0);
}

/** one line for the summary: which MACs a made-up Ethernet header carries */
export function wrapNote(linktype: number, macs: WrapMacs, into: string): string | null {
  if (linktype === LINKTYPE_ETHERNET) return null;
  const src = linktype === LINKTYPE_RAW || linktype === LINKTYPE_IPV4 ? macToString(macs.peer) : `the cooked header's sender address (else ${macToString(macs.peer)})`;
  return `${LINKTYPE_NAMES[linktype]} packets wrapped in Ethernet: source ${src}, destination ${macToString(macs.rx)} (${into}), ff:ff:ff:ff:ff:ff for broadcasts, 01:00:5e:.. for IPv4 multicast`;
}
