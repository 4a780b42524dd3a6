/**
 * One Linux host: a network namespace with its interfaces, addresses,
 * routes, neighbours, bridges, sysctls, netfilter and sockets.
 */
import { internName, type HopEvent, type HopKind, type TraceSink } from '../trace/events.js';
import { ip4ToString, isMulticast4, prefixMask, LIMITED_BROADCAST } from '../wire/ip4.js';
import { Bridge, type BrNfHooks } from './bridge.js';
import type { AddrType, HostApi } from './host-api.js';
import { icmpSend, sendRedirect } from './icmp.js';
import { Iface, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, type IfAddr } from './iface.js';
import { InetPeers } from './inetpeer.js';
import { NeighTable } from './neigh.js';
import { NhExceptions } from './fnhe.js';
import { InputRouteCache } from './route-cache.js';
import type { Network } from './network.js';
import { NO_NETFILTER, type NfHook, type NfSeam } from './nf-seam.js';
import { Fib, fibLookupFails, makeRoute, type Route } from './route.js';
import { Skb, type RouteResult } from './skb.js';
import { SocketTable } from './sockets.js';
import { Sysctls } from './sysctl.js';
import { VethIface } from './veth.js';
import { VlanIface, vlanSyncAddress } from './vlan-dev.js';
import { netifReceive } from './dev.js';
import { fibValidateSource } from './ipv4.js';
import { frameSummary, hopEvent } from './frame-summary.js';

export class Host implements HostApi {
  readonly ifaces: Iface[] = [];
  readonly sysctls = new Sysctls();
  readonly fib = new Fib();
  readonly neigh = new NeighTable();
  readonly sockets = new SocketTable();
  readonly peers = new InetPeers();
  /** next-hop exceptions learnt from ICMP redirects */
  readonly fnhe = new NhExceptions();
  /** ip_route_input()'s decisions, per (daddr, saddr, input device) */
  readonly rtCache = new InputRouteCache();
  /**
   * Bumped by every change to links and addresses (up/down, address
   * added/deleted, MAC, master, link added/renamed/deleted): what the input
   * route cache must see besides the FIB and the sysctls.
   */
  linkGen = 0;
  readonly lo: Iface;
  nf: NfSeam = NO_NETFILTER;
  brnf: BrNfHooks | null = null;
  /** handed to the TCP RST sender (netfilter REJECT --reject-with tcp-reset) */
  tcpResetFn: ((h: Host, skb: Skb, hook: NfHook) => void) | null = null;
  /** netdevice and inetaddr notifier chains: who wants to hear that a device went down or an address went away */
  readonly netdevDown: ((dev: Iface) => void)[] = [];
  readonly inetaddrDel: ((dev: Iface, addr: number) => void)[] = [];
  private nextIfindex = 1;
  private ipIdSeq = 0;

  /** the node's name, interned (internName(): every trace call passes it) */
  readonly name: string;

  constructor(
    readonly net: Network,
    name: string,
  ) {
    this.name = internName(name);
    const lo = new Iface(this, 'lo', this.nextIfindex++, 'loopback', new Uint8Array(6));
    lo.mtu = 65536;
    this.lo = lo;
    this.ifaces.push(lo);
    this.sysctls.addIface('lo');
    // the contract: lo exists and is up with 127.0.0.1/8
    this.addAddr(lo, 0x7f000001, 8, null, RT_SCOPE_HOST);
    this.setUp(lo, true);
  }

  // ---- HostApi ---------------------------------------------------------

  now(): number {
    return this.net.queue.now();
  }

  get trace(): TraceSink | null {
    return this.net.trace;
  }

  ifaceByName(name: string): Iface | undefined {
    for (const i of this.ifaces) if (i.name === name) return i;
    return undefined;
  }

  ifaceByIndex(ifindex: number): Iface | undefined {
    for (const i of this.ifaces) if (i.ifindex === ifindex) return i;
    return undefined;
  }

  sysctl(key: string): number {
    return this.sysctls.get(key);
  }

