/**
 * Per-destination rate limits (net/ipv4/inetpeer.c): the token bucket that
 * icmp_send() (icmpv4_xrlim_allow) and ip_error() share, and the redirect
 * back-off of ip_rt_send_redirect(). All three keep their time in the
 * peer's one rate_last, and the redirect back-off empties the bucket when
 * it starts over: a packet the router forwards back out of the interface
 * it came in on (a redirect, sent or not) leaves the sender's bucket empty
 * and rate_last at that moment, so an ip_error() about the sender's next
 * packet within a second sends no ICMP error (measured: fuzz-replay-3).
 * Tokens are kept in nanoseconds.
 */
import { NS_PER_MS, NS_PER_S } from '../sim/queue.js';

interface Peer {
  rateTokens: number;
  rateLast: number;
  nRedirects: number;
}

/** XRLIM_BURST_FACTOR */
const XRLIM_BURST = 6;
/** ip_rt_error_cost = HZ, ip_rt_error_burst = 5 * HZ */
const ERROR_COST = NS_PER_S;
const ERROR_BURST = 5 * NS_PER_S;
/** ip_rt_redirect_number, ip_rt_redirect_load (HZ/50), ip_rt_redirect_silence */
const REDIRECT_NUMBER = 9;
const REDIRECT_LOAD = 20 * NS_PER_MS;
/** (HZ / 50) << (9 + 1): 20.48 s (a multiplication: the shift would wrap at 32 bits on nanoseconds) */
const REDIRECT_SILENCE = REDIRECT_LOAD * 1024;

export class InetPeers {
  private peers = new Map<number, Peer>();

  private get(addr: number, now: number): Peer {
    let p = this.peers.get(addr);
    if (p === undefined) {
      // inet_getpeer(): rate_last is set 60 s back so the first refill fills the bucket
      p = { rateTokens: 0, rateLast: now - 60 * NS_PER_S, nRedirects: 0 };
      this.peers.set(addr, p);
    }
    return p;
  }

  /** inet_peer_xrlim_allow(peer, timeout) */
  xrlimAllow(addr: number, now: number, timeoutNs: number): boolean {
    const p = this.get(addr, now);
    let token = p.rateTokens + (now - p.rateLast);
    p.rateLast = now;
    if (token > XRLIM_BURST * timeoutNs) token = XRLIM_BURST * timeoutNs;
    let ok = false;
    if (token >= timeoutNs) {
      token -= timeoutNs;
      ok = true;
    }
    p.rateTokens = token;
    return ok;
  }

  /** ip_error()'s bucket */
  errorAllow(addr: number, now: number): boolean {
    const p = this.get(addr, now);
    p.rateTokens += now - p.rateLast;
    if (p.rateTokens > ERROR_BURST) p.rateTokens = ERROR_BURST;
    p.rateLast = now;
    if (p.rateTokens >= ERROR_COST) {
      p.rateTokens -= ERROR_COST;
      return true;
    }
    return false;
  }

  /**
   * ip_rt_send_redirect()'s exponential back-off: whether a redirect goes
   * now. When it does, the caller sends it (icmp_send(), which may still
   * refuse it) and then calls redirectSent(), in the kernel's order.
   */
  redirectAllow(addr: number, now: number): boolean {
    const p = this.get(addr, now);
    if (now - p.rateLast > REDIRECT_SILENCE) {
      // "No redirected packets during ip_rt_redirect_silence; reset the algorithm": the bucket too
      p.rateTokens = 0;
      p.nRedirects = 0;
    }
    if (p.nRedirects >= REDIRECT_NUMBER) {
      p.rateLast = now;
      return false;
    }
    return p.nRedirects === 0 || now > p.rateLast + REDIRECT_LOAD * 2 ** p.nRedirects;
  }

  /** after a redirect allowed by redirectAllow() was handed to icmp_send() */
  redirectSent(addr: number, now: number): void {
    const p = this.get(addr, now);
    p.rateLast = now;
    p.nRedirects++;
  }
}
