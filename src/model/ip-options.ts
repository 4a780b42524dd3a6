/**
 * IPv4 header options on the receive, forward and answer paths
 * (net/ipv4/ip_options.c), for packets that arrive with them: a replayed
 * capture can hold any. natlab models what is deterministic: END and NOP,
 * record route (RR), router alert (RA), a timestamp option without room
 * (its overflow count), unknown options (ignored on receive), and every
 * malformed option the kernel answers with a parameter problem. Source
 * routes (LSRR/SSRR) are dropped as accept_source_route=0 drops them
 * (natlab refuses to set it). What natlab does not model stops the run,
 * naming it: a timestamp with room (the kernel writes its wall clock),
 * CIPSO, TCP's answers with echoed options.
 *
 * What ip_options_compile() found stays on the skb (`Skb.ipOpt`, the part
 * of IPCB(skb)->opt natlab needs), packed in one integer: the RR and TS
 * offsets from the IP header and the RR_NEEDADDR, CHANGED and COMPILED
 * bits. ip_rcv_core() clears it for every packet.
 */
import { ICMP_PARAMETERPROB } from '../wire/icmp.js';
import { ipDst, ipFillChecksum, ipSrc, Ip4 } from '../wire/ipv4.js';
import { ip4ToString } from '../wire/ip4.js';
import { setU32 } from '../wire/bytes.js';
import type { Host } from './host.js';
import type { Iface } from './iface.js';
import { icmpSend } from './icmp.js';
import type { Skb } from './skb.js';

const IPOPT_END = 0;
const IPOPT_NOOP = 1;
const IPOPT_RR = 7;
const IPOPT_TIMESTAMP = 68;
const IPOPT_LSRR = 131;
const IPOPT_SSRR = 137;
const IPOPT_CIPSO = 134;
const IPOPT_RA = 148;

/** Skb.ipOpt: the RR option's offset from the IP header (0: none) */
const RR_MASK = 0xff;
/** Skb.ipOpt: the timestamp option's offset, shifted */
const TS_SHIFT = 8;
/** an address was recorded in RR on receive: forwarding and answers record one more */
export const OPT_RR_NEEDADDR = 1 << 16;
/** the header was changed (IPCB opt->is_changed): forwarding makes its checksum again */
const OPT_CHANGED = 1 << 17;
/** ip_options_compile() ran on this packet */
export const OPT_COMPILED = 1 << 18;

/**
 * ip_rcv_options(): ip_options_compile() on a packet whose header is
 * longer than 20 bytes, after its route is known (ip_rcv_finish_core()),
 * then the source route check. Returns true when the packet was dropped
 * (a malformed option is answered with a parameter problem pointing at
 * it, as ip_options_compile()'s error path does).
 */
export function ipRcvOptions(h: Host, skb: Skb, dev: Iface): boolean {
  const c = ipOptionsCompile(h, skb, dev);
  skb.ipOpt = c.opt;
  const o = skb.l3;
  if (c.pp >= 0) {
    if (c.srr !== 0) {
      h.unsupported(`a parameter problem about a packet with a source route option on ${h.name}: echoing the route is not modelled`);
    } else {
      icmpSend(h, skb, ICMP_PARAMETERPROB, 0, ((c.pp - o) << 24) >>> 0);
    }
    h.drop(skb, dev, `ip: bad option at byte ${c.pp - o} (parameter problem)`);
    return true;
  }
  if (c.srr !== 0) {
    // accept_source_route (all and the device) is 0: `sysctl -w` of it is refused as not modelled
    h.drop(skb, dev, 'ip: source route option (accept_source_route=0)');
    return true;
  }
  return false;
}

/** what ipOptionsCompile() found */
interface CompiledOptions {
  /** Skb.ipOpt's value */
  opt: number;
  /** the byte a parameter problem points at, -1 for none */
  pp: number;
  /** the source route option's offset in the buffer, 0 for none */
  srr: number;
}

/**
 * __ip_options_compile() of a packet's header options with its route, in
 * place: an RR with room records fib_compute_spec_dst()'s address and
 * moves its pointer on, a timestamp without room counts its overflow,
 * bytes after an END become END. `dev` names the device in what natlab
 * refuses.
 */
