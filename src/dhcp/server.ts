/**
 * dnsmasq 2.90's DHCPv4 server (src/dhcp.c, src/rfc2131.c, src/lease.c) on
 * one host: a UDP socket on port 67 (so iptables INPUT filters what it
 * hears: measured, `-A INPUT -p udp --dport 67 -j DROP` silences it), the
 * interface check (--interface), the range of the receiving interface's
 * subnet, address choice, OFFER / ACK / NAK, and the lease list.
 *
 * Replies leave through the IP stack with the interface's address as
 * source, TOS 0xc0, TTL 64, no DF (measured): to ciaddr when the client has
 * one, broadcast for a NAK or when the client sets the broadcast flag, else
 * unicast to yiaddr after writing the client's MAC into the ARP table (the
 * SIOCSARP ioctl: a STALE entry, so no ARP request goes out first).
 *
 * Time: lease expiry is kept in whole seconds of the virtual clock, whose
 * epoch is the scenario start; the lease file prints those seconds where
 * dnsmasq prints Unix time.
 */
import type { Host } from '../model/host.js';
import type { Iface, IfAddr } from '../model/iface.js';
import { neighAdminSet } from '../model/arp.js';
import { Nud } from '../model/neigh.js';
import { ENETUNREACH } from '../model/ipv4.js';
import type { Skb } from '../model/skb.js';
import type { UdpSocket } from '../model/sockets.js';
import { NS_PER_S } from '../sim/queue.js';
import {
  BOOTP_BROADCAST,
  BOOTREPLY,
  BOOTREQUEST,
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  DHCPACK,
  DHCPDECLINE,
  DHCPDISCOVER,
  DHCPNAK,
  DHCPOFFER,
  DHCPRELEASE,
  DHCPREQUEST,
  BOOTP_MIN_LEN,
  dhcpOption,
  parseDhcp,
  type DhcpOption,
  type DhcpRepr,
} from '../wire/dhcp.js';
import { LIMITED_BROADCAST, ip4ToString } from '../wire/ip4.js';
import { macEq, macToString, parseMac } from '../wire/mac.js';
import { allocateAddress } from './alloc.js';
import { buildDhcpFrame, sendViaStack } from './send.js';
import { LEASE_INFINITE, type DhcpRangeConf, type DnsmasqConfig } from './server-config.js';

/** One lease (struct dhcp_lease). */
export interface DhcpLease {
  mac: Uint8Array;
  addr: number;
  /** '' prints as `*` */
  hostname: string;
  /** option 61 as sent; null prints as `*` */
  clientId: Uint8Array | null;
  /** virtual seconds since the scenario start; 0 = infinite */
  expires: number;
}

/** The range that serves an interface, and the server's address there. */
interface Context {
  range: DhcpRangeConf;
  server: number;
  mask: number;
}

/** dnsmasq's IP TOS for DHCP replies (IPTOS_CLASS_CS6), measured. */
const DHCP_TOS = 0xc0;

export class DnsmasqServer {
  /** newest first, as dnsmasq's lease list */
  readonly leases: DhcpLease[] = [];
  private readonly socket: UdpSocket;
  private fuzzState: number;

  constructor(
    readonly host: Host,
    readonly config: DnsmasqConfig,
  ) {
    const self = this;
    this.socket = {
      port: DHCP_SERVER_PORT,
      addr: 0,
      dev: null,
      deliver(skb: Skb, off: number, len: number): void {
        self.receive(skb, off, len);
      },
    };
    // a fixed seed per host: the renewal fuzz is random in dnsmasq
    let s = 0x9e3779b9;
    for (const c of host.name) s = Math.imul(s ^ c.charCodeAt(0), 16777619) >>> 0;
    this.fuzzState = s || 1;
  }

  /** Binds port 67; returns dnsmasq's error text when another server holds it. */
  start(): string | null {
    if (this.host.sockets.udp.some((s) => s.port === DHCP_SERVER_PORT)) {
      return 'dnsmasq: failed to bind DHCP server socket: Address already in use\n';
    }
    this.host.sockets.udp.push(this.socket);
    return null;
  }

  /** The lease file as dnsmasq writes it: `EXPIRY MAC IP HOSTNAME|* CLIENT-ID|*`, newest first. */
  leaseFile(): string {
    this.prune();
    let out = '';
    for (const l of this.leases) {
      const cid = l.clientId === null ? '*' : Array.from(l.clientId, (b) => b.toString(16).padStart(2, '0')).join(':');
      out += `${l.expires} ${macToString(l.mac)} ${ip4ToString(l.addr)} ${l.hostname === '' ? '*' : l.hostname} ${cid}\n`;
    }
    return out;
  }

  private nowSec(): number {
    return Math.floor(this.host.now() / NS_PER_S);
  }