  /** ip_route_output_key(): the route and source address for a local packet */
  routeOutput(dst: number, src: number, oif: Iface | null): RouteResult {
    if (dst === LIMITED_BROADCAST || isMulticast4(dst)) {
      const dev = oif ?? this.fib.lookup(dst)?.dev ?? null;
      if (dev === null) return { kind: 'unreachable', dev: null, nexthop: 0, prefsrc: 0, gateway: 0 };
      return { kind: dst === LIMITED_BROADCAST ? 'broadcast' : 'multicast', dev, nexthop: dst, prefsrc: src || this.selectAddr(dev, dst, RT_SCOPE_LINK), gateway: 0 };
    }
    const r = this.fib.lookup(dst, oif);
    if (fibLookupFails(r) && oif !== null) {
      // ip_route_output_key_hash_rcu(): bound to a device and fib_lookup() failed (no route through
      // it, or an error route): "assume that the destination is on link" and send it there
      if (!oif.up) return { kind: 'unreachable', dev: null, nexthop: 0, prefsrc: 0, gateway: 0 };
      return { kind: 'unicast', dev: oif, nexthop: dst, prefsrc: src || this.selectAddr(oif, 0, RT_SCOPE_LINK), gateway: 0, output: true };
    }
    if (fibLookupFails(r)) {
      return { kind: r === null ? 'unreachable' : r.type, dev: null, nexthop: 0, prefsrc: 0, gateway: 0 };
    }
    if (r.type === 'local') {
      // orig_oif = FIB_RES_OIF(): rt_iif is the local route's device
      return { kind: 'local', dev: this.lo, nexthop: dst, prefsrc: src || r.prefsrc || dst, gateway: 0, iif: r.dev ?? this.lo };
    }
    const dev = r.dev!;
    const kind = r.type === 'broadcast' ? 'broadcast' : 'unicast';
    const prefsrc = src || r.prefsrc || this.selectAddr(dev, r.gateway || dst, r.scope);
    if (this.fnhe.size === 0) return { kind, dev, nexthop: r.gateway || dst, prefsrc, gateway: r.gateway, output: true };
    // rt_bind_exception(): a redirect learnt for dst overrides the gateway; a learnt path MTU, the MTU
    const ex = this.fnhe.live(r, dst, this.now());
    const gateway = (r.gateway !== 0 && ex !== undefined ? ex.gateway : 0) || r.gateway;
    const res: RouteResult = { kind, dev, nexthop: gateway || dst, prefsrc, gateway, output: true };
    if (ex !== undefined && ex.pmtu !== 0) {
      res.pmtu = ex.pmtu;
      res.pmtuLocked = ex.locked;
    }
    return res;
  }

  /** inet_select_addr(): a primary address of dev in dst's subnet, else the first with a fitting scope, else any other device's */
  selectAddr(dev: Iface, dst: number, scope: number): number {
    let addr = 0;
    for (const a of dev.addrs) {
      if (a.secondary || a.scope > scope) continue;
      if (dst === 0 || ((dst ^ a.addr) & a.mask) === 0) return a.addr;
      if (addr === 0) addr = a.addr;
    }
    if (addr !== 0) return addr;
    for (const d of this.ifaces) {
      if (d === dev) continue;
      for (const a of d.addrs) if (!a.secondary && a.scope !== RT_SCOPE_LINK && a.scope <= scope && a.scope < RT_SCOPE_HOST) return a.addr;
    }
    return 0;
  }

  isLocalAddr(addr: number): boolean {
    for (const d of this.ifaces) for (const a of d.addrs) if (a.addr === addr) return true;
    return false;
  }

  fibLookup(dst: number): Route | null {
    return this.fib.lookup(dst);
  }

  /** __inet_dev_addr_type(): 0.0.0.0/8 and 255.255.255.255 are BROADCAST, 224/4 MULTICAST, the rest as the FIB says (an error route: UNICAST) */
  addrType(addr: number, dev: Iface | null): AddrType {
    if (addr >>> 24 === 0 || addr === LIMITED_BROADCAST) return 'BROADCAST';
    if (isMulticast4(addr)) return 'MULTICAST';
    const r = dev !== null ? this.fibLookupDev(addr, dev) : this.fib.lookup(addr);
    if (r === null) return 'UNICAST';
    switch (r.type) {
      case 'local':
        return 'LOCAL';
      case 'broadcast':
        return 'BROADCAST';
      default:
        // blackhole, unreachable, prohibit: fib_table_lookup() fails at them and the type stays the
        // RTN_UNICAST it starts with (so -m addrtype's BLACKHOLE, UNREACHABLE, PROHIBIT never match)
        return 'UNICAST';
    }
  }

