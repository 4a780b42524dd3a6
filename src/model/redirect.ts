/**
 * Receiving an ICMP redirect: icmp_redirect() -> the quoted protocol's
 * err_handler -> ipv4_redirect() -> __ip_do_redirect() (net/ipv4/route.c).
 * A redirect is believed only from the gateway the route to the quoted
 * destination uses now, for a new gateway that is a plain unicast address
 * (shared_media=1, the default) or on the same subnet and, with
 * secure_redirects, a default gateway (shared_media=0), and only when the
 * interface accepts redirects. The new gateway must already be a valid
 * neighbour: if it is not, the redirect only starts its resolution and is
 * otherwise ignored, so the first redirect about a new gateway changes
 * nothing and the next one installs the exception.
 */
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IP_HLEN, ipDst, ipHeaderLen, ipProto, ipSrc } from '../wire/ipv4.js';
import { ip4ToString, isMulticast4, isZeronet4, LIMITED_BROADCAST } from '../wire/ip4.js';
import { neighEventSend } from './arp.js';
import type { Host } from './host.js';
import { NUD_VALID } from './neigh.js';
import type { Skb } from './skb.js';

/** icmp_redirect(): `skb` is the redirect (IP header at skb.l3), already checksummed */
export function icmpRedirect(h: Host, skb: Skb): void {
  const b = skb.data;
  const o = skb.l3;
  const hl = ipHeaderLen(b, o);
  const icmp = o + hl;
  const q = icmp + 8;
  if (b.length - q < IP_HLEN || b.length - q < ipHeaderLen(b, q) + 8) return;
  const proto = ipProto(b, q);
  // the err_handlers: icmp_err() always redirects; udp/tcp only for a socket that sent the quoted packet
  if (proto !== IPPROTO_ICMP && !ownsQuoted(h, b, q, proto)) return;
  ipDoRedirect(h, skb, icmp, q);
}

function ownsQuoted(h: Host, b: Uint8Array, q: number, proto: number): boolean {
  const src = ipSrc(b, q);
  const dst = ipDst(b, q);
  const l4 = q + ipHeaderLen(b, q);
  const sport = (b[l4]! << 8) | b[l4 + 1]!;
  const dport = (b[l4 + 2]! << 8) | b[l4 + 3]!;
  if (proto === IPPROTO_UDP) return h.sockets.udp.some((s) => s.port === sport && (s.addr === 0 || s.addr === src));
  if (proto === IPPROTO_TCP) return h.sockets.tcp.some((s) => s.localPort === sport && s.remotePort === dport && s.remoteAddr === dst);
  return false;
}

/** ipv4_redirect() + __ip_do_redirect() */
function ipDoRedirect(h: Host, skb: Skb, icmp: number, q: number): void {
  const b = skb.data;
  const code = b[icmp + 1]! & 7;
  if (code > 3) return; // ICMP_REDIR_NET, _HOST, _NETTOS, _HOSTTOS
  const newGw = ((b[icmp + 4]! << 24) | (b[icmp + 5]! << 16) | (b[icmp + 6]! << 8) | b[icmp + 7]!) >>> 0;
  const oldGw = ipSrc(b, skb.l3);
  const daddr = ipDst(b, q);
  const saddr = ipSrc(b, q);
  // the route the quoted packet took (__build_flow_key() from the quoted header)
  const r = h.fib.lookup(daddr);
  if (r === null || r.type !== 'unicast' || r.dev === null) return;
  const gw = h.fnhe.gateway(r, daddr, h.now()) || r.gateway;
  if (gw === 0 || gw !== oldGw) return;
  const dev = skb.inDev;
  if (dev === null) return;
  const conf = h.sysctls;
  const rx = conf.ifConf(dev.name, 'forwarding') !== 0 ? conf.ifConfAnd(dev.name, 'accept_redirects') : conf.ifConfOr(dev.name, 'accept_redirects');
  const reject = (why: string): void => {
    if (h.trace !== null) h.drop(skb, dev, `icmp redirect for ${ip4ToString(daddr)} to ${ip4ToString(newGw)} rejected: ${why}`);
  };
  if (newGw === oldGw || !rx || isMulticast4(newGw) || newGw === LIMITED_BROADCAST || isZeronet4(newGw)) return reject(rx ? 'bad new gateway' : 'accept_redirects is off');
  if (!conf.ifConfOr(dev.name, 'shared_media')) {
    const onlink = dev.addrs.some((a) => ((a.addr ^ newGw) & a.mask) === 0 && ((a.addr ^ oldGw) & a.mask) === 0);
    if (!onlink) return reject('new gateway not on link');
    // ip_fib_check_default(): with secure_redirects only a default gateway on dev
    if (conf.ifConfOr(dev.name, 'secure_redirects') && !h.fib.table('main').some((x) => x.prefixLen === 0 && x.dev === dev && x.gateway === newGw)) return reject('secure_redirects: not a default gateway');
  } else if (h.addrType(newGw, null) !== 'UNICAST') {
    return reject('new gateway is not unicast');
  }
  void saddr;
  const n = h.neigh.lookup(r.dev, newGw) ?? h.neigh.create(r.dev, newGw);
  if ((n.state & NUD_VALID) === 0) {
    neighEventSend(h, n);
    return;
  }
  h.fnhe.set(r, daddr, newGw, h.now());
  if (h.trace !== null) h.detailEvent('route', skb, dev, `redirect: ${ip4ToString(daddr)} now via ${ip4ToString(newGw)}`);
}
