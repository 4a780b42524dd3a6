/**
 * ARP (net/ipv4/arp.c) and neighbour resolution (net/core/neighbour.c):
 * answering requests for our addresses, learning from what we hear, and
 * resolving next hops before IPv4 packets can leave.
 */
import {
  ARPOP_REPLY,
  ARPOP_REQUEST,
  ARP_SHA,
  ARP_LEN,
  ARP_THA,
  arpOp,
  arpSpa,
  arpTpa,
  buildArpFrame,
} from '../wire/arp.js';
import { ETH_P_IP, setEthDst, setEthSrc, setEthType } from '../wire/ethernet.js';
import { ICMP_DEST_UNREACH, ICMP_HOST_UNREACH } from '../wire/icmp.js';
import { ip4ToString, isLoopback4, isMulticast4 } from '../wire/ip4.js';
import { ipSrc } from '../wire/ipv4.js';
import { BROADCAST_MAC, ZERO_MAC, copyMac, macEq, macToString } from '../wire/mac.js';
import { devQueueXmit, NET_XMIT_SUCCESS } from './dev.js';
import { fillIpv4EthHeader } from './eth-header.js';
import type { Host } from './host.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, type IfAddr, type Iface } from './iface.js';
import { NUD_CONNECTED, NUD_NAMES, NUD_VALID, NO_HH_MAC, Neighbour, Nud } from './neigh.js';
import type { NeighParms } from './neigh-parms.js';
import { PktType, Skb } from './skb.js';
import { fibValidateSource } from './ipv4.js';
import { ipOptionsRecompileForUnreach } from './ip-options.js';
import { HZ, JIFFY, jiffies } from './jiffies.js';
import { WheelTimer } from './timer-wheel.js';

/**
 * arp_rcv()'s header check for an Ethernet device: IPv4 addresses of 4
 * bytes, MACs of 6, and hardware type 1 (Ethernet) or 6 (IEEE 802.2),
 * which Ethernet, FDDI and IEEE 802 devices all take (RFC 2625).
 */
function arpRcvHeaderOk(f: Uint8Array, o: number, len: number): boolean {
  if (len < ARP_LEN) return false;
  const hrd = (f[o]! << 8) | f[o + 1]!;
  const pro = (f[o + 2]! << 8) | f[o + 3]!;
  return (hrd === ARPHRD_ETHER || hrd === ARPHRD_IEEE802) && pro === ETH_P_IP && f[o + 4] === 6 && f[o + 5] === 4;
}
const ARPHRD_ETHER = 1;
const ARPHRD_IEEE802 = 6;