function ipOptionsCompile(h: Host, skb: Skb, dev: Iface | null): CompiledOptions {
  const b = skb.data;
  const o = skb.l3;
  const end = o + ((b[o]! & 0x0f) << 2);
  let rr = 0;
  let ts = 0;
  let srr = 0;
  let flags = OPT_COMPILED;
  let pp = -1;
  let p = o + Ip4.HLEN;
  scan: while (p < end) {
    const t = b[p]!;
    if (t === IPOPT_END) {
      for (let q = p + 1; q < end; q++) {
        if (b[q] !== IPOPT_END) {
          b[q] = IPOPT_END;
          flags |= OPT_CHANGED;
        }
      }
      break;
    }
    if (t === IPOPT_NOOP) {
      p++;
      continue;
    }
    const l = end - p;
    const optlen = l < 2 ? b[p + 1] ?? 0 : b[p + 1]!;
    if (optlen < 2 || optlen > l) {
      pp = p;
      break;
    }
    const ptr = b[p + 2] ?? 0;
    switch (t) {
      case IPOPT_SSRR:
      case IPOPT_LSRR:
        if (optlen < 3) pp = p + 1;
        else if (ptr < 4) pp = p + 2;
        else if (srr !== 0) pp = p;
        if (pp >= 0) break scan;
        srr = p;
        break;
      case IPOPT_RR:
        if (rr !== 0) pp = p;
        else if (optlen < 3) pp = p + 1;
        else if (ptr < 4) pp = p + 2;
        else if (ptr <= optlen && ptr + 3 > optlen) pp = p + 2;
        if (pp >= 0) break scan;
        if (ptr <= optlen) {
          // the address this host answers from (rt_spec_dst: fib_compute_spec_dst()); forwarding overwrites it
          setU32(b, p + ptr - 1, specDst(h, skb));
          b[p + 2] = ptr + 4;
          flags |= OPT_RR_NEEDADDR | OPT_CHANGED;
        }
        rr = p;
        break;
      case IPOPT_TIMESTAMP:
        if (ts !== 0) pp = p;
        else if (optlen < 4) pp = p + 1;
        else if (ptr < 5) pp = p + 2;
        else if (ptr <= optlen && ptr + 3 > optlen) pp = p + 2;
        else if (ptr > optlen && b[p + 3]! >>> 4 === 15) pp = p + 3;
        if (pp >= 0) break scan;
        if (ptr <= optlen) {
          h.unsupported(`an IP timestamp option with room on ${h.name} (${dev?.name ?? '?'}, from ${ip4ToString(ipSrc(b, o))}): the kernel records its wall clock; not modelled`);
        } else {
          // no room: count the overflow
          b[p + 3] = (b[p + 3]! & 0x0f) | (((b[p + 3]! >>> 4) + 1) << 4);
          flags |= OPT_CHANGED;
        }
        ts = p;
        break;
      case IPOPT_RA:
        if (optlen < 4) {
          pp = p + 1;
          break scan;
        }
        break;
      case IPOPT_CIPSO:
        h.unsupported(`a CIPSO IP option on ${h.name} (${dev?.name ?? '?'}, from ${ip4ToString(ipSrc(b, o))}): not modelled`);
        break;
      default:
        // IPOPT_SEC, IPOPT_SID and unknown options: ignored on receive
        break;
    }
    p += optlen;
  }
  return { opt: flags | (rr === 0 ? 0 : rr - o) | (ts === 0 ? 0 : (ts - o) << TS_SHIFT), pp, srr };
}

/** whether an answer to `skb` would carry options (it arrived with RR or a timestamp) */
export function ipOptionsToEcho(skb: Skb): boolean {
  return (skb.ipOpt & 0xffff) !== 0;
}

/** fib_compute_spec_dst(): the destination if it is local unicast, else the source of the route back to the sender */
function specDst(h: Host, skb: Skb): number {
  const b = skb.data;
  const o = skb.l3;
  if (skb.route?.kind === 'local') return ipDst(b, o);
  return h.routeOutput(ipSrc(b, o), 0, null).prefsrc;
}

/**
 * ip_forward_options(): a forwarded packet records, in the RR slot its
 * receive filled, the address it leaves from (ip_rt_get_source(): the
 * preferred source of the route to its destination), and gets its header
 * checksum again if anything changed.
 */
export function ipForwardOptions(h: Host, skb: Skb): void {
  const opt = skb.ipOpt;
  const b = skb.data;
  const o = skb.l3;
  if ((opt & OPT_RR_NEEDADDR) !== 0) {
    const rr = o + (opt & RR_MASK);
    setU32(b, rr + b[rr + 2]! - 5, h.routeOutput(ipDst(b, o), 0, null).prefsrc);
  }
  if ((opt & (OPT_RR_NEEDADDR | OPT_CHANGED)) !== 0) ipFillChecksum(b, o);
}

