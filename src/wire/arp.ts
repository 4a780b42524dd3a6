/**
 * ARP for IPv4 over Ethernet (RFC 826), the only kind Linux answers on an
 * Ethernet device. Views take the offset of the ARP header (14 in a frame).
 */
import { getU16, getU32, getU8, setU16, setU32 } from './bytes.js';
import { WireError, needRoom } from './errors.js';
import { ETH_HLEN, ETH_P_ARP, ETH_P_IP, ETH_DST, ETH_SRC, ETH_TYPE } from './ethernet.js';
import { copyMac, macToString, parseMac } from './mac.js';

export const ARPHRD_ETHER = 1;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

/** Field offsets from the start of the ARP header. */
export const ARP_HRD = 0;
export const ARP_PRO = 2;
export const ARP_HLN = 4;
export const ARP_PLN = 5;
export const ARP_OP = 6;
export const ARP_SHA = 8;
export const ARP_SPA = 14;
export const ARP_THA = 18;
export const ARP_TPA = 24;
/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LEN = 28;
/** An ARP frame as Linux sends it on veth: 14 + 28, unpadded. */
export const ARP_FRAME_LEN = ETH_HLEN + ARP_LEN;

export function arpHrd(b: Uint8Array, o: number): number {
  return getU16(b, o + ARP_HRD);
}
export function arpPro(b: Uint8Array, o: number): number {
  return getU16(b, o + ARP_PRO);
}
export function arpHln(b: Uint8Array, o: number): number {
  return getU8(b, o + ARP_HLN);
}
export function arpPln(b: Uint8Array, o: number): number {
  return getU8(b, o + ARP_PLN);
}
export function arpOp(b: Uint8Array, o: number): number {
  return getU16(b, o + ARP_OP);
}
export function arpSpa(b: Uint8Array, o: number): number {
  return getU32(b, o + ARP_SPA);
}
export function arpTpa(b: Uint8Array, o: number): number {
  return getU32(b, o + ARP_TPA);
}
export function setArpHrd(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + ARP_HRD, v);
}
export function setArpPro(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + ARP_PRO, v);
}
export function setArpOp(b: Uint8Array, o: number, v: number): void {
  setU16(b, o + ARP_OP, v);
}
export function setArpSpa(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + ARP_SPA, v);
}
export function setArpTpa(b: Uint8Array, o: number, v: number): void {
  setU32(b, o + ARP_TPA, v);
}
export function setArpSha(b: Uint8Array, o: number, mac: Uint8Array): void {
  copyMac(b, o + ARP_SHA, mac, 0);
}
export function setArpTha(b: Uint8Array, o: number, mac: Uint8Array): void {
  copyMac(b, o + ARP_THA, mac, 0);
}
/** True for the Ethernet/IPv4 form (hrd 1, pro 0x0800, hln 6, pln 4) with the 28 bytes present. */
export function arpIsEtherIp(b: Uint8Array, o: number, len: number): boolean {
  return (
    len >= ARP_LEN &&
    arpHrd(b, o) === ARPHRD_ETHER &&
    arpPro(b, o) === ETH_P_IP &&
    arpHln(b, o) === 6 &&
    arpPln(b, o) === 4
  );
}

/**
 * A whole 42-byte ARP frame (Ethernet header + Ethernet/IPv4 ARP), as
 * arp_create() builds it. MACs are 6-byte arrays, addresses 32-bit ints.
 */
export function buildArpFrame(
  op: number,
  ethSrc: Uint8Array,
  ethDst: Uint8Array,
  sha: Uint8Array,
  spa: number,
  tha: Uint8Array,
  tpa: number,
): Uint8Array {
  const f = new Uint8Array(ARP_FRAME_LEN);
  copyMac(f, ETH_DST, ethDst, 0);
  copyMac(f, ETH_SRC, ethSrc, 0);
  setU16(f, ETH_TYPE, ETH_P_ARP);
  const o = ETH_HLEN;
  setU16(f, o + ARP_HRD, ARPHRD_ETHER);
  setU16(f, o + ARP_PRO, ETH_P_IP);
  f[o + ARP_HLN] = 6;
  f[o + ARP_PLN] = 4;
  setU16(f, o + ARP_OP, op);
  copyMac(f, o + ARP_SHA, sha, 0);
  setU32(f, o + ARP_SPA, spa);
  copyMac(f, o + ARP_THA, tha, 0);
  setU32(f, o + ARP_TPA, tpa);
  return f;
}

/** A parsed Ethernet/IPv4 ARP packet. */
export interface ArpRepr {
  op: number;
  sha: string;
  spa: number;
  tha: string;
  tpa: number;
}

export function parseArp(b: Uint8Array, off: number, len: number): ArpRepr {
  if (len < ARP_LEN || off < 0 || off + ARP_LEN > b.length) throw new WireError('arp', `truncated: ${len} bytes`);
  const hrd = arpHrd(b, off);
  const pro = arpPro(b, off);
  if (hrd !== ARPHRD_ETHER) throw new WireError('arp', `unsupported hardware type ${hrd}`);
  if (pro !== ETH_P_IP) throw new WireError('arp', `unsupported protocol type 0x${pro.toString(16).padStart(4, '0')}`);
  if (arpHln(b, off) !== 6 || arpPln(b, off) !== 4) {
    throw new WireError('arp', `unsupported address lengths hln=${arpHln(b, off)} pln=${arpPln(b, off)}`);
  }
  return {
    op: arpOp(b, off),
    sha: macToString(b, off + ARP_SHA),
    spa: arpSpa(b, off),
    tha: macToString(b, off + ARP_THA),
    tpa: arpTpa(b, off),
  };
}

/** Writes the 28-byte ARP packet at `off`, returns ARP_LEN. */
export function emitArp(repr: ArpRepr, b: Uint8Array, off: number): number {
  const sha = parseMac(repr.sha);
  const tha = parseMac(repr.tha);
  if (sha === null) throw new WireError('arp', `bad sender MAC '${repr.sha}'`);
  if (tha === null) throw new WireError('arp', `bad target MAC '${repr.tha}'`);
  needRoom('arp', b, off, ARP_LEN);
  setU16(b, off + ARP_HRD, ARPHRD_ETHER);
  setU16(b, off + ARP_PRO, ETH_P_IP);
  b[off + ARP_HLN] = 6;
  b[off + ARP_PLN] = 4;
  setU16(b, off + ARP_OP, repr.op);
  copyMac(b, off + ARP_SHA, sha, 0);
  setU32(b, off + ARP_SPA, repr.spa);
  copyMac(b, off + ARP_THA, tha, 0);
  setU32(b, off + ARP_TPA, repr.tpa);
  return ARP_LEN;
}

export function arpLen(_repr: ArpRepr): number {
  return ARP_LEN;
}