  /** inet_dev_addr_type(): the local table, its local routes restricted to dev (-m addrtype --limit-iface-*) */
  private fibLookupDev(addr: number, dev: Iface): Route | null {
    for (const r of this.fib.table('local')) if (((addr & r.mask) >>> 0) === r.dst && (r.dev === dev || r.type !== 'local')) return r;
    return this.fib.lookupMain(addr);
  }

  /**
   * inet_addr_type_dev_table(): the address's type in the device's l3mdev
   * table, which without VRFs is the local table, whatever the device:
   * an address of another device is LOCAL too (arp_process(), onlink gateways)
   */
  addrTypeDevTable(addr: number): AddrType {
    return this.addrType(addr, null);
  }

  /**
   * arp_process()'s ip_route_input_noref(skb, tip, sip, dev): is the target
   * ours, as seen from a packet with source `sip` arriving on `dev`? The
   * source is validated as for IP (martians, rp_filter): a request from a
   * source that fails it gets no reply.
   */
  routeInputType(tip: number, sip: number, dev: Iface): 'LOCAL' | 'OTHER' | 'INVALID' {
    if (isMulticast4(sip) || sip === LIMITED_BROADCAST || (sip >>> 24) === 0) return 'INVALID';
    if ((sip >>> 24) === 127 && !this.sysctls.ifConfOr(dev.name, 'route_localnet')) return 'INVALID';
    const r = this.fib.lookup(tip);
    if (r === null || r.type !== 'local') return 'OTHER';
    return fibValidateSource(this, sip, tip, dev, true) < 0 ? 'INVALID' : 'LOCAL';
  }

  icmpSend(skb: Skb, type: number, code: number, info: number): void {
    icmpSend(this, skb, type, code, info);
  }

  tcpSendReset(skb: Skb, hook: NfHook): void {
    if (this.tcpResetFn === null) {
      this.unsupported(`REJECT --reject-with tcp-reset on ${this.name}: TCP is not modelled yet`);
      return;
    }
    this.tcpResetFn(this, skb, hook);
  }

  sendRedirect(skb: Skb): void {
    sendRedirect(this, skb);
  }

  /** ip_select_ident(): natlab counts per host; the kernel's ids are hashed and random (ignored when compared) */
  nextIpId(dst: number): number {
    void dst;
    this.ipIdSeq = (this.ipIdSeq + 1) & 0xffff;
    return this.ipIdSeq;
  }

  // ---- trace -----------------------------------------------------------

  /**
   * A hop event here, when tracing: time, node, interface, the packet's id,
   * parent and flow and its tcpdump line, then `extra` (which may override
   * any of them), as hopEvent() makes it. A sink with `hop()` (trace.jsonl)
   * gets the parts instead and encodes them without the object. An event
   * whose only extra is a text takes detailEvent() or drop(), which make
   * no object for it.
   */
  event(kind: HopKind, skb: Skb | null, iface: Iface | null, extra?: Partial<HopEvent>): void {
    this.hop(kind, skb, iface, extra, null, null);
  }

  /** event() with `{ detail }` as its extra, without the object (a route chosen, a neighbour's state, a delivery) */
  detailEvent(kind: HopKind, skb: Skb | null, iface: Iface | null, detail: string): void {
    this.hop(kind, skb, iface, undefined, null, detail);
  }

  /** event()'s work: `reason` and `detail` (null: none) are fields of the event before `extra`'s */
  private hop(kind: HopKind, skb: Skb | null, iface: Iface | null, extra: Partial<HopEvent> | undefined, reason: string | null, detail: string | null): void {
    const t = this.net.trace;
    if (t === null) return;
    const ifname = iface !== null ? iface.name : null;
    if (t.hop !== undefined) {
      if (skb === null) t.hop(this.now(), this.name, kind, ifname, 0, 0, 0, null, 0, extra, reason, detail);
      else t.hop(this.now(), this.name, kind, ifname, skb.id, skb.parent, skb.ct !== null ? skb.ct.id : 0, skb.data, skb.l3 - 14, extra, reason, detail);
      return;
    }
    if (skb === null) t.emit(hopEvent(this.now(), this.name, kind, ifname, 0, 0, 0, null, 0, extra, reason, detail));
    else t.emit(hopEvent(this.now(), this.name, kind, ifname, skb.id, skb.parent, skb.ct !== null ? skb.ct.id : 0, skb.data, skb.l3 - 14, extra, reason, detail));
  }