/** what ip_options_echo() makes for an answer: the option bytes, and whether its RR takes the answer's address */
export interface EchoedOptions {
  bytes: Uint8Array;
  rrNeedaddr: boolean;
}

/**
 * ip_options_echo(): the options of an answer to `skb` (an echo reply, an
 * ICMP error): its RR (with room taken for the answering host's address
 * when there is room) and its timestamp option, padded with END to a
 * multiple of 4; empty when there are none to echo (NOPs, RA and unknown
 * options are not echoed). null when the RR has room for less than an
 * address (-EINVAL: no answer is sent).
 */
export function ipOptionsEcho(skb: Skb): EchoedOptions | null {
  const opt = skb.ipOpt;
  const rrOff = opt & RR_MASK;
  const tsOff = (opt >>> TS_SHIFT) & 0xff;
  if (rrOff === 0 && tsOff === 0) return NONE;
  const b = skb.data;
  const o = skb.l3;
  const rrLen = rrOff === 0 ? 0 : b[o + rrOff + 1]!;
  const tsLen = tsOff === 0 ? 0 : b[o + tsOff + 1]!;
  const bytes = new Uint8Array((rrLen + tsLen + 3) & ~3);
  let rrNeedaddr = false;
  if (rrOff !== 0) {
    bytes.set(b.subarray(o + rrOff, o + rrOff + rrLen), 0);
    const soffset = bytes[2]!;
    if ((opt & OPT_RR_NEEDADDR) !== 0 && soffset <= rrLen) {
      if (soffset + 3 > rrLen) return null;
      bytes[2] = soffset + 4;
      rrNeedaddr = true;
    }
  }
  // a timestamp option here has no room (one with room stopped the run): copied as it is
  if (tsOff !== 0) bytes.set(b.subarray(o + tsOff, o + tsOff + tsLen), rrLen);
  return { bytes, rrNeedaddr };
}
const NONE: EchoedOptions = { bytes: new Uint8Array(0), rrNeedaddr: false };

/**
 * An answer's packet (Ethernet room + a 20-byte IPv4 header + payload, as
 * buildIpv4() made it) with the echoed options put after its header, as
 * ip_options_build() does: an RR that took room records the answer's own
 * source address (ip_rt_get_source() of an output route). Returns `pkt`
 * itself when there are none.
 */
export function ipOptionsBuild(pkt: Uint8Array, opts: EchoedOptions): Uint8Array {
  const n = opts.bytes.length;
  if (n === 0) return pkt;
  const o = 14;
  const out = new Uint8Array(pkt.length + n);
  out.set(pkt.subarray(0, o + Ip4.HLEN), 0);
  out.set(opts.bytes, o + Ip4.HLEN);
  out.set(pkt.subarray(o + Ip4.HLEN), o + Ip4.HLEN + n);
  out[o] = 0x40 | ((Ip4.HLEN + n) >> 2);
  const tot = ((out[o + 2]! << 8) | out[o + 3]!) + n;
  out[o + 2] = tot >> 8;
  out[o + 3] = tot & 0xff;
  if (opts.rrNeedaddr) {
    // the RR is the first echoed option: its slot is at its pointer - 1, one address back from the advanced pointer
    const slot = o + Ip4.HLEN + opts.bytes[2]! - 5;
    out.set(out.subarray(o + Ip4.SADDR, o + Ip4.SADDR + 4), slot);
  }
  ipFillChecksum(out, o);
  return out;
}

/**
 * ipv4_send_dest_unreach() (ipv4_link_failure(), for the packets waiting
 * on a neighbour that never answered): the options of the packet are
 * compiled again, in place, with its route, before icmp_send(): an RR
 * with room records the address fib_compute_spec_dst() gives, and its
 * pointer moves on, with no new header checksum, so the error quotes the
 * packet with one more address than it had (and its echoed RR starts from
 * there). Returns false when the options do not compile (an RR whose room
 * is less than an address, or malformed): no error is sent.
 */
export function ipOptionsRecompileForUnreach(h: Host, skb: Skb): boolean {
  const c = ipOptionsCompile(h, skb, skb.dev);
  if (c.pp >= 0) return false;
  skb.ipOpt = c.opt;
  return true;
}