  /** lease_prune(): expired leases go */
  private prune(): void {
    const now = this.nowSec();
    for (let i = this.leases.length - 1; i >= 0; i--) {
      const l = this.leases[i]!;
      if (l.expires !== 0 && l.expires <= now) this.leases.splice(i, 1);
    }
  }

  /** dhcp_packet(): one datagram on port 67 */
  receive(skb: Skb, off: number, len: number): void {
    const h = this.host;
    const dev = skb.inDev;
    if (dev === null || dev.kind === 'loopback') return;
    // iface_check(): only the interfaces named by --interface
    if (this.config.interfaces.length > 0 && !this.config.interfaces.includes(dev.name)) {
      if (h.trace !== null) h.event('drop', skb, dev, { reason: `dnsmasq: not listening on ${dev.name}`, detail: 'normal' });
      return;
    }
    let req: DhcpRepr;
    try {
      req = parseDhcp(skb.data, off, len);
    } catch {
      return; // dnsmasq drops what it cannot parse
    }
    if (req.op !== BOOTREQUEST) return;
    if (req.giaddr !== 0) {
      h.unsupported(`dnsmasq on ${h.name}: a relayed DHCP request (giaddr ${ip4ToString(req.giaddr)}): DHCP relay is not modelled`);
      return;
    }
    const ctx = this.contextFor(dev);
    if (ctx === null) {
      if (h.trace !== null) h.event('drop', skb, dev, { reason: `dnsmasq: no address range available for DHCP request via ${dev.name}` });
      return;
    }
    this.prune();
    const type = dhcpOption(req, 'messageType')?.type ?? 0;
    const mac = parseMac(req.chaddr)!;
    switch (type) {
      case DHCPDISCOVER:
        this.discover(dev, ctx, req, mac);
        return;
      case DHCPREQUEST:
        this.request(dev, ctx, req, mac, skb.route?.kind === 'local');
        return;
      case DHCPRELEASE:
      case DHCPDECLINE: {
        const sid = dhcpOption(req, 'serverId')?.addr ?? 0;
        if (sid !== ctx.server) return;
        const addr = type === DHCPRELEASE ? req.ciaddr : (dhcpOption(req, 'requestedIp')?.addr ?? 0);
        const i = this.leases.findIndex((l) => l.addr === addr && macEq(l.mac, 0, mac, 0));
        if (i >= 0) this.leases.splice(i, 1);
        return;
      }
      default:
        return; // BOOTP, INFORM and the rest: not answered here
    }
  }

  /** The first range in the subnet of one of dev's addresses (primary first), as dnsmasq's context match. */
  private contextFor(dev: Iface): Context | null {
    const addrs: IfAddr[] = [...dev.addrs.filter((a) => !a.secondary), ...dev.addrs.filter((a) => a.secondary)];
    for (const range of this.config.ranges) {
      for (const a of addrs) {
        const mask = range.mask !== 0 ? range.mask : a.mask;
        if (((a.addr ^ range.start) & mask) === 0 && ((a.addr ^ range.end) & mask) === 0) return { range, server: a.addr, mask };
      }
    }
    return null;
  }

  private inSubnet(ctx: Context, a: number): boolean {
    return ((a ^ ctx.server) & ctx.mask) === 0;
  }

  private leaseOf(mac: Uint8Array): DhcpLease | undefined {
    return this.leases.find((l) => macEq(l.mac, 0, mac, 0));
  }

  private hostConf(mac: Uint8Array) {
    return this.config.hosts.find((c) => macEq(c.mac, 0, mac, 0));
  }

  /** leased to or reserved for another client */
  private takenByOther(a: number, mac: Uint8Array): boolean {
    if (this.leases.some((l) => l.addr === a && !macEq(l.mac, 0, mac, 0))) return true;
    return this.config.hosts.some((c) => c.addr === a && !macEq(c.mac, 0, mac, 0));
  }

  private inRange(ctx: Context, a: number): boolean {
    return a >= ctx.range.start && a <= ctx.range.end;
  }

  /** DHCPDISCOVER: the client's lease, its --dhcp-host address, the address it asks for, or a hashed one */
  private discover(dev: Iface, ctx: Context, req: DhcpRepr, mac: Uint8Array): void {
    let addr = 0;
    const conf = this.hostConf(mac);
    const lease = this.leaseOf(mac);
    if (conf !== undefined && conf.addr !== 0 && this.inSubnet(ctx, conf.addr) && !this.leases.some((l) => l.addr === conf.addr && !macEq(l.mac, 0, mac, 0))) {
      addr = conf.addr;
    } else if (lease !== undefined && this.inSubnet(ctx, lease.addr)) {
      addr = lease.addr;
    } else {
      const wanted = dhcpOption(req, 'requestedIp')?.addr ?? 0;
      if (wanted !== 0 && this.inRange(ctx, wanted) && !this.takenByOther(wanted, mac) && wanted !== ctx.server) addr = wanted;
      else addr = allocateAddress(ctx.range.start, ctx.range.end, mac, [ctx.server], (a) => this.takenByOther(a, mac));
    }
    if (addr === 0) {
      if (this.host.trace !== null) this.host.event('drop', null, dev, { reason: `dnsmasq: no address available for ${req.chaddr}` });
      return;
    }
    // the OFFER names the client only by its --dhcp-host name, not by the name it sent (measured)
    this.reply(dev, ctx, req, DHCPOFFER, addr, this.leaseSecs(ctx, conf), 0, conf?.name ?? '');
  }