/** arp_rcv() + arp_process() */
export function arpRcv(h: Host, skb: Skb, dev: Iface): void {
  const f = skb.data;
  const o = skb.l3;
  if (dev.kind === 'loopback' || !arpRcvHeaderOk(f, o, f.length - o) || skb.pktType === PktType.OTHERHOST) {
    h.drop(skb, dev, 'arp: not for us', true);
    return;
  }
  const op = arpOp(f, o);
  const sip = arpSpa(f, o);
  const tip = arpTpa(f, o);
  if (op !== ARPOP_REQUEST && op !== ARPOP_REPLY) {
    if (h.trace !== null) h.drop(skb, dev, `arp: op ${op}`, true);
    return;
  }
  if (isMulticast4(tip) || isLoopback4(tip) || (isLoopback4(sip) && h.sysctls.ifConf(dev.name, 'route_localnet') === 0)) {
    h.drop(skb, dev, 'arp: martian address', true);
    return;
  }
  // drop_gratuitous_arp (IN_DEV_ORCONF): "there will be an ARP proxy and gratuitous ARP frames are
  // attacks": any ARP whose sender is its target goes, request or reply, before anything is learnt
  if (sip === tip && h.sysctls.ifConfOr(dev.name, 'drop_gratuitous_arp')) {
    h.drop(skb, dev, 'arp: gratuitous (drop_gratuitous_arp)', true);
    return;
  }
  const sha = f.subarray(o + ARP_SHA, o + ARP_SHA + 6);
  // Special case: IPv4 duplicate address detection (sip 0): reply only if the target is ours, on any device
  if (sip === 0) {
    if (op === ARPOP_REQUEST && h.addrTypeDevTable(tip) === 'LOCAL' && !arpIgnore(h, dev, sip, tip)) {
      arpSend(h, ARPOP_REPLY, dev, tip, sha, dev.mac, sha, sip);
    }
    return;
  }
  if (op === ARPOP_REQUEST) {
    const rt = h.routeInputType(tip, sip, dev);
    if (rt === 'LOCAL') {
      if (!arpIgnore(h, dev, sip, tip) && !(h.sysctls.ifConfOr(dev.name, 'arp_filter') && arpFilter(h, sip, tip, dev))) {
        // neigh_event_ns(): the asker is learnt as STALE, then we answer
        neighUpdate(h, h.neigh.create(dev, sip), sha, Nud.STALE, false);
        if (h.trace !== null) h.detailEvent('neigh', skb, dev, `arp: who-has ${ip4ToString(tip)} tell ${ip4ToString(sip)}: reply ${macToString(dev.mac)}`);
        arpSend(h, ARPOP_REPLY, dev, tip, sha, dev.mac, sha, sip);
      }
      return;
    }
    if (rt === 'OTHER' && h.sysctls.ifConf(dev.name, 'forwarding') !== 0 && arpFwdProxy(h, sip, tip, dev)) {
      neighUpdate(h, h.neigh.create(dev, sip), sha, Nud.STALE, false);
      const to = sha.slice();
      if (h.trace !== null) h.detailEvent('neigh', skb, dev, `arp: who-has ${ip4ToString(tip)} tell ${ip4ToString(sip)}: proxy reply ${macToString(dev.mac)}`);
      // a unicast request is answered at once; a broadcast one after proxy_delay (pneigh_enqueue())
      if (skb.pktType === PktType.HOST) arpSend(h, ARPOP_REPLY, dev, tip, to, dev.mac, to, sip);
      else h.net.queue.after(h.sysctls.neighParms(dev.name).proxyDelay, () => arpSend(h, ARPOP_REPLY, dev, tip, to, dev.mac, to, sip));
      return;
    }
  }
  // Any other ARP updates an existing entry for the sender; arp_accept lets a gratuitous
  // ARP (sip == tip) or an unsolicited reply create one
  let n = h.neigh.lookup(dev, sip);
  const accept = arpAccept(h, dev, sip);
  let garp = false;
  if (n !== undefined || accept) {
    // arp_is_garp(): sender = target (and for a reply, sha = tha), a unicast address
    const tha = f.subarray(o + ARP_THA, o + ARP_THA + 6);
    garp = sip === tip && (op === ARPOP_REQUEST || macEq(tha, 0, sha, 0)) && h.addrTypeDevTable(sip) === 'UNICAST';
  }
  if (n === undefined && accept && (garp || (op === ARPOP_REPLY && h.addrTypeDevTable(sip) === 'UNICAST'))) n = h.neigh.create(dev, sip);
  if (n !== undefined) {
    const state = op === ARPOP_REPLY && skb.pktType === PktType.HOST ? Nud.REACHABLE : Nud.STALE;
    // "if several different ARP replies follow back-to-back, use the first one": another address is
    // taken only locktime after the entry last changed, or from a gratuitous ARP
    const override = h.now() > n.updated + h.sysctls.neighParms(dev.name).locktime || garp;
    neighUpdate(h, n, sha, state, false, override);
  }
}

/** arp_accept(): 1 creates entries from unsolicited ARP, 2 only for a sender in a subnet of dev */
function arpAccept(h: Host, dev: Iface, sip: number): boolean {
  const mode = h.sysctls.ifConfMax(dev.name, 'arp_accept');
  if (mode === 1) return true;
  if (mode === 2) return dev.addrs.some((a) => a.scope <= RT_SCOPE_LINK && ((a.addr ^ sip) & a.mask) === 0);
  return false;
}

