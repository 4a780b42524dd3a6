/**
 * Ethernet II header: destination, source, EtherType (14 bytes).
 * The frame on the wire carries no FCS here and no padding (veth does not
 * pad short frames, as a capture shows).
 */
import { getU16, setU16 } from './bytes.js';
import { WireError, needRoom } from './errors.js';
import { copyMac, macToString, parseMac } from './mac.js';

export const ETH_ALEN = 6;
export const ETH_HLEN = 14;
/** Minimum frame length without FCS (ETH_ZLEN). */
export const ETH_ZLEN = 60;

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_IPV6 = 0x86dd;

/** Field offsets from the start of the frame. */
export const ETH_DST = 0;
export const ETH_SRC = 6;
export const ETH_TYPE = 12;

export function ethType(b: Uint8Array, o = 0): number {
  return getU16(b, o + ETH_TYPE);
}
export function setEthType(b: Uint8Array, v: number, o = 0): void {
  setU16(b, o + ETH_TYPE, v);
}
export function setEthDst(b: Uint8Array, mac: Uint8Array, o = 0): void {
  copyMac(b, o + ETH_DST, mac, 0);
}
export function setEthSrc(b: Uint8Array, mac: Uint8Array, o = 0): void {
  copyMac(b, o + ETH_SRC, mac, 0);
}

/** A parsed Ethernet header; MACs as `02:00:00:00:03:01` strings. */
export interface EthernetRepr {
  dst: string;
  src: string;
  ethertype: number;
}

/** Parses the 14-byte header at `off`; the payload starts at `off + ETH_HLEN`. */
export function parseEthernet(b: Uint8Array, off: number, len: number): EthernetRepr {
  if (len < ETH_HLEN || off < 0 || off + ETH_HLEN > b.length) throw new WireError('ethernet', `truncated header: ${len} bytes`);
  return { dst: macToString(b, off + ETH_DST), src: macToString(b, off + ETH_SRC), ethertype: getU16(b, off + ETH_TYPE) };
}

/** Writes the header at `off`, returns ETH_HLEN. */
export function emitEthernet(repr: EthernetRepr, b: Uint8Array, off: number): number {
  const dst = parseMac(repr.dst);
  const src = parseMac(repr.src);
  if (dst === null) throw new WireError('ethernet', `bad destination MAC '${repr.dst}'`);
  if (src === null) throw new WireError('ethernet', `bad source MAC '${repr.src}'`);
  needRoom('ethernet', b, off, ETH_HLEN);
  copyMac(b, off + ETH_DST, dst, 0);
  copyMac(b, off + ETH_SRC, src, 0);
  setU16(b, off + ETH_TYPE, repr.ethertype);
  return ETH_HLEN;
}

export function ethernetLen(_repr: EthernetRepr): number {
  return ETH_HLEN;
}
