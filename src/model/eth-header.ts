/**
 * The per-frame Ethernet header work of the hot path, unrolled: six
 * constant-offset byte accesses instead of a loop over a variable index
 * (the wire/ helpers' loops pay a bounds check, an overflow check and a
 * loop step per byte, several times the cost for a 6-byte address).
 * Same results as wire/mac.ts's macEq() and copyMac() at offset 0/6.
 */

/**
 * The ethertypes the receive path dispatches on, as a const enum whose
 * values tsc writes in place (the same as wire/ethernet.ts's ETH_P_IP and
 * ETH_P_ARP, which V8 would read through their module cells per packet).
 */
export const enum EthP {
  IP = 0x0800,
  ARP = 0x0806,
}

/** the destination address at frame[0..6) equals `mac` (macEq(frame, 0, mac, 0)) */
export function ethDstIs(frame: Uint8Array, mac: Uint8Array): boolean {
  return frame[0] === mac[0] && frame[1] === mac[1] && frame[2] === mac[2] &&
    frame[3] === mac[3] && frame[4] === mac[4] && frame[5] === mac[5];
}

/** the header of an IPv4 frame: destination `dst`, source `src`, ethertype 0x0800 (setEthDst + setEthSrc + setEthType(ETH_P_IP)) */
export function fillIpv4EthHeader(frame: Uint8Array, dst: Uint8Array, src: Uint8Array): void {
  frame[0] = dst[0]!;
  frame[1] = dst[1]!;
  frame[2] = dst[2]!;
  frame[3] = dst[3]!;
  frame[4] = dst[4]!;
  frame[5] = dst[5]!;
  frame[6] = src[0]!;
  frame[7] = src[1]!;
  frame[8] = src[2]!;
  frame[9] = src[3]!;
  frame[10] = src[4]!;
  frame[11] = src[5]!;
  frame[12] = 0x08;
  frame[13] = 0x00;
}