/**
 * arp_ignore(): whether a request for our address `tip` goes unanswered.
 * 0 answers for any local address on any device; 1 only for an address
 * of the incoming device; 2 only for an address of the incoming device
 * whose subnet on it holds the sender too (a sender of 0.0.0.0, a
 * duplicate address probe, is in every subnet); 3 not for an address of
 * host scope; 8 never; 4-7 and others answer.
 */
function arpIgnore(h: Host, dev: Iface, sip: number, tip: number): boolean {
  const mode = h.sysctls.ifConfMax(dev.name, 'arp_ignore');
  switch (mode) {
    case 0:
      return false;
    case 1:
      return confirmAddrIndev(h, dev, 0, tip, RT_SCOPE_HOST) === 0;
    case 2:
      return confirmAddrIndev(h, dev, sip, tip, RT_SCOPE_HOST) === 0;
    case 3:
      // inet_confirm_addr() without a device: any device's address `tip` of at most link scope
      return !h.ifaces.some((d) => confirmAddrIndev(h, d, 0, tip, RT_SCOPE_LINK) !== 0);
    case 8:
      return true;
    default:
      return false;
  }
}

/**
 * confirm_addr_indev(): an address of `dev` (`local` itself, or any when
 * 0) of at most `scope`, provided some address of `dev` has a subnet
 * holding both `local` and `dst` (either 0: any); 0 when there is none.
 */
function confirmAddrIndev(h: Host, dev: Iface, dst: number, local: number, scope: number): number {
  const localnetScope = h.sysctls.ifConfOr(dev.name, 'route_localnet') ? RT_SCOPE_LINK : RT_SCOPE_HOST;
  let addr = 0;
  let same = false;
  const match = (a: number, ifa: IfAddr): boolean => ((a ^ ifa.addr) & ifa.mask) === 0;
  for (const ifa of dev.addrs) {
    const minScope = Math.min(ifa.scope, localnetScope);
    if (addr === 0 && (local === ifa.addr || local === 0) && minScope <= scope) {
      addr = ifa.addr;
      if (same) break;
    }
    if (!same) {
      same = (local === 0 || match(local, ifa)) && (dst === 0 || match(dst, ifa));
      if (same && addr !== 0) {
        if (local !== 0 || dst === 0) break;
        // is the selected address in dst's subnet? if not, can this one serve?
        if (match(addr, ifa)) break;
        if (minScope <= scope) {
          addr = ifa.addr;
          break;
        }
        same = false;
      }
    }
  }
  return same ? addr : 0;
}

/**
 * arp_fwd_proxy() under arp_process(): a forwarding device with proxy_arp
 * answers for an address it routes (a unicast route through another
 * device, the source passing the input route's checks).
 */
function arpFwdProxy(h: Host, sip: number, tip: number, dev: Iface): boolean {
  if (!h.sysctls.ifConfOr(dev.name, 'proxy_arp')) return false;
  const r = h.fib.lookup(tip);
  if (r === null || r.type !== 'unicast' || r.dev === null || r.dev === dev) return false;
  return fibValidateSource(h, sip, tip, dev, false, r.dev) >= 0;
}

/** arp_filter(): with arp_filter=1, answer only on the device our route back to the asker uses */
function arpFilter(h: Host, sip: number, tip: number, dev: Iface): boolean {
  const rt = h.routeOutput(sip, tip, null);
  if (rt.dev === null || rt.kind === 'unreachable' || rt.kind === 'prohibit' || rt.kind === 'blackhole') return true;
  return rt.dev !== dev;
}

/** arp_send_dst(): build and send one ARP packet on `dev` */
export function arpSend(h: Host, op: number, dev: Iface, spa: number, ethDst: Uint8Array, sha: Uint8Array, tha: Uint8Array, tpa: number): void {
  const frame = buildArpFrame(op, dev.mac, ethDst, sha, spa, tha, tpa);
  const skb = new Skb(frame);
  skb.fromLocal = true;
  devQueueXmit(h, dev, skb);
}