  /**
   * A `nat` hop event: NAT rewrote `skb`, whose frame was `before[bOff..]`
   * (hook names the NAT hook, detail says source or destination NAT). A
   * sink with `nat()` gets the frames; others the event with `before` and
   * `after` lines.
   */
  natEvent(skb: Skb, iface: Iface | null, hook: NonNullable<HopEvent['hook']>, detail: string, before: Uint8Array, bOff: number): void {
    const t = this.net.trace;
    if (t === null) return;
    if (t.nat !== undefined) {
      t.nat(this.now(), this.name, iface !== null ? iface.name : null, skb.id, skb.parent, skb.ct !== null ? skb.ct.id : 0, skb.data, skb.l3 - 14, before, bOff, hook, detail);
      return;
    }
    this.event('nat', skb, iface, {
      hook,
      table: 'nat',
      before: frameSummary(bOff === 0 ? before : before.subarray(bOff)),
      after: frameSummary(skb.data.subarray(skb.l3 - 14)),
      detail,
    });
  }

  /** the packet dies here; `quiet` drops are normal (not for us) and traced without alarm */
  drop(skb: Skb, iface: Iface | null, reason: string, quiet = false): void {
    if (this.net.trace === null) return;
    this.hop('drop', skb, iface, undefined, reason, quiet ? 'normal' : null);
  }

  /** something in the traffic needs a feature natlab does not model: the run fails, naming it */
  unsupported(what: string): void {
    this.net.unsupported(what);
  }

  // ---- receiving from a wire ---------------------------------------------

  receiveFrame(dev: Iface, frame: Uint8Array, id: number): void {
    netifReceive(this, dev, new Skb(frame, id));
  }

  // ---- configuration (what `ip`, `bridge`, `brctl` do) ----------------------

  addVeth(name: string, mac: Uint8Array): VethIface {
    this.linkGen++;
    const i = new VethIface(this, name, this.nextIfindex++, 'veth', mac);
    this.ifaces.push(i);
    this.sysctls.addIface(name);
    return i;
  }

  addBridge(name: string, mac: Uint8Array | null): Iface {
    this.linkGen++;
    const dev = new Iface(this, name, this.nextIfindex++, 'bridge', mac ?? bridgeRandomMac(this.name, name));
    if (mac !== null) dev.macSet = true;
    const br = new Bridge(dev);
    dev.bridge = br;
    dev.carrier = () => br.carrier();
    br.setDevMac(dev.mac);
    this.ifaces.push(dev);
    this.sysctls.addIface(name);
    return dev;
  }

  /**
   * `ip link add link REAL name NAME type vlan id VID`: register_vlan_dev(),
   * the new device down, with the real device's MAC (NET_ADDR_STOLEN) and MTU.
   */
  addVlan(name: string, real: Iface, vid: number, proto: number): VlanIface {
    this.linkGen++;
    const v = new VlanIface(this, name, this.nextIfindex++, real.mac.slice(), real, vid, proto);
    v.mtu = real.mtu;
    if (real.vlans === null) real.vlans = [];
    real.vlans.push(v);
    this.ifaces.push(v);
    this.sysctls.addIface(name);
    return v;
  }

  /** `ip link del`: a bridge releases its ports; a veth takes its peer with it; a real device its VLAN devices */
  deleteLink(dev: Iface): void {
    this.linkGen++;
    // vlan_device_event(NETDEV_UNREGISTER): the VLAN devices on top go first
    if (dev.vlans !== null) for (const v of [...dev.vlans]) this.deleteLink(v);
    if (dev instanceof VlanIface) {
      const l = dev.real.vlans!;
      l.splice(l.indexOf(dev), 1);
      if (l.length === 0) dev.real.vlans = null;
    }
    if (dev.up) this.setUp(dev, false);
    if (dev.master !== null) dev.master.removePort(dev);
    if (dev.bridge !== null) for (const p of [...dev.bridge.ports]) dev.bridge.removePort(p);
    for (const a of [...dev.addrs]) this.delAddr(dev, a);
    this.fib.flushDev(dev);
    this.neigh.flushDev(dev);
    const i = this.ifaces.indexOf(dev);
    if (i >= 0) this.ifaces.splice(i, 1);
    this.sysctls.removeIface(dev.name);
    if (dev instanceof VethIface && dev.peer !== null) {
      const peer = dev.peer;
      dev.peer = null;
      peer.peer = null;
      (peer.host as Host).deleteLink(peer);
    }
  }

