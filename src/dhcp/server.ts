/**
 * dnsmasq 2.90's DHCPv4 server (src/dhcp.c, src/rfc2131.c, src/lease.c) on
 * one host: a UDP socket on port 67 (so iptables INPUT filters what it
 * hears: measured, `-A INPUT -p udp --dport 67 -j DROP` silences it), the
 * interface check (--interface), the range of the receiving interface's
 * subnet, address choice, OFFER / ACK / NAK, and the lease list.
 *
 * Replies leave through the IP stack with the interface's address as
 * source, TOS 0xc0, the socket's TTL (ip_default_ttl, 64), no DF (measured): to ciaddr when the client has
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
  DHCPINFORM,
  DHCPNAK,
  DHCPOFFER,
  DHCPRELEASE,
  DHCPREQUEST,
  BOOTP_MIN_LEN,
  dhcpOptionCode,
  dhcpOptionDataLen,
  type DhcpOption,
  type DhcpRepr,
} from '../wire/dhcp.js';
import { LIMITED_BROADCAST, ip4ToString } from '../wire/ip4.js';
import { ipDst, ipSrc } from '../wire/ipv4.js';
import { macEq, macToString } from '../wire/mac.js';
import { allocateAddress } from './alloc.js';
import { BOOTP_FIXED_LEN, DhcpRequest } from './request.js';
import { getU32, setU32 } from '../wire/bytes.js';
import { clientName, hostnameEqual, type ClientName } from './client-name.js';
import { buildDhcpFrame, sendViaStack } from './send.js';
import { LEASE_INFINITE, MIN_LEASE_SECS, type DhcpHostConf, type DhcpOptionConf, type DhcpRangeConf, type DnsmasqConfig } from './server-config.js';

/** One lease (struct dhcp_lease). */
export interface DhcpLease {
  mac: Uint8Array;
  addr: number;
  /** '' prints as `*` */
  hostname: string;
  /** the name is the --dhcp-host one (LEASE_AUTH_NAME): a client's name never takes it away */
  authName: boolean;
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

/** What dhcp_reply() has worked out about one request before it answers. */
interface Request {
  dev: Iface;
  ctx: Context;
  req: DhcpRequest;
  /** the request's 16 chaddr bytes, echoed in every reply */
  chaddr: Uint8Array;
  mac: Uint8Array;
  /** ciaddr, zeroed when the request has option 50 or is a DISCOVER ("buggy clients") */
  ciaddr: number;
  /** option 50 / 54 when present (0.0.0.0 counts as present); null when not */
  requested: number | null;
  serverId: number | null;
  /** option 51: the lease time the client asks for */
  leaseTime: number | null;
  /** option 61, or the lease's when the request has none */
  clid: Uint8Array | null;
  /** the client's lease (lease_find_by_client()) */
  lease: DhcpLease | null;
  name: ClientName;
  conf: DhcpHostConf | undefined;
  /** the name the ACK gives (the --dhcp-host one, else the client's own without its domain) */
  hostname: string | null;
  /** the name the OFFER gives (offer_hostname: the --dhcp-host one, or option 81's) */
  offerHostname: string | null;
  /** option 55 up to a 255 byte; null: none sent (then everything counts as asked for) */
  prl: number[] | null;
  /** sent to an address other than 255.255.255.255 (IP_PKTINFO's ipi_addr) */
  unicastDest: boolean;
  srcIp: number;
  srcPort: number;
}

/** dnsmasq's IP TOS for DHCP replies (IPTOS_CLASS_CS6), measured. */
const DHCP_TOS = 0xc0;

export class DnsmasqServer {
  /** newest first, as dnsmasq's lease list */
  readonly leases: DhcpLease[] = [];
  private readonly socket: UdpSocket;
  private fuzzState: number;
  /** each range's addr_epoch: every DECLINE moves the hash seed of later allocations on by one */
  private readonly epochs = new Map<DhcpRangeConf, number>();

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
    this.prune(null);
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

  /** lease_prune(): expired leases go, and `target` with them */
  private prune(target: DhcpLease | null): void {
    const now = this.nowSec();
    for (let i = this.leases.length - 1; i >= 0; i--) {
      const l = this.leases[i]!;
      if ((l.expires !== 0 && l.expires <= now) || l === target) this.leases.splice(i, 1);
    }
  }