/**
 * neigh_update(): a new link-layer address and/or state for `n`.
 * `admin` is NEIGH_UPDATE_F_ADMIN (from `ip neigh`); without `override`
 * (NEIGH_UPDATE_F_OVERRIDE) a valid entry keeps its address and state when
 * `lladdr` differs (only its confirmation time moves).
 */
export function neighUpdate(h: Host, n: Neighbour, lladdr: Uint8Array | null, state: Nud, admin: boolean, override = true): void {
  const old = n.state;
  const now = h.now();
  if (!admin && (old & (Nud.NOARP | Nud.PERMANENT)) !== 0) return;
  if ((state & NUD_VALID) === 0) {
    n.timer?.cancel();
    n.timer = null;
    n.state = state;
    if ((old & (Nud.INCOMPLETE | Nud.PROBE)) !== 0 && state === Nud.FAILED) neighInvalidate(h, n);
    return;
  }
  let newState = state;
  const changed = lladdr !== null && !macEq(lladdr, 0, n.ha, 0);
  // the state asked for, before it is adjusted below, says whether this confirms the neighbour: a
  // same-address update asking for STALE (an ARP request from it) leaves REACHABLE without confirming
  if ((newState & NUD_CONNECTED) !== 0) n.confirmed = now;
  if ((old & NUD_VALID) !== 0 && changed && !override && !admin) return;
  // "If entry was valid and address is not changed, do not change entry state, if new one is STALE",
  // unless the update is an administrator's (ip neigh, SIOCSARP): that one sets STALE
  if (!admin && (old & NUD_VALID) !== 0 && !changed && newState === Nud.STALE) newState = old;
  // the timestamp moves only with a change, so that no-op updates do not stretch the locktime window
  if (newState !== old || changed) n.updated = now;
  if (lladdr !== null) {
    copyMac(n.ha, 0, lladdr, 0);
    n.hhMac = NO_HH_MAC; // neigh_update_hhs(): the cached header is made again
  }
  if (newState !== old) {
    n.timer?.cancel();
    n.timer = null;
    n.state = newState;
    if ((newState & Nud.REACHABLE) !== 0) armTimer(h, n, jiffies(now) + reachableJ(parmsOf(h, n)));
    n.probes = 0;
    if (h.trace !== null) h.detailEvent('neigh', null, n.dev, `neighbour ${ip4ToString(n.ip)} ${NUD_NAMES[old]} -> ${NUD_NAMES[newState]} (${macToString(n.ha)})`);
  }
  if ((newState & NUD_VALID) !== 0 && n.queue.length > 0) {
    // the packets that waited leave in order, through the entry's output: neigh_resolve_output() for an
    // entry that is not CONNECTED (an ARP request resolved it: STALE), whose neigh_event_send() moves
    // it to DELAY with the first of them, to be probed if nothing confirms it
    const q = n.queue;
    n.queue = [];
    n.queueBytes = 0;
    for (const skb of q) {
      if ((n.state & NUD_CONNECTED) === 0) {
        n.used = now;
        if (n.state === Nud.STALE) neighDelay(h, n);
      }
      neighXmit(h, n, skb);
    }
  }
}

/** __neigh_event_send() on a STALE entry: DELAY, probed after delay_first_probe_time unless confirmed */
function neighDelay(h: Host, n: Neighbour): void {
  setState(h, n, Nud.DELAY);
  armTimer(h, n, jiffies(h.now()) + delayProbeJ(parmsOf(h, n)));
}

/**
 * neigh_add_timer() / mod_timer(&n->timer, expires): the entry's timer,
 * for jiffy `expires`, runs when the timer wheel gets to it (jiffies.ts).
 */
function armTimer(h: Host, n: Neighbour, expires: number): void {
  if (n.timer === null) n.timer = new WheelTimer(() => neighTimer(h, n));
  h.net.wheel.mod(n.timer, expires);
}

/** the entry's device's ARP parameters (net.ipv4.neigh.DEV.*) */
const parmsOf = (h: Host, n: Neighbour): NeighParms => h.sysctls.neighParms(n.dev.name);