  renameLink(dev: Iface, name: string): void {
    this.linkGen++;
    this.sysctls.renameIface(dev.name, name);
    dev.name = internName(name);
  }

  /** `ip link set X up|down`: connected routes come and go; static routes through X go for good */
  setUp(dev: Iface, up: boolean): void {
    if (dev.up === up) return;
    this.linkGen++;
    dev.up = up;
    if (up) {
      for (const a of dev.addrs) this.addPrefixRoutes(dev, a);
    } else {
      this.fib.flushDev(dev, 'main');
      this.fib.flushBroadcasts(dev);
      for (const n of this.neigh.flushDev(dev)) for (const skb of n.queue) this.drop(skb, dev, 'device down');
      for (const f of this.netdevDown) f(dev);
    }
    if (dev.bridge !== null) dev.bridge.recalcMac();
    if (up && dev instanceof VlanIface && !dev.macSet) dev.mac = dev.real.mac.slice(); // vlan_dev_open(): vlan_dev_inherit_address()
    // vlan_device_event(NETDEV_UP / NETDEV_DOWN): the VLAN devices on top follow (no loose_binding)
    if (dev.vlans !== null) for (const v of [...dev.vlans]) this.setUp(v, up);
  }

  setMac(dev: Iface, mac: Uint8Array): void {
    this.linkGen++;
    if (dev.master !== null) {
      const br = dev.master;
      const vlans = dev.brVlans; // a port's VLANs outlive its new address
      br.removePort(dev);
      dev.mac = mac;
      dev.macSet = true;
      br.addPort(dev);
      dev.brVlans = vlans;
      return;
    }
    if (dev.bridge !== null) {
      dev.macSet = true;
      dev.bridge.setDevMac(mac);
      return;
    }
    dev.mac = mac;
    dev.macSet = true;
    vlanSyncAddress(dev);
  }

  setMaster(dev: Iface, br: Bridge | null): void {
    if (dev.master === br) return;
    this.linkGen++;
    if (dev.master !== null) dev.master.removePort(dev);
    if (br !== null) br.addPort(dev);
  }

  /** `ip addr add A/LEN [broadcast B] dev X`; returns an error text or null */
  addAddr(dev: Iface, addr: number, prefixLen: number, broadcast: number | null, scope = RT_SCOPE_UNIVERSE): string | null {
    if (dev.addrs.some((a) => a.addr === addr && a.prefixLen === prefixLen)) return 'RTNETLINK answers: File exists';
    this.linkGen++;
    const mask = prefixMask(prefixLen);
    const secondary = dev.addrs.some((a) => !a.secondary && a.prefixLen === prefixLen && ((a.addr ^ addr) & mask) === 0);
    const brd = broadcast ?? 0;
    const a: IfAddr = { addr, prefixLen, mask, broadcast: brd, scope: (addr >>> 24) === 127 ? RT_SCOPE_HOST : scope, secondary, label: dev.name };
    dev.addrs.push(a);
    // fib_add_ifaddr(): the local route always; prefix and broadcast routes once the device is up
    this.fib.add(makeRoute({ table: 'local', type: 'local', dst: addr, prefixLen: 32, dev, prefsrc: addr, scope: RT_SCOPE_HOST, proto: 'kernel' }));
    if (dev.kind === 'loopback' && prefixLen < 32) {
      this.fib.add(makeRoute({ table: 'local', type: 'local', dst: addr, prefixLen, dev, prefsrc: addr, scope: RT_SCOPE_HOST, proto: 'kernel' }));
      this.fib.add(makeRoute({ table: 'local', type: 'broadcast', dst: (addr | ~mask) >>> 0, prefixLen: 32, dev, prefsrc: addr, scope: RT_SCOPE_LINK, proto: 'kernel' }));
      a.broadcast = (addr | ~mask) >>> 0;
      return null;
    }
    if (dev.up) this.addPrefixRoutes(dev, a);
    return null;
  }

