/**
 * What a DHCP client needs from the host: an AF_PACKET socket on its
 * interface (replies are read before the IP stack, so iptables INPUT does
 * not stop them), a UDP socket on port 68 (renewal replies arrive through
 * the stack), sending raw broadcasts and unicast datagrams, and applying a
 * lease the way the stock scripts do with `ip` (flush, address, routes).
 */
import type { Host } from '../model/host.js';
import type { Iface } from '../model/iface.js';
import type { PacketSocket, UdpSocket } from '../model/sockets.js';
import { makeRoute } from '../model/route.js';
import { ETH_HLEN, ETH_P_IP, ethType } from '../wire/ethernet.js';
import { ipHeaderLen, ipProto, ipSrc, IPPROTO_UDP } from '../wire/ipv4.js';
import { udpDport, UDP_HLEN } from '../wire/udp.js';
import { BOOTREPLY, BOOTREQUEST, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, BOOTP_MIN_LEN, parseDhcp, type DhcpOption, type DhcpRepr } from '../wire/dhcp.js';
import { macToString } from '../wire/mac.js';
import { maskToPrefix } from '../wire/ip4.js';
import { buildDhcpFrame, sendRawBroadcast, sendViaStack, type IpParams } from './send.js';

/** What a client state machine is given: the host, its interface, the clock and its output. */
export interface ClientEnv {
  host: Host;
  dev: Iface;
  /** run fn after delay nanoseconds of virtual time */
  after(delayNs: number, fn: () => void): { cancel(): void };
  /** a deterministic pseudo-random unsigned 32-bit number */
  random(): number;
  /** append to the program's output */
  out(text: string): void;
  /** the foreground process ends (a daemon may keep running after it) */
  exit(code: number): void;
}

/** A reply for us, with the IP source it came from (what dhclient prints as "from"). */
export type ReplyHandler = (rep: DhcpRepr, ipSource: number) => void;

/** The client's two sockets; `raw` decides which one hands replies on (udhcpc's listen modes). */
export class ClientSockets {
  /** true: replies come from the packet socket (LISTEN_RAW); false: from the UDP socket (LISTEN_KERNEL) */
  raw = true;
  private readonly packet: PacketSocket;
  private readonly udp: UdpSocket;
  private readonly chaddr: string;

  constructor(
    private readonly env: ClientEnv,
    private readonly onReply: ReplyHandler,
  ) {
    const self = this;
    this.chaddr = macToString(env.dev.mac);
    this.packet = {
      dev: env.dev,
      ethertype: ETH_P_IP,
      deliver(frame: Uint8Array): void {
        if (self.raw) self.fromFrame(frame);
      },
    };
    this.udp = {
      port: DHCP_CLIENT_PORT,
      addr: 0,
      dev: env.dev,
      deliver(skb, off, len): void {
        if (!self.raw) self.fromPayload(skb.data, off, len, ipSrc(skb.data, skb.l3));
      },
    };
    env.host.sockets.packet.push(this.packet);
    env.host.sockets.udp.push(this.udp);
  }

  close(): void {
    const s = this.env.host.sockets;
    const p = s.packet.indexOf(this.packet);
    if (p >= 0) s.packet.splice(p, 1);
    const u = s.udp.indexOf(this.udp);
    if (u >= 0) s.udp.splice(u, 1);
  }

  /** a frame from the packet socket: IPv4, UDP to port 68, a BOOTREPLY for our MAC */
  private fromFrame(f: Uint8Array): void {
    if (f.length < ETH_HLEN + 28 || ethType(f) !== ETH_P_IP || ipProto(f, ETH_HLEN) !== IPPROTO_UDP) return;
    const l4 = ETH_HLEN + ipHeaderLen(f, ETH_HLEN);
    if (l4 + UDP_HLEN > f.length || udpDport(f, l4) !== DHCP_CLIENT_PORT) return;
    this.fromPayload(f, l4 + UDP_HLEN, f.length - l4 - UDP_HLEN, ipSrc(f, ETH_HLEN));
  }

  private fromPayload(b: Uint8Array, off: number, len: number, src: number): void {
    let rep: DhcpRepr;
    try {
      rep = parseDhcp(b, off, len);
    } catch {
      return;
    }
    if (rep.op !== BOOTREPLY || rep.chaddr !== this.chaddr) return;
    // the program reads its socket after the kernel is done with the frame (which the
    // IP stack, seeing no configured address yet, drops quietly)
    this.env.after(0, () => this.onReply(rep, src));
  }
}

/** A BOOTREQUEST broadcast from `src`:68 (0.0.0.0 until bound, ciaddr when rebinding) through the packet socket, padded to 300 bytes. */
export function broadcastRequest(env: ClientEnv, req: DhcpRepr, ttl: number, tos: number, src = 0): void {
  const frame = buildDhcpFrame(req, BOOTP_MIN_LEN, { src, dst: 0xffffffff, ttl, tos, id: 0, df: false, sport: DHCP_CLIENT_PORT, dport: DHCP_SERVER_PORT });
  sendRawBroadcast(env.host, env.dev, frame);
}

/** A BOOTREQUEST from `src`:68 to `dst`:67 through a UDP socket bound to the interface (DF set, the socket's TTL: ip_default_ttl); sendto()'s result (0 or -errno). */
export function unicastRequest(env: ClientEnv, req: DhcpRepr, src: number, dst: number): number {
  const ip: IpParams = { src, dst, ttl: env.host.sysctl('net.ipv4.ip_default_ttl'), tos: 0, id: env.host.nextIpId(dst), df: true, sport: DHCP_CLIENT_PORT, dport: DHCP_SERVER_PORT };
  return sendViaStack(env.host, buildDhcpFrame(req, BOOTP_MIN_LEN, ip), src, dst, env.dev, true);
}

/** `ip -4 addr flush dev IFACE` */
export function flushAddrs(h: Host, dev: Iface): void {
  for (const a of [...dev.addrs]) h.delAddr(dev, a);
}

/** `ip addr add ADDR/MASK broadcast BRD dev IFACE` (an existing address stays, as "File exists") */
export function addAddr(h: Host, dev: Iface, addr: number, mask: number, broadcast: number): void {
  h.addAddr(dev, addr, maskToPrefix(mask), broadcast === 0 ? null : broadcast);
}

/** the default routes through `dev` in the main table */
export function defaultRoutesVia(h: Host, dev: Iface) {
  return h.fib.table('main').filter((r) => r.prefixLen === 0 && r.dev === dev);
}

/** `ip route add default via GW dev IFACE metric M` */
export function addDefaultRoute(h: Host, dev: Iface, gw: number, metric: number): void {
  h.fib.add(makeRoute({ dst: 0, prefixLen: 0, gateway: gw, dev, metric, proto: 'boot' }));
}

/** A client's BOOTREQUEST: message type first, then `options` (both clients send them in that order). */
export function clientRequest(dev: Iface, xid: number, type: number, options: DhcpOption[], ciaddr: number, secs: number): DhcpRepr {
  return {
    op: BOOTREQUEST,
    hops: 0,
    xid,
    secs,
    flags: 0,
    ciaddr,
    yiaddr: 0,
    siaddr: 0,
    giaddr: 0,
    chaddr: macToString(dev.mac),
    sname: '',
    file: '',
    options: [{ kind: 'messageType', type }, ...options],
  };
}
