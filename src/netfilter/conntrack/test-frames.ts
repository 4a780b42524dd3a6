/**
 * Hand-built IPv4 frames and a minimal host for the conntrack and NAT
 * tests (not used by the simulator itself).
 */
import type { AddrType, HostApi } from '../../model/host-api.js';
import { Iface } from '../../model/iface.js';
import type { Route } from '../../model/route.js';
import { Skb, type RouteResult } from '../../model/skb.js';
import { checksumFinish, onesSum, pseudoSum } from '../../wire/checksum.js';
import { ipHdrLen, rd16, rd32, wr16, wr32 } from './bytes.js';
import { conntrackConfirm } from './confirm.js';
import { conntrackIn } from './in.js';
import type { ConntrackTable } from './table.js';
import { NfHook, Verdict } from '../../model/nf-seam.js';

export const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;

export const TH = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** Ethernet + IPv4 (20 bytes, TTL 64) + `l4`, with the IP checksum and the L4 checksum filled */
export function ipv4Frame(src: number, dst: number, proto: number, l4: Uint8Array): Uint8Array {
  const b = new Uint8Array(14 + 20 + l4.length);
  wr16(b, 12, 0x0800);
  const o = 14;
  b[o] = 0x45;
  wr16(b, o + 2, 20 + l4.length);
  wr16(b, o + 4, 0x1234);
  b[o + 8] = 64;
  b[o + 9] = proto;
  wr32(b, o + 12, src);
  wr32(b, o + 16, dst);
  b.set(l4, o + 20);
  fillChecksums(b, o);
  return b;
}

function fillChecksums(b: Uint8Array, l3: number): void {
  wr16(b, l3 + 10, 0);
  wr16(b, l3 + 10, checksumFinish(onesSum(b, l3, 20)));
  const l4 = l3 + 20;
  const len = rd16(b, l3 + 2) - 20;
  const proto = b[l3 + 9]!;
  const off = proto === 6 ? 16 : proto === 17 ? 6 : proto === 1 ? 2 : -1;
  if (off < 0) return;
  wr16(b, l4 + off, 0);
  const pseudo = proto === 1 ? 0 : pseudoSum(rd32(b, l3 + 12), rd32(b, l3 + 16), proto, len);
  let c = checksumFinish(onesSum(b, l4, len, pseudo));
  if (proto === 17 && c === 0) c = 0xffff;
  wr16(b, l4 + off, c);
}

/** true when the IPv4 header checksum and the L4 checksum (TCP/UDP/ICMP) of the datagram at `l3` verify */
export function checksumsOk(b: Uint8Array, l3: number, len = rd16(b, l3 + 2)): boolean {
  const ihl = ipHdrLen(b, l3);
  if (checksumFinish(onesSum(b, l3, ihl)) !== 0) return false;
  const proto = b[l3 + 9]!;
  const l4 = l3 + ihl;
  const l4len = len - ihl;
  if (proto === 1) return checksumFinish(onesSum(b, l4, l4len)) === 0;
  if (proto === 17 && rd16(b, l4 + 6) === 0) return true;
  if (proto === 6 || proto === 17) {
    return checksumFinish(onesSum(b, l4, l4len, pseudoSum(rd32(b, l3 + 12), rd32(b, l3 + 16), proto, l4len))) === 0;
  }
  return true;
}

export function tcpFrame(src: string, dst: string, sport: number, dport: number, flags: number, seq = 1000, ack = 0, payload = 0): Uint8Array {
  const l4 = new Uint8Array(20 + payload);
  wr16(l4, 0, sport);
  wr16(l4, 2, dport);
  wr32(l4, 4, seq);
  wr32(l4, 8, ack);
  l4[12] = 5 << 4;
  l4[13] = flags;
  wr16(l4, 14, 64240);
  return ipv4Frame(ip(src), ip(dst), 6, l4);
}

export function udpFrame(src: string, dst: string, sport: number, dport: number, payload = 5): Uint8Array {
  const l4 = new Uint8Array(8 + payload);
  wr16(l4, 0, sport);
  wr16(l4, 2, dport);
  wr16(l4, 4, 8 + payload);
  for (let i = 0; i < payload; i++) l4[8 + i] = 0x61 + i;
  return ipv4Frame(ip(src), ip(dst), 17, l4);
}