/** the parameters' times in jiffies, as the kernel keeps them (msecs_to_jiffies() rounds up) */
const reachableJ = (p: NeighParms): number => Math.ceil(p.reachableTime / JIFFY);
const delayProbeJ = (p: NeighParms): number => Math.ceil(p.delayProbeTime / JIFFY);
/** max(RETRANS_TIME, HZ/100) */
const retransJ = (p: NeighParms): number => Math.max(Math.ceil(p.retransTime / JIFFY), HZ / 100);

function maxProbes(p: NeighParms, n: Neighbour): number {
  return p.ucastProbes + p.appProbes + (n.state & Nud.PROBE ? p.mcastReprobes : p.mcastProbes);
}

/** neigh_timer_handler(): times compared in jiffies, as the kernel does */
function neighTimer(h: Host, n: Neighbour): void {
  n.timer = null;
  const p = parmsOf(h, n);
  const now = jiffies(h.now());
  const state = n.state;
  let next = now + retransJ(p);
  if ((state & Nud.REACHABLE) !== 0) {
    const confirmed = jiffies(n.confirmed);
    if (now <= confirmed + reachableJ(p)) {
      next = confirmed + reachableJ(p); // still alive
    } else if (now <= jiffies(n.used) + delayProbeJ(p)) {
      setState(h, n, Nud.DELAY);
      next = now + delayProbeJ(p);
    } else {
      setState(h, n, Nud.STALE);
      return;
    }
  } else if ((state & Nud.DELAY) !== 0) {
    const confirmed = jiffies(n.confirmed);
    if (now <= confirmed + delayProbeJ(p)) {
      setState(h, n, Nud.REACHABLE);
      next = confirmed + reachableJ(p);
    } else {
      setState(h, n, Nud.PROBE);
      n.probes = 0; // in PROBE the first ucast_probes go to the known address
    }
  } else if ((state & (Nud.INCOMPLETE | Nud.PROBE)) === 0) {
    return;
  }
  if ((n.state & (Nud.INCOMPLETE | Nud.PROBE)) !== 0 && n.probes >= maxProbes(p, n)) {
    setState(h, n, Nud.FAILED);
    neighInvalidate(h, n);
    return;
  }
  if (next < now + HZ / 100) next = now + HZ / 100;
  armTimer(h, n, next);
  if ((n.state & (Nud.INCOMPLETE | Nud.PROBE)) !== 0) solicit(h, n);
}

function setState(h: Host, n: Neighbour, s: Nud): void {
  if (h.trace !== null) h.detailEvent('neigh', null, n.dev, `neighbour ${ip4ToString(n.ip)} ${NUD_NAMES[n.state]} -> ${NUD_NAMES[s]}`);
  n.state = s;
}

/**
 * neigh_invalidate(): resolution failed; the waiting packets get an ICMP
 * host unreachable each, in order, while the entry stays FAILED: an error
 * sent through this very entry (to a waiting packet's source that is the
 * address that never answered) starts resolving it again and ends the
 * loop; what is left then, that error with it, is purged unanswered
 * (__skb_queue_purge()).
 */