  /** dhcp_packet(): one datagram on port 67 */
  receive(skb: Skb, off: number, len: number): void {
    const h = this.host;
    const dev = skb.inDev;
    if (dev === null || dev.kind === 'loopback') return;
    // iface_check(): only the interfaces named by --interface, none named by --except-interface; then --no-dhcp-interface
    const c = this.config;
    const named = (names: string[]): boolean => names.some((n) => wildcardMatch(n, dev.name));
    if ((c.interfaces.length > 0 && !named(c.interfaces)) || named(c.exceptInterfaces) || named(c.noDhcpInterfaces)) {
      if (h.trace !== null) h.event('drop', skb, dev, { reason: `dnsmasq: not listening on ${dev.name}`, detail: 'normal' });
      return;
    }
    // dhcp_packet(): shorter than the fixed header is dropped; dhcp_reply(): a request, a hardware address of at most 16 bytes
    if (len < BOOTP_FIXED_LEN) return;
    const req = new DhcpRequest(skb.data, off, len);
    if (req.op !== BOOTREQUEST || req.hlen > 16 || (req.htype === 0 && req.hlen !== 0)) return;
    // no option 53 (or one with no byte): BOOTP, which a range without the bootp flag never answers
    const typeOpt = req.find(53, 1);
    if (typeOpt === null) return;
    // the cookie, insisted on only for DHCP
    if (!req.cookieOk()) return;
    if (req.htype !== 1 || req.hlen !== 6) {
      h.unsupported(`dnsmasq on ${h.name}: a DHCP request with hardware type ${req.htype} and address length ${req.hlen}: only Ethernet clients (1, 6) are modelled`);
      return;
    }
    if (req.giaddr !== 0) {
      h.unsupported(`dnsmasq on ${h.name}: a relayed DHCP request (giaddr ${ip4ToString(req.giaddr)}): DHCP relay is not modelled`);
      return;
    }
    const ctx = this.contextFor(dev);
    if (ctx === null) {
      if (h.trace !== null) h.event('drop', skb, dev, { reason: `dnsmasq: no address range available for DHCP request via ${dev.name}` });
      return;
    }
    this.prune(null);
    const type = typeOpt[0]!;
    const b = skb.data;
    const chaddr = req.chaddr();
    const mac = chaddr.slice(0, 6);
    const addrOpt = (code: number): number | null => {
      const d = req.find(code, 4);
      return d === null ? null : getU32(d, 0);
    };
    const requested = addrOpt(50);
    const sent61 = req.find(61, 1);
    let clid: Uint8Array | null = sent61 === null ? null : sent61.slice();
    const lease = this.leaseFindByClient(mac, clid);
    // a request without a client id goes on with the one its lease has
    if (lease !== null && clid === null && lease.clientId !== null) clid = lease.clientId;
    const name = clientName(req.find(81, 3), req.find(12, 1));
    const conf = this.hostConf(mac, ctx);
    let hostname: string | null = null;
    let offerHostname = name.fromFqdn ? name.stripped : null;
    if (conf !== undefined && conf.name !== '') {
      hostname = conf.name;
      // "be careful not to send an OFFER with a hostname not matching the DISCOVER"
      if (name.fqdnFlags !== 0 || name.full === null || hostnameEqual(conf.name, name.full)) offerHostname = conf.name;
      else if (name.fromFqdn) offerHostname = name.full;
    } else if (name.stripped !== null && name.stripped !== '') hostname = name.stripped;
    // option 55 as dnsmasq copies it: up to a 255 byte (in_list() stops there)
    const prlOpt = req.find(55, 0);
    let prl: number[] | null = null;
    if (prlOpt !== null) {
      const end = prlOpt.indexOf(255);
      prl = Array.from(end < 0 ? prlOpt : prlOpt.subarray(0, end));
    }
    const l3 = skb.l3;
    const r: Request = {
      dev,
      ctx,
      req,
      chaddr,
      mac,
      ciaddr: requested !== null || type === DHCPDISCOVER ? 0 : req.ciaddr,
      requested,
      serverId: addrOpt(54),
      leaseTime: addrOpt(51),
      clid,
      lease,
      name,
      conf,
      hostname,
      offerHostname,
      prl,
      unicastDest: ipDst(b, l3) !== LIMITED_BROADCAST,
      srcIp: ipSrc(b, l3),
      srcPort: (b[off - 8]! << 8) | b[off - 7]!,
    };
    switch (type) {
      case DHCPDISCOVER:
        this.discover(r);
        return;
      case DHCPREQUEST:
        this.request(r);
        return;
      case DHCPDECLINE:
        this.decline(r);
        return;
      case DHCPRELEASE:
        this.release(r);
        return;
      case DHCPINFORM:
        this.inform(r);
        return;
      default:
        return; // an OFFER, ACK, NAK or an unknown type from a client: not answered
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

  /** the ranges served on dev: the context chain a DECLINE moves every epoch of */
  private rangesOn(dev: Iface): DhcpRangeConf[] {
    return this.config.ranges.filter((range) =>
      dev.addrs.some((a) => {
        const mask = range.mask !== 0 ? range.mask : a.mask;
        return ((a.addr ^ range.start) & mask) === 0 && ((a.addr ^ range.end) & mask) === 0;
      }),
    );
  }

  /** narrow_context() with one context: it serves any address of its subnet */
  private inSubnet(ctx: Context, a: number): boolean {
    return ((a ^ ctx.range.start) & ctx.mask) === 0;
  }

  /** address_available(): in the range and not the server's own address */
  private available(ctx: Context, a: number): boolean {
    return a !== ctx.server && a >= ctx.range.start && a <= ctx.range.end;
  }

  /**
   * lease_find_by_client(): by client id first, whatever the MAC; else by
   * MAC, but only a lease without a client id when the request has one.
   */
  private leaseFindByClient(mac: Uint8Array, clid: Uint8Array | null): DhcpLease | null {
    if (clid !== null) {
      for (const l of this.leases) if (l.clientId !== null && bytesEqual(l.clientId, clid)) return l;
    }
    for (const l of this.leases) if ((l.clientId === null || clid === null) && macEq(l.mac, 0, mac, 0)) return l;
    return null;
  }

  /** lease_find_by_addr() */
  private leaseByAddr(a: number): DhcpLease | null {
    return this.leases.find((l) => l.addr === a) ?? null;
  }

  /** find_config() by MAC: a --dhcp-host whose address (if it has one) is in the context's subnet (is_config_in_context()) */
  private hostConf(mac: Uint8Array, ctx: Context): DhcpHostConf | undefined {
    return this.config.hosts.find((c) => macEq(c.mac, 0, mac, 0) && (c.addr === 0 || this.inSubnet(ctx, c.addr)));
  }

  /** config_find_by_address(): reserved by a --dhcp-host */
  private confByAddr(a: number): DhcpHostConf | undefined {
    return this.config.hosts.find((c) => c.addr !== 0 && c.addr === a);
  }

  /** calc_time(): the --dhcp-host or range lease time (option 51 in the request may shorten it, to no less than 120 s) */
  private leaseSecs(r: Request): number {
    const time = r.conf?.leaseSecs ?? r.ctx.range.leaseSecs;
    const asked = r.leaseTime;
    if (asked === null) return time;
    const want = Math.max(asked, MIN_LEASE_SECS);
    return time === LEASE_INFINITE || (want !== LEASE_INFINITE && want < time) ? want : time;
  }

  /**
   * The client's --dhcp-host address when DISCOVER may offer it: not
   * leased to a client the reservation does not name, not the server's
   * own; else 0.
   */
  private confAddress(r: Request): number {
    const conf = r.conf;
    if (conf === undefined || conf.addr === 0 || conf.addr === r.ctx.server) return 0;
    const holder = this.leaseByAddr(conf.addr);
    return holder === null || holder === r.lease || macEq(holder.mac, 0, conf.mac, 0) ? conf.addr : 0;
  }

  /** DHCPDISCOVER: the --dhcp-host address, the client's lease, the address it asks for, or a hashed one */
  private discover(r: Request): void {
    const { ctx, lease } = r;
    const unreserved = (a: number): boolean => this.confByAddr(a) === undefined;
    let addr = this.confAddress(r);
    if (addr === 0) {
      if (lease !== null && this.available(ctx, lease.addr) && unreserved(lease.addr)) addr = lease.addr;
      else if (r.requested !== null && this.available(ctx, r.requested) && this.leaseByAddr(r.requested) === null && unreserved(r.requested)) addr = r.requested;
      else {
        const epoch = this.epochs.get(ctx.range) ?? 0;
        addr = allocateAddress(ctx.range.start, ctx.range.end, r.mac, [ctx.server], (a) => this.leaseByAddr(a) !== null || !unreserved(a), epoch);
      }
    }
    if (addr === 0) {
      if (this.host.trace !== null) this.host.event('drop', null, r.dev, { reason: `dnsmasq: no address available for ${macToString(r.mac)}` });
      return;
    }
    if (!this.inSubnet(ctx, addr)) return;
    const secs = this.leaseSecs(r);
    const options: DhcpOption[] = [{ kind: 'messageType', type: DHCPOFFER }, { kind: 'serverId', addr: ctx.server }, { kind: 'leaseTime', seconds: secs }];
    const boot = this.doOptions(r, ctx, options, r.offerHostname, secs, 0);
    this.reply(r, { ciaddr: 0, yiaddr: addr, siaddr: ctx.server, flags: r.req.flags, ...boot }, options, false);
  }

  /**
   * DHCPREQUEST: with option 50, SELECTING (option 54 too) or INIT-REBOOT;
   * without it, RENEWING (unicast) or REBINDING (broadcast), whatever
   * option 54 says; then dnsmasq's checks, in its order, and an ACK or a NAK.
   */
  private request(r: Request): void {
    const { ctx, conf } = r;
    let lease = r.lease;
    let yiaddr: number;
    let message = '';
    let unicastDest = r.unicastDest;
    let fuzz = 0;
    let selecting = false;
    if (r.requested !== null) {
      yiaddr = r.requested;
      if (r.serverId !== null) {
        selecting = true;
        // another server's offer was taken (not authoritative: silence)
        if (r.serverId !== ctx.server) {
          if (!this.config.authoritative) return;
          message = 'wrong server-ID';
        }
        // "if a lease exists for this host and another address, squash it"
        if (lease !== null && lease.addr !== yiaddr) {
          this.prune(lease);
          lease = null;
        }
      } else {
        // INIT-REBOOT: a client we have no record of gets silence unless we are authoritative
        if (lease === null && !this.config.authoritative) return;
        if (lease !== null && lease.addr !== yiaddr) message = 'wrong address';
      }
    } else {
      if ((lease !== null && r.ciaddr !== lease.addr) || (lease === null && !this.config.authoritative)) {
        // a rebinding client may hold another server's lease: only a request sent to us is refused
        if (!unicastDest) return;
        message = 'lease not found';
        unicastDest = false;
      }
      fuzz = this.rand16();
      yiaddr = r.ciaddr;
    }
    if (message === '') {
      const reserved = this.confByAddr(yiaddr);
      if (!this.inSubnet(ctx, yiaddr)) {
        message = 'wrong network';
        unicastDest = false;
      } else if (!this.available(ctx, yiaddr) && !(conf !== undefined && conf.addr === yiaddr)) message = 'address not available';
      else if (!selecting && this.staticLeaseAvailable(r, lease, yiaddr)) message = 'static lease available';
      else if (reserved !== undefined && reserved !== conf) message = 'address reserved';
      else if (lease === null && this.leaseByAddr(yiaddr) !== null) message = 'address in use';
    }
    if (message === '' && lease === null) {
      // lease4_allocate(): none past --dhcp-lease-max (leases_left); new leases go first in the list
      if (this.leases.length >= (this.config.leaseMax ?? DEFAULT_LEASE_MAX)) message = 'no leases left';
      else {
        lease = { mac: r.mac.slice(), addr: yiaddr, hostname: '', authName: false, clientId: null, expires: 0 };
        this.leases.unshift(lease);
      }
    }
    if (message !== '' || lease === null) {
      this.nak(r, message, unicastDest);
      return;
    }
    const secs = this.leaseSecs(r);
    // lease_set_hwaddr(): the MAC as this request has it; the client id only when there is one
    lease.mac = r.mac.slice();
    if (r.clid !== null) lease.clientId = r.clid.slice();
    if (r.hostname !== null) this.setHostname(lease, r.hostname, r.conf !== undefined && r.conf.name !== '');
    lease.expires = secs === LEASE_INFINITE ? 0 : this.nowSec() + secs;
    const options: DhcpOption[] = [{ kind: 'messageType', type: DHCPACK }, { kind: 'serverId', addr: ctx.server }, { kind: 'leaseTime', seconds: secs }];
    const boot = this.doOptions(r, ctx, options, r.hostname, secs, fuzz);
    this.reply(r, { ciaddr: r.ciaddr, yiaddr, siaddr: ctx.server, flags: r.req.flags, ...boot }, options, false);
  }

  /** a --dhcp-host address (not the server's) other than the one asked for, held by no lease or by the client's own: the client is to DISCOVER it */
  private staticLeaseAvailable(r: Request, lease: DhcpLease | null, yiaddr: number): boolean {
    const conf = r.conf;
    if (conf === undefined || conf.addr === 0 || conf.addr === r.ctx.server || conf.addr === yiaddr) return false;
    const holder = this.leaseByAddr(conf.addr);
    return holder === null || holder === lease;
  }

  /**
   * lease_set_hostname(): a name equal (ignoring case) to the lease's own
   * changes nothing; another lease with that name loses it (unless its
   * name is a --dhcp-host one and this one is not: then this lease keeps its own).
   */
  private setHostname(lease: DhcpLease, name: string, auth: boolean): void {
    if (lease.hostname !== '' && hostnameEqual(lease.hostname, name)) {
      if (auth) lease.authName = true;
      return;
    }
    const other = this.leases.find((l) => l.hostname !== '' && hostnameEqual(l.hostname, name));
    if (other !== undefined) {
      if (other.authName && !auth) return;
      other.hostname = '';
      other.authName = false;
    }
    lease.hostname = name;
    lease.authName = auth;
  }

  /** DHCPDECLINE: our server id and option 50; the client's lease for that address goes, and every later allocation moves on */
  private decline(r: Request): void {
    if (r.serverId !== r.ctx.server || r.requested === null) return;
    if (r.lease !== null && r.lease.addr === r.requested) this.prune(r.lease);
    const conf = r.conf;
    // a --dhcp-host address is disabled for a while instead (DECLINE_BACKOFF): not modelled
    if (conf !== undefined && conf.addr !== 0 && conf.addr === r.requested) {
      this.host.unsupported(`dnsmasq on ${this.host.name}: a DHCPDECLINE of the --dhcp-host address ${ip4ToString(conf.addr)}: its 10-minute back-off is not modelled`);
      return;
    }
    for (const range of this.rangesOn(r.dev)) this.epochs.set(range, ((this.epochs.get(range) ?? 0) + 1) >>> 0);
  }

  /** DHCPRELEASE: ciaddr in our subnet and our server id; the client's lease goes if it is for ciaddr */
  private release(r: Request): void {
    if (r.ciaddr === 0 || !this.inSubnet(r.ctx, r.ciaddr) || r.serverId !== r.ctx.server) return;
    if (r.lease !== null && r.lease.addr === r.ciaddr) this.prune(r.lease);
  }

  /**
   * DHCPINFORM: an ACK with the options but no lease, to a client with an
   * address (ciaddr); the lease time only when the client has a lease and
   * asks for option 51 (dnsmasq's dhcp_lease_time utility does).
   */
  private inform(r: Request): void {
    if (r.ciaddr === 0) return;
    const ctx = this.inSubnet(r.ctx, r.ciaddr) ? r.ctx : null;
    let lease = r.lease;
    let hostname = r.hostname;
    if (lease === null) {
      lease = this.leaseByAddr(r.ciaddr);
      if (lease !== null && lease.hostname !== '') hostname = lease.hostname;
    }
    const server = ctx?.server ?? r.ctx.server;
    const options: DhcpOption[] = [{ kind: 'messageType', type: DHCPACK }, { kind: 'serverId', addr: server }];
    if (lease !== null && inList(r.prl, 51)) options.push({ kind: 'leaseTime', seconds: lease.expires === 0 ? LEASE_INFINITE : Math.max(0, lease.expires - this.nowSec()) });
    const boot = this.doOptions(r, ctx, options, hostname, LEASE_INFINITE, 0);
    this.reply(r, { ciaddr: r.ciaddr, yiaddr: r.req.yiaddr, siaddr: ctx?.server ?? 0, flags: r.req.flags, ...boot }, options, true);
  }

  /** rand16(): the renewal fuzz, random in dnsmasq (masked when compared with the kernel) */
  private rand16(): number {
    let x = this.fuzzState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.fuzzState = x >>> 0;
    return this.fuzzState & 0xffff;
  }

  /**
   * do_options(): the boot fields, T1 and T2 (none for an infinite lease or
   * an INFORM; configured ones when shorter than the lease), the netmask
   * and broadcast address, then what the client asks for (option 55;
   * everything when it sends none): the router (its own address), the
   * --domain, the host name and, when the client sent option 81, option 81
   * back; each of these unless configured. Then the configured options the
   * client asks for (or forced), last given first (dnsmasq's list is built
   * by prepending). Returns the boot fields: option 67 / 66 configured and
   * not asked for go into `file` / `sname` instead of being sent.
   */
  private doOptions(r: Request, ctx: Context | null, options: DhcpOption[], hostname: string | null, secs: number, fuzz: number): BootFields {
    const conf = this.config.options;
    const configured = (code: number): DhcpOptionConf | undefined => conf.find((o) => o.code === code);
    const nul = r.name.nulTerminated ? '\0' : '';
    const boot: BootFields = { file: '', sname: '' };
    let doneFile = false;
    let doneServer = false;
    const fileOpt = configured(67);
    if (!(r.prl !== null && inList(r.prl, 67)) && fileOpt !== undefined && !fileOpt.force) {
      boot.file = cString(fileOpt.data, 127);
      doneFile = true;
    }
    const snameOpt = configured(66);
    if (!(r.prl !== null && inList(r.prl, 66)) && snameOpt !== undefined && !snameOpt.force) {
      boot.sname = cString(snameOpt.data, 63);
      doneServer = true;
    }
    if (secs !== LEASE_INFINITE) {
      let t1 = Math.floor(secs / 2);
      let t2 = Math.floor((secs * 7) / 8);
      // a configured T1 or T2 counts when it is shorter than the lease (and over 2 s)
      const t1Opt = configured(58);
      const t2Opt = configured(59);
      if (t1Opt !== undefined && t1Opt.data.length === 4) {
        const v = getU32(t1Opt.data, 0);
        if (v < secs && v > 2) t1 = v;
      }
      if (t2Opt !== undefined && t2Opt.data.length === 4) {
        const v = getU32(t2Opt.data, 0);
        if (v < secs && v > 2) t2 = v;
      }
      if (t2 <= t1) t1 = t2 - 1;
      let f = fuzz;
      while (f > Math.floor(t1 / 8)) f >>>= 1;
      options.push({ kind: 'renewalTime', seconds: (t1 - f) >>> 0 });
      options.push({ kind: 'rebindingTime', seconds: (t2 - f) >>> 0 });
    }
    if (ctx !== null) {
      if (configured(1) === undefined) options.push({ kind: 'subnetMask', addr: ctx.mask >>> 0 });
      // the interface's address has no broadcast address of the subnet's (`ip addr add` sets none): start | ~netmask
      if (configured(28) === undefined) options.push({ kind: 'broadcast', addr: (ctx.range.start | ~ctx.mask) >>> 0 });
      if (configured(3) === undefined && inList(r.prl, 3)) options.push({ kind: 'router', addrs: [ctx.server] });
    }
    const domain = this.config.domain ?? '';
    if (domain !== '' && inList(r.prl, 15) && configured(15) === undefined) options.push({ kind: 'domainName', name: domain + nul });
    if (hostname !== null) {
      if (inList(r.prl, 12) && configured(12) === undefined) options.push({ kind: 'hostname', name: hostname + nul });
      if (r.name.fqdnFlags !== 0) options.push({ kind: 'raw', code: 81, data: fqdnReply(r.name.fqdnFlags, hostname, domain, r.name.nulTerminated) });
    }
    for (let i = conf.length - 1; i >= 0; i--) {
      const o = conf[i]!;
      const code = o.code;
      if (!o.force && !inList(r.prl, code)) continue;
      // used internally (T1 and T2 above), or already in the boot fields
      if (code === 58 || code === 59 || (code === 66 && doneServer) || (code === 67 && doneFile)) continue;
      // for the options dnsmasq has defaults for, `--dhcp-option=CODE` means "do not send it"
      if (o.data.length === 0 && (code === 1 || code === 28 || code === 3 || code === 6 || code === 15 || code === 12)) continue;
      options.push({ kind: 'raw', code, data: doOpt(o, ctx, code === 66 || code === 67 || r.name.nulTerminated) });
    }
    this.checkSpace(r, options, boot);
    return boot;
  }

  /**
   * free_space(): the reply is built in a buffer of 548 bytes (more when
   * the client's option 57 allows), 3 of them kept for an overload option
   * while sname or file is free; options that do not fit go on into those
   * fields (option 52), which is not modelled.
   */
  private checkSpace(r: Request, options: DhcpOption[], boot: BootFields): void {
    const max = r.req.find(57, 2);
    let size = DHCP_PACKET_MIN;
    if (max !== null) size = Math.min(DHCP_PACKET_MAX, Math.max(DHCP_PACKET_MIN, ((max[0]! << 8) | max[1]!) - 28));
    const free = r.prl !== null && !this.config.noOverride && (boot.file === '' || boot.sname === '');
    const end = size - (free ? 3 : 0);
    let p = DHCP_OPTIONS_AT;
    for (const o of options) {
      const len = dhcpOptionDataLen(o);
      if (p + len + 3 >= end) {
        this.host.unsupported(`dnsmasq on ${this.host.name}: option ${dhcpOptionCode(o)} does not fit in the reply to ${macToString(r.mac)}: options overloaded into sname and file (option 52) are not modelled`);
        return;
      }
      p += 2 + len;
    }
  }

  /** DHCPNAK: dnsmasq's reason in option 56; broadcast, unless it answers a unicast request from a client on another subnet */
  private nak(r: Request, why: string, unicastDest: boolean): void {
    const text = why + (r.name.nulTerminated ? '\0' : '');
    const msg = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) msg[i] = text.charCodeAt(i);
    let flags = r.req.flags;
    let ciaddr = r.ciaddr;
    if (!unicastDest || ciaddr === 0 || this.inSubnet(r.ctx, ciaddr)) {
      flags |= BOOTP_BROADCAST;
      ciaddr = 0;
    }
    const options: DhcpOption[] = [
      { kind: 'messageType', type: DHCPNAK },
      { kind: 'serverId', addr: r.ctx.server },
      { kind: 'raw', code: 56, data: msg },
    ];
    this.reply(r, { ciaddr, yiaddr: 0, siaddr: 0, flags, file: '', sname: '' }, options, false);
  }

  /**
   * The reply, built as dnsmasq builds it in the request's buffer (op,
   * hops, xid, secs, chaddr's 16 bytes kept; sname and file cleared), then
   * dhcp_packet()'s destination: ciaddr (or, when the request came from
   * ciaddr or is an INFORM, the request's source address and port),
   * routed as any datagram; else broadcast, or unicast to yiaddr after
   * writing the client's MAC into the ARP table, out of the receiving interface.
   */
  private reply(r: Request, f: { ciaddr: number; yiaddr: number; siaddr: number; flags: number } & BootFields, options: DhcpOption[], isInform: boolean): void {
    const h = this.host;
    const req = r.req;
    const rep: DhcpRepr = {
      op: BOOTREPLY,
      hops: req.hops,
      xid: req.xid,
      secs: req.secs,
      flags: f.flags,
      ciaddr: f.ciaddr,
      yiaddr: f.yiaddr,
      siaddr: f.siaddr,
      giaddr: 0,
      chaddr: macToString(r.mac),
      chaddrBytes: r.chaddr,
      sname: f.sname,
      file: f.file,
      options,
    };
    let dst: number;
    let dport = DHCP_CLIENT_PORT;
    let oif: Iface | null = r.dev;
    if (f.ciaddr !== 0) {
      oif = null;
      dst = f.ciaddr;
      if ((isInform || r.srcIp === f.ciaddr) && r.srcPort !== 0 && r.srcIp !== 0) {
        dst = r.srcIp;
        dport = r.srcPort;
      }
    } else if ((f.flags & BOOTP_BROADCAST) !== 0) dst = LIMITED_BROADCAST;
    else {
      dst = f.yiaddr;
      // SIOCSARP: the client's MAC goes into the ARP table, so the unicast needs no ARP request
      neighAdminSet(h, r.dev, dst, r.mac, Nud.STALE);
    }
    // the socket is bound to 0.0.0.0: the source is the route's (or, through IP_PKTINFO, the interface's)
    const rt = h.routeOutput(dst, 0, oif);
    const src = rt.dev === null ? r.ctx.server : rt.prefsrc;
    const frame = buildDhcpFrame(rep, BOOTP_MIN_LEN, { src, dst, ttl: h.sysctl('net.ipv4.ip_default_ttl'), tos: DHCP_TOS, id: h.nextIpId(dst), df: false, sport: DHCP_SERVER_PORT, dport });
    if (sendViaStack(h, frame, src, dst, oif, false) === -ENETUNREACH && h.trace !== null) {
      h.event('drop', null, r.dev, { reason: `dnsmasq: no route to ${ip4ToString(dst)}` });
    }
  }
}

/** MAXLEASES (config.h): --dhcp-lease-max's default */
const DEFAULT_LEASE_MAX = 1000;

/** the reply's sname and file fields */
interface BootFields {
  file: string;
  sname: string;
}

/** sizeof(struct dhcp_packet): the reply buffer unless option 57 allows more; DHCP_PACKET_MAX (config.h) */
const DHCP_PACKET_MIN = 548;
const DHCP_PACKET_MAX = 16384;
/** where the options start, after the fixed header and the magic cookie */
const DHCP_OPTIONS_AT = 240;

/** do_opt(): a configured option's bytes, 0.0.0.0 in an address list standing for the server's address, a string NUL-terminated when `nulTerm` */
function doOpt(o: DhcpOptionConf, ctx: Context | null, nulTerm: boolean): Uint8Array {
  if (o.string && nulTerm && o.data.length !== 255) {
    const d = new Uint8Array(o.data.length + 1);
    d.set(o.data);
    return d;
  }
  if (!o.addr || ctx === null) return o.data;
  const d = o.data.slice();
  for (let j = 0; j + 4 <= d.length; j += 4) if (getU32(d, j) === 0) setU32(d, j, ctx.server);
  return d;
}

/** a field written with safe_strncpy(): up to `max` bytes, up to a NUL */
function cString(data: Uint8Array, max: number): string {
  let s = '';
  for (let i = 0; i < data.length && i < max && data[i] !== 0; i++) s += String.fromCharCode(data[i]!);
  return s;
}

/** wildcard_match(): a '*' matches whatever follows; otherwise the names are equal */
export function wildcardMatch(wildcard: string, name: string): boolean {
  const star = wildcard.indexOf('*');
  return star < 0 ? wildcard === name : name.length > star && name.startsWith(wildcard.slice(0, star));
}

/** in_list(): asked for in option 55, or no option 55 at all */
function inList(prl: number[] | null, code: number): boolean {
  return prl === null || prl.includes(code);
}

/** option 81 as do_options() answers it: flags (MBZ bits cleared), RCODEs 255, the name in ASCII or, with E, as DNS labels */
function fqdnReply(flags: number, hostname: string, domain: string, nul: boolean): Uint8Array {
  const out = [flags & 0x0f, 255, 255];
  if ((flags & 0x04) !== 0) {
    for (const part of domain === '' ? [hostname] : [hostname, ...domain.split('.')]) {
      if (part === '') continue;
      out.push(part.length, ...latin1Bytes(part));
    }
    // with a domain the name ends in its root label; without, it stops short (dnsmasq's len--)
    if (domain !== '') out.push(0);
  } else {
    out.push(...latin1Bytes(domain === '' ? hostname : `${hostname}.${domain}`));
    if (nul) out.push(0);
  }
  return Uint8Array.from(out);
}

function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