export function icmpFrame(src: string, dst: string, type: number, code: number, id: number, seq = 1): Uint8Array {
  const l4 = new Uint8Array(16);
  l4[0] = type;
  l4[1] = code;
  wr16(l4, 4, id);
  wr16(l4, 6, seq);
  return ipv4Frame(ip(src), ip(dst), 1, l4);
}

/** an ICMP error quoting the whole IP datagram of `quoted` (a frame) */
export function icmpErrorFrame(src: string, dst: string, type: number, code: number, quoted: Uint8Array): Uint8Array {
  const inner = quoted.subarray(14);
  const l4 = new Uint8Array(8 + inner.length);
  l4[0] = type;
  l4[1] = code;
  l4.set(inner, 8);
  return ipv4Frame(ip(src), ip(dst), 1, l4);
}

export function igmpFrame(src: string, dst: string): Uint8Array {
  const l4 = new Uint8Array(8);
  l4[0] = 0x22;
  return ipv4Frame(ip(src), ip(dst), 2, l4);
}

export function skbOf(frame: Uint8Array): Skb {
  return new Skb(frame, 1);
}

/** A host with a settable clock and interfaces with fixed addresses; everything else unused by conntrack/NAT. */
export class TestHost implements HostApi {
  readonly name = 'router';
  readonly trace = null;
  time = 0;
  readonly ifaces: Iface[] = [];

  now(): number {
    return this.time;
  }
  /** advance the clock by `s` seconds */
  advance(s: number): void {
    this.time += Math.round(s * 1e9);
  }
  addIface(name: string, ifindex: number, addr: string, prefixLen = 24): Iface {
    const i = new Iface(this, name, ifindex, 'veth', new Uint8Array(6));
    i.up = true;
    if (addr !== '') {
      const a = ip(addr);
      const mask = prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
      i.addrs.push({ addr: a, prefixLen, mask, broadcast: (a | ~mask) >>> 0, scope: 0, secondary: false, label: name });
    }
    this.ifaces.push(i);
    return i;
  }
  ifaceByName(name: string): Iface | undefined {
    return this.ifaces.find((i) => i.name === name);
  }
  ifaceByIndex(ifindex: number): Iface | undefined {
    return this.ifaces.find((i) => i.ifindex === ifindex);
  }
  sysctl(key: string): number {
    throw new Error(`unexpected sysctl ${key}`);
  }
  routeOutput(): RouteResult {
    throw new Error('unexpected routeOutput');
  }
  /** inet_select_addr(): the primary address in the same subnet as dst, else the first primary */
  selectAddr(dev: Iface, dst: number, _scope: number): number {
    for (const a of dev.addrs) if (!a.secondary && ((a.addr ^ dst) & a.mask) === 0) return a.addr;
    return dev.primaryAddr();
  }
  isLocalAddr(addr: number): boolean {
    return this.ifaces.some((i) => i.addrs.some((a) => a.addr === addr));
  }
  fibLookup(_dst: number): Route | null {
    throw new Error('unexpected fibLookup');
  }
  addrType(): AddrType {
    return 'UNICAST';
  }
  icmpSend(): void {
    throw new Error('unexpected icmpSend');
  }
  tcpSendReset(_skb: Skb, _hook: NfHook): void {
    throw new Error('unexpected tcpSendReset');
  }
}

/**
 * A forwarded packet through `table`: conntrack at PREROUTING, then (when
 * it got an entry) confirmation at POSTROUTING; throws unless both accept.
 */
export function forwardThrough(table: ConntrackTable, host: TestHost, frame: Uint8Array): Skb {
  const skb = skbOf(frame);
  const v = conntrackIn(table, NfHook.PRE_ROUTING, skb, host);
  if (v !== Verdict.ACCEPT) throw new Error(`conntrack at PREROUTING: verdict ${v}`);
  if (skb.ct !== null) {
    const c = conntrackConfirm(table, skb, host.now());
    if (c !== Verdict.ACCEPT) throw new Error(`confirmation: verdict ${c}`);
  }
  return skb;
}