function neighInvalidate(h: Host, n: Neighbour): void {
  while (n.state === Nud.FAILED && n.queue.length > 0) {
    const skb = n.queue.shift()!;
    n.queueBytes -= skb.data.length;
    h.drop(skb, n.dev, `arp: ${ip4ToString(n.ip)} did not answer (neighbour FAILED)`);
    // arp_error_report() -> dst_link_failure() -> ipv4_send_dest_unreach(): the options compiled again, then icmp_send(HOST_UNREACH)
    if (skb.data[skb.l3]! !== 0x45 && !ipOptionsRecompileForUnreach(h, skb)) continue;
    h.icmpSend(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
  }
  for (const skb of n.queue) h.drop(skb, n.dev, `arp: ${ip4ToString(n.ip)} did not answer (neighbour FAILED, queue purged)`);
  n.queue = [];
  n.queueBytes = 0;
}

/** arp_solicit(): one probe; broadcast while INCOMPLETE, unicast to the known address in PROBE */
function solicit(h: Host, n: Neighbour): void {
  const dev = n.dev;
  const skb = n.queue.length > 0 ? n.queue[n.queue.length - 1]! : null;
  // arp_announce: 0 any local source of the waiting packet, 1 only a local one on a subnet of dev
  // shared with the target (inet_addr_onlink), 2 always the best address of dev for the target;
  // a forwarded packet's source is never local: the best address
  let saddr = 0;
  const announce = h.sysctls.ifConfMax(dev.name, 'arp_announce');
  if (skb !== null && announce < 2) {
    const s = ipSrc(skb.data, skb.l3);
    const onlink = dev.addrs.some((a) => ((a.addr ^ s) & a.mask) === 0 && ((a.addr ^ n.ip) & a.mask) === 0);
    if (h.isLocalAddr(s) && (announce === 0 || onlink)) saddr = s;
  }
  if (saddr === 0) saddr = h.selectAddr(dev, n.ip, RT_SCOPE_LINK);
  const probes = n.probes++;
  const ucastProbes = parmsOf(h, n).ucastProbes;
  const unicast = probes < ucastProbes && (n.state & Nud.PROBE) !== 0;
  const dst = unicast ? n.ha : BROADCAST_MAC;
  // INCOMPLETE counts its probes from ucast_probes (neigh->probes starts there), PROBE from 0
  const nth = probes + 1 - ((n.state & Nud.INCOMPLETE) !== 0 ? ucastProbes : 0);
  if (h.trace !== null) h.detailEvent('neigh', skb, dev, `arp: who-has ${ip4ToString(n.ip)} tell ${ip4ToString(saddr)} (${unicast ? 'unicast' : 'broadcast'} probe ${nth})`);
  arpSend(h, ARPOP_REQUEST, dev, saddr, dst, dev.mac, ZERO_MAC, n.ip);
}

/**
 * neigh_output() for IPv4: send `skb` (IP packet at skb.l3) to next hop
 * `nexthop` on `dev`, resolving it first when needed. The address may
 * come as uint32 or as int32 (the same 32 bits; an int32 crosses the
 * call without being boxed).
 */
export function neighOutput(h: Host, dev: Iface, next: number, skb: Skb, isBroadcast: boolean): number {
  const nexthop = next >>> 0;
  const f = skb.data;
  // every way out sets the ethertype (IPv4); a resolved neighbour's fast path writes the whole header at once
  if (dev.kind === 'loopback') {
    setEthType(f, ETH_P_IP);
    f.fill(0, 0, 12);
    return devQueueXmit(h, dev, skb);
  }
  if (isBroadcast) {
    setEthType(f, ETH_P_IP);
    setEthSrc(f, dev.mac);
    setEthDst(f, BROADCAST_MAC);
    return devQueueXmit(h, dev, skb);
  }
  if (isMulticast4(nexthop)) {
    // ip_eth_mc_map()
    setEthType(f, ETH_P_IP);
    setEthSrc(f, dev.mac);
    f[0] = 0x01;
    f[1] = 0x00;
    f[2] = 0x5e;
    f[3] = (nexthop >>> 16) & 0x7f;
    f[4] = (nexthop >>> 8) & 0xff;
    f[5] = nexthop & 0xff;
    return devQueueXmit(h, dev, skb);
  }
  const n = h.neigh.create(dev, nexthop);
  // sock_confirm_neigh() -> neigh_confirm(): TCP heard from the peer, so the next hop works
  if (skb.dstPendingConfirm) n.confirmed = h.now();
  const s = n.state;
  // NUD_CONNECTED, spelt out so that tsc writes the number in place
  if ((s & (Nud.PERMANENT | Nud.NOARP | Nud.REACHABLE)) !== 0) {
    // neigh_hh_output(): the fast path does not touch `used`
    return neighXmit(h, n, skb);
  }
  setEthType(f, ETH_P_IP);
  n.used = h.now(); // neigh_event_send()
  if ((s & (Nud.DELAY | Nud.PROBE)) !== 0) {
    return neighXmit(h, n, skb);
  }
  if ((s & Nud.STALE) !== 0) {
    // __neigh_event_send(): STALE -> DELAY, send now
    neighDelay(h, n);
    return neighXmit(h, n, skb);
  }
  if ((s & Nud.INCOMPLETE) !== 0) {
    enqueue(h, n, skb);
    return NET_XMIT_SUCCESS;
  }
  // NONE or FAILED: start resolving
  setState(h, n, Nud.INCOMPLETE);
  n.probes = parmsOf(h, n).ucastProbes;
  enqueue(h, n, skb);
  solicit(h, n);
  armTimer(h, n, jiffies(h.now()) + retransJ(parmsOf(h, n)));
  return NET_XMIT_SUCCESS;
}

/**
 * __neigh_event_send(n, NULL): something wants `n` resolved without a packet
 * to send (a redirect naming a new gateway): a NONE/FAILED entry starts
 * resolving, a STALE one goes to DELAY; anything else is left alone.
 */
export function neighEventSend(h: Host, n: Neighbour): void {
  const s = n.state;
  n.used = h.now();
  if ((s & (NUD_CONNECTED | Nud.DELAY | Nud.PROBE | Nud.INCOMPLETE)) !== 0) return;
  if ((s & Nud.STALE) !== 0) {
    neighDelay(h, n);
    return;
  }
  setState(h, n, Nud.INCOMPLETE);
  n.probes = parmsOf(h, n).ucastProbes;
  solicit(h, n);
  armTimer(h, n, jiffies(h.now()) + retransJ(parmsOf(h, n)));
}

function enqueue(h: Host, n: Neighbour, skb: Skb): void {
  const len = skb.data.length;
  const limit = parmsOf(h, n).unresQlenBytes;
  while (n.queueBytes + len > limit && n.queue.length > 0) {
    const old = n.queue.shift()!;
    n.queueBytes -= old.data.length;
    h.drop(old, n.dev, 'arp: unresolved queue full');
  }
  n.queue.push(skb);
  n.queueBytes += len;
  if (h.trace !== null) h.detailEvent('neigh', skb, n.dev, `waiting for arp: ${ip4ToString(n.ip)}`);
}

/**
 * neigh_hh_output(): fill the Ethernet header and send. A frame in its
 * slab buffer (`headWords` over the same bytes) takes the neighbour's
 * cached header (Neighbour.hh, made here when stale) as three word
 * stores; any other frame byte by byte.
 */
function neighXmit(h: Host, n: Neighbour, skb: Skb): number {
  const f = skb.data;
  const words = skb.headWords;
  const dev = n.dev;
  if (words !== null && f === skb.head && f.length >= 14) {
    if (n.hhMac !== dev.mac) neighHhInit(n, dev.mac);
    const hh = n.hh;
    words[0] = hh[0]!;
    words[1] = hh[1]!;
    words[2] = hh[2]!;
    f[12] = 0x08;
    f[13] = 0x00;
  } else {
    fillIpv4EthHeader(f, n.ha, dev.mac);
  }
  return devQueueXmit(h, dev, skb);
}

/** neigh_hh_init(): the header words of `n`'s frames from its address and the device's MAC `mac` */
function neighHhInit(n: Neighbour, mac: Uint8Array): void {
  const hdr = new Uint8Array(14);
  fillIpv4EthHeader(hdr, n.ha, mac);
  n.hh.set(new Int32Array(hdr.buffer, 0, 3));
  n.hhMac = mac;
}

/** `ip neigh add/replace ... lladdr X nud permanent|noarp|reachable|stale` */
export function neighAdminSet(h: Host, dev: Iface, ip: number, lladdr: Uint8Array | null, state: Nud): void {
  const n = h.neigh.create(dev, ip);
  n.admin = true;
  neighUpdate(h, n, lladdr, state, true);
}