  private addPrefixRoutes(dev: Iface, a: IfAddr): void {
    if (dev.kind === 'loopback') return;
    if (a.broadcast !== 0 && a.broadcast !== LIMITED_BROADCAST) {
      this.fib.add(makeRoute({ table: 'local', type: 'broadcast', dst: a.broadcast, prefixLen: 32, dev, prefsrc: a.addr, scope: RT_SCOPE_LINK, proto: 'kernel' }));
    }
    if (a.secondary) return;
    const net = (a.addr & a.mask) >>> 0;
    if (net !== 0 && (net !== a.addr || a.prefixLen < 32)) {
      if (this.fib.findExact('main', net, a.prefixLen, 0) === undefined || this.fib.table('main').every((r) => !(r.dst === net && r.prefixLen === a.prefixLen && r.dev === dev))) {
        this.fib.add(makeRoute({ table: 'main', type: 'unicast', dst: net, prefixLen: a.prefixLen, dev, prefsrc: a.addr, scope: RT_SCOPE_LINK, proto: 'kernel' }));
      }
      if (a.prefixLen < 31) {
        const b = (net | ~a.mask) >>> 0;
        if (!this.fib.table('local').some((r) => r.type === 'broadcast' && r.dst === b && r.dev === dev)) {
          this.fib.add(makeRoute({ table: 'local', type: 'broadcast', dst: b, prefixLen: 32, dev, prefsrc: a.addr, scope: RT_SCOPE_LINK, proto: 'kernel' }));
        }
      }
    }
  }

  /**
   * `ip addr del` (__inet_del_ifa()): its routes go. Removing a primary
   * removes its secondaries too, unless promote_secondaries is set (all or
   * the device): then the first of them becomes the primary, with the
   * subnet's routes.
   */
  delAddr(dev: Iface, a: IfAddr): void {
    this.delIfaddr(dev, a);
    // fib_inetaddr_event(): the device's last address gone, IP is off on it (fib_disable_ip())
    if (dev.addrs.length === 0) this.disableIp(dev);
  }

  /**
   * fib_disable_ip() with force: every route through `dev` goes, static
   * ones too, in every table (fib_sync_down_dev()), and arp_ifdown()
   * flushes its neighbours, permanent ones too (measured: `ip addr flush`
   * of the last address empties `ip neigh` and `ip route show table all`
   * for the device). Packets waiting for a neighbour are dropped.
   */
  private disableIp(dev: Iface): void {
    this.linkGen++;
    this.fib.flushDev(dev, 'both');
    for (const n of this.neigh.flushDev(dev)) for (const skb of n.queue) this.drop(skb, dev, 'last address removed');
  }

  private delIfaddr(dev: Iface, a: IfAddr): void {
    const i = dev.addrs.indexOf(a);
    if (i < 0) return;
    this.linkGen++;
    dev.addrs.splice(i, 1);
    for (const f of this.inetaddrDel) f(dev, a.addr);
    this.fib.removeWhere('both', (r) => r.dev === dev && r.proto === 'kernel' && r.prefsrc === a.addr);
    if (!a.secondary) {
      const sameSubnet = (s: IfAddr): boolean => s.secondary && s.prefixLen === a.prefixLen && ((s.addr ^ a.addr) & a.mask) === 0;
      if (this.sysctls.ifConfOr(dev.name, 'promote_secondaries')) {
        const p = dev.addrs.find(sameSubnet);
        if (p === undefined) return;
        p.secondary = false;
        // fib_add_ifaddr() for the new primary and each remaining secondary: local routes from the new primary
        for (const s of dev.addrs) if (s === p || sameSubnet(s)) this.ensureLocalRoute(dev, s.addr, p.addr);
        if (dev.up) this.addPrefixRoutes(dev, p);
        return;
      }
      // deleting a primary deletes its secondaries too
      for (const s of [...dev.addrs]) if (sameSubnet(s)) this.delIfaddr(dev, s);
    }
  }

  private ensureLocalRoute(dev: Iface, addr: number, src: number): void {
    if (this.fib.table('local').some((r) => r.type === 'local' && r.dst === addr && r.prefixLen === 32 && r.dev === dev)) return;
    this.fib.add(makeRoute({ table: 'local', type: 'local', dst: addr, prefixLen: 32, dev, prefsrc: src, scope: RT_SCOPE_HOST, proto: 'kernel' }));
  }

  describe(): string {
    return `${this.name}: ${this.ifaces.map((i) => `${i.name}(${i.addrs.map((a) => `${ip4ToString(a.addr)}/${a.prefixLen}`).join(',')})`).join(' ')}`;
  }
}

/** A bridge with no port and no address set gets a random MAC on Linux; natlab derives a fixed one. */
function bridgeRandomMac(host: string, name: string): Uint8Array {
  let h = 2166136261;
  for (const c of `${host}/${name}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return new Uint8Array([0x02, 0xba, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff]);
}