  private leaseSecs(ctx: Context, conf: { leaseSecs: number | null } | undefined): number {
    return conf?.leaseSecs ?? ctx.range.leaseSecs;
  }

  /**
   * DHCPREQUEST in its three states: SELECTING (server id), INIT-REBOOT
   * (requested address, no server id), RENEWING/REBINDING (ciaddr only).
   * `unicast`: the request was addressed to us (a renewal), not broadcast.
   */
  private request(dev: Iface, ctx: Context, req: DhcpRepr, mac: Uint8Array, unicast: boolean): void {
    const sid = dhcpOption(req, 'serverId')?.addr ?? 0;
    const wanted = dhcpOption(req, 'requestedIp')?.addr ?? 0;
    const conf = this.hostConf(mac);
    const lease = this.leaseOf(mac);
    let addr: number;
    let nak = '';
    if (sid !== 0) {
      // SELECTING: another server's offer was taken; nothing is kept for ours
      if (sid !== ctx.server) return;
      addr = wanted !== 0 ? wanted : req.ciaddr;
    } else if (wanted !== 0) {
      // INIT-REBOOT: a client we have no record of gets silence unless we are authoritative
      if (lease === undefined && !this.config.authoritative) return;
      addr = wanted;
      if (lease !== undefined && lease.addr !== wanted) nak = 'wrong address';
    } else {
      // RENEWING (unicast) or REBINDING (broadcast)
      addr = req.ciaddr;
      if ((lease !== undefined && lease.addr !== addr) || (lease === undefined && !this.config.authoritative)) {
        // a rebinding client may hold another server's lease: only a unicast renewal is refused
        if (!unicast) return;
        nak = 'lease not found';
      }
    }
    if (addr === 0) return;
    if (nak !== '') {
      this.nak(dev, ctx, req, nak);
      return;
    }
    if (!this.inSubnet(ctx, addr)) nak = 'wrong network';
    else if (conf !== undefined && conf.addr !== 0 && conf.addr !== addr) nak = 'static lease available';
    else if (this.takenByOther(addr, mac)) nak = 'address in use';
    else if (!this.inRange(ctx, addr) && !(conf !== undefined && conf.addr === addr)) nak = 'address not available';
    if (nak !== '') {
      this.nak(dev, ctx, req, nak);
      return;
    }
    const secs = this.leaseSecs(ctx, conf);
    const clientId = dhcpOption(req, 'clientId')?.data ?? null;
    const name = hostName(conf, req);
    const expires = secs === LEASE_INFINITE ? 0 : this.nowSec() + secs;
    if (lease !== undefined) this.leases.splice(this.leases.indexOf(lease), 1);
    this.leases.unshift({ mac: mac.slice(), addr, hostname: name, clientId: clientId === null ? null : clientId.slice(), expires });
    // a renewal gets T1/T2 less a random fuzz of up to lease/16 seconds (measured: 60/105 became 54/99 and 56/101)
    const fuzz = req.ciaddr !== 0 && secs !== LEASE_INFINITE ? this.fuzz(secs) : 0;
    this.reply(dev, ctx, req, DHCPACK, addr, secs, fuzz, name);
  }

  /** rand16() halved until it is at most lease/16, as dnsmasq's renewal fuzz */
  private fuzz(secs: number): number {
    let x = this.fuzzState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.fuzzState = x >>> 0;
    let f = this.fuzzState & 0xffff;
    while (f > secs / 16) f >>>= 1;
    return f;
  }

  /** OFFER or ACK: options in dnsmasq's order (measured) */
  private reply(dev: Iface, ctx: Context, req: DhcpRepr, type: number, addr: number, secs: number, fuzz: number, name: string): void {
    const prl = dhcpOption(req, 'paramRequest')?.codes ?? null;
    const wants = (code: number): boolean => prl === null || prl.includes(code);
    const configured = (code: number) => this.config.options.find((o) => o.code === code);
    const options: DhcpOption[] = [
      { kind: 'messageType', type },
      { kind: 'serverId', addr: ctx.server },
      { kind: 'leaseTime', seconds: secs },
    ];
    if (secs !== LEASE_INFINITE) {
      options.push({ kind: 'renewalTime', seconds: Math.floor(secs / 2) - fuzz });
      options.push({ kind: 'rebindingTime', seconds: Math.floor((secs * 7) / 8) - fuzz });
    }
    // what dnsmasq adds itself, then the configured options, last given first (dnsmasq's list is built by prepending)
    if (configured(1) === undefined && wants(1)) options.push({ kind: 'subnetMask', addr: ctx.mask >>> 0 });
    // the broadcast address follows the range's netmask even when option 1 is configured (measured)
    if (wants(28)) options.push({ kind: 'broadcast', addr: ((addr & ctx.mask) | ~ctx.mask) >>> 0 });
    if (configured(3) === undefined && wants(3)) options.push({ kind: 'router', addrs: [ctx.server] });
    // do_options(): the domain (--domain) after the router, before the host name
    const domain = this.config.domain ?? '';
    if (domain !== '' && wants(15)) options.push({ kind: 'domainName', name: domain });
    if (name !== '' && wants(12)) options.push({ kind: 'hostname', name });
    for (let i = this.config.options.length - 1; i >= 0; i--) {
      const o = this.config.options[i]!;
      if (!wants(o.code) || o.addrs.length === 0) continue;
      // do_opt(): 0.0.0.0 means "self", the server's address on this subnet
      const addrs = o.addrs.map((a) => (a === 0 ? ctx.server : a));
      if (o.code === 1) options.push({ kind: 'subnetMask', addr: addrs[0]! });
      else if (o.code === 3) options.push({ kind: 'router', addrs });
      else options.push({ kind: 'dns', addrs });
    }
    const rep: DhcpRepr = {
      op: BOOTREPLY,
      hops: 0,
      xid: req.xid,
      secs: 0,
      flags: req.flags,
      ciaddr: req.ciaddr,
      yiaddr: addr,
      siaddr: ctx.server,
      giaddr: 0,
      chaddr: req.chaddr,
      sname: '',
      file: '',
      options,
    };
    this.send(dev, ctx, rep, req, false);
  }

  /** DHCPNAK with dnsmasq's reason in option 56, always broadcast and with the broadcast flag set (measured) */
  private nak(dev: Iface, ctx: Context, req: DhcpRepr, why: string): void {
    const msg = new Uint8Array(why.length);
    for (let i = 0; i < why.length; i++) msg[i] = why.charCodeAt(i);
    const rep: DhcpRepr = {
      op: BOOTREPLY,
      hops: 0,
      xid: req.xid,
      secs: 0,
      flags: req.flags | BOOTP_BROADCAST,
      ciaddr: 0,
      yiaddr: 0,
      siaddr: 0,
      giaddr: 0,
      chaddr: req.chaddr,
      sname: '',
      file: '',
      options: [
        { kind: 'messageType', type: DHCPNAK },
        { kind: 'serverId', addr: ctx.server },
        { kind: 'raw', code: 56, data: msg },
      ],
    };
    this.send(dev, ctx, rep, req, true);
  }

  /** dhcp_reply()'s destination choice, then out through the stack bound to `dev` */
  private send(dev: Iface, ctx: Context, rep: DhcpRepr, req: DhcpRepr, broadcast: boolean): void {
    const h = this.host;
    let dst: number;
    if (broadcast || (req.ciaddr === 0 && (req.flags & BOOTP_BROADCAST) !== 0)) dst = LIMITED_BROADCAST;
    else if (req.ciaddr !== 0) dst = req.ciaddr;
    else {
      dst = rep.yiaddr;
      // SIOCSARP: the client's MAC goes into the ARP table, so the unicast needs no ARP request
      neighAdminSet(h, dev, dst, parseMac(req.chaddr)!, Nud.STALE);
    }
    const frame = buildDhcpFrame(rep, BOOTP_MIN_LEN, {
      src: ctx.server,
      dst,
      ttl: 64,
      tos: DHCP_TOS,
      id: h.nextIpId(dst),
      df: false,
      sport: DHCP_SERVER_PORT,
      dport: DHCP_CLIENT_PORT,
    });
    if (sendViaStack(h, frame, ctx.server, dst, dev) === -ENETUNREACH && h.trace !== null) {
      h.event('drop', null, dev, { reason: `dnsmasq: no route to ${ip4ToString(dst)}` });
    }
  }
}

/**
 * dhcp_reply()'s hostname: the --dhcp-host name, else the name the client
 * sent (option 12) without its domain part (no --domain is configured).
 * The lease records it and do_options() puts it in the ACK when the
 * client asks for option 12 or sends no parameter request list (measured:
 * the OFFER has only the --dhcp-host name).
 */
function hostName(conf: { name: string } | undefined, req: DhcpRepr): string {
  return conf?.name || (dhcpOption(req, 'hostname')?.name ?? '').split('.')[0]!;
}
