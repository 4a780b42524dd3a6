/**
 * isc-dhcp-client 4.4.3-P1 (`dhclient`) on virtual time, with what the
 * kernel runner's dhclient-script does applied directly: PREINIT sets the
 * interface up; BOUND/RENEW add the address (flushing first when it
 * changed) and `ip route replace default via` the first router;
 * RELEASE/EXPIRE flush the interface's IPv4 addresses.
 *
 * Discovers and requests go out through a packet socket (LPF: TOS 0x10,
 * TTL 128, IP id 0, measured); renewals and releases through the fallback
 * UDP socket (DF, TTL 64). Retransmission follows dhclient's backoff: the
 * first interval is 3 s, then each grows by a random amount up to twice
 * itself, capped near 15 s, and the whole attempt by the 60 s timeout.
 * The renewal time is T1 jittered into [3/4 T1, T1] as dhclient does.
 *
 * A host remembers the last lease per interface (dhclient's lease file),
 * so that `dhclient -r` can release it and stop the running client, and a
 * dhclient started again begins from it as state_reboot() does: a lease
 * not yet expired is asked for again at once (INIT-REBOOT: a broadcast
 * DHCPREQUEST with option 50 and no server id, for up to reboot_timeout
 * 10 s), an expired or released one is named in the DHCPDISCOVER's option
 * 50 (make_discover() with the file's last lease; measured on the kernel
 * after `dhclient -r`).
 */
import type { Host } from '../model/host.js';
import { NS_PER_MS, NS_PER_S } from '../sim/queue.js';
import { DHCPACK, DHCPDISCOVER, DHCPNAK, DHCPOFFER, DHCPRELEASE, DHCPREQUEST, dhcpOption, type DhcpOption, type DhcpRepr } from '../wire/dhcp.js';
import { strerror } from '../model/tcp/errno.js';
import { ip4ToString } from '../wire/ip4.js';
import { macToString } from '../wire/mac.js';
import { ClientSockets, addAddr, clientRequest, addDefaultRoute, broadcastRequest, flushAddrs, unicastRequest, type ClientEnv } from './client-io.js';

export interface DhclientOptions {
  /** -v: print the banner and each message */
  verbose: boolean;
  /** -1: try once, exit 2 when no lease */
  once: boolean;
  /** -d: stay in the foreground */
  foreground: boolean;
}

/** dhclient's parameter request list (its default `request` statement) */
const PRL = [1, 28, 2, 3, 15, 6, 12];
const TIMEOUT = 60;
const INITIAL_INTERVAL = 3;
const BACKOFF_CUTOFF = 15;
const RETRY_INTERVAL = 300;
/** where dhclient.c reports a failed fallback send: in send_request() and in send_release() (4.4.3-P1, measured) */
const FALLBACK_LINE_REQUEST = 3001;
const FALLBACK_LINE_RELEASE = 3124;
/** how long dhclient -r's RELEASE script runs (measured: the step ends 25 ms after its DHCPRELEASE) */
const RELEASE_SCRIPT_NS = 20 * NS_PER_MS;
/** dhclient's TIME_MAX (a 32-bit time_t's largest value, measured in its messages) */
const TIME_MAX = 0x7fffffff;
/** reboot_timeout: seconds of INIT-REBOOT requests before discovering */
const REBOOT_TIMEOUT = 10;

/** What the lease file keeps of a lease. */
interface KeptLease {
  addr: number;
  serverId: number;
  /** virtual seconds when it expires; a release makes it expire at once */
  expiry: number;
  /** given back with -r: a later -r has nothing to release */
  released: boolean;
}

/** per host, per interface: the last lease and the client running there */
const kept = new WeakMap<Host, Map<string, { lease: KeptLease | null; running: Dhclient | null }>>();

function slot(h: Host, iface: string) {
  let m = kept.get(h);
  if (m === undefined) kept.set(h, (m = new Map()));
  let s = m.get(iface);
  if (s === undefined) m.set(iface, (s = { lease: null, running: null }));
  return s;
}

type State = 'init' | 'rebooting' | 'requesting' | 'bound' | 'renewing' | 'rebinding' | 'sleeping' | 'done';

export class Dhclient {
  private state: State = 'init';
  private sockets: ClientSockets | null = null;
  private timer: { cancel(): void } | null = null;
  private xid = 0;
  private interval = 0;
  private firstSending = 0;
  private offered: { addr: number; serverId: number } | null = null;
  private lease: { addr: number; serverId: number; end: number; rebind: number } | null = null;
  /** client->active: the lease file's last lease, then each new one; a NAK forgets it */
  private active: KeptLease | null = null;
  private daemonized = false;

  constructor(
    private readonly env: ClientEnv,
    private readonly opts: DhclientOptions,
  ) {}

  /** -v messages on stderr; go_daemon() points stderr at /dev/null, so a daemon says nothing more */
  private say(text: string): void {
    if (this.opts.verbose && !this.daemonized) this.env.out(text);
  }

  private banner(): void {
    const mac = macToString(this.env.dev.mac);
    const name = this.env.dev.name;
    this.say(
      'Internet Systems Consortium DHCP Client 4.4.3-P1\nCopyright 2004-2022 Internet Systems Consortium.\nAll rights reserved.\nFor info, please visit https://www.isc.org/software/dhcp/\n\n' +
        `Listening on LPF/${name}/${mac}\nSending on   LPF/${name}/${mac}\nSending on   Socket/fallback\n`,
    );
  }

  /** `dhclient [-v] [-1] [-d] IFACE` */
  start(): void {
    const s = slot(this.env.host, this.env.dev.name);
    s.running?.stop();
    s.running = this;
    this.banner();
    this.sockets = new ClientSockets(this.env, (rep, src) => this.reply(rep, src));
    this.env.host.setUp(this.env.dev, true); // PREINIT
    this.active = s.lease;
    this.stateReboot();
  }

  /** `dhclient -r IFACE`: stop the running client, release the kept lease, flush the interface */
  release(): void {
    const { host, dev } = this.env;
    const s = slot(host, dev.name);
    if (s.running !== null) {
      // the pid file names a running client: SIGTERM to it, before the banner
      s.running.stop();
      s.running = null;
      this.say('Killed old client process\n');
    }
    this.banner();
    const l = s.lease;
    if (l !== null && !l.released) {
      this.xid = this.env.random() >>> 0;
      this.say(`DHCPRELEASE of ${ip4ToString(l.addr)} on ${dev.name} to ${ip4ToString(l.serverId)} port 67\n`);
      const err = unicastRequest(this.env, this.message(DHCPRELEASE, [{ kind: 'serverId', addr: l.serverId }], l.addr, 0), l.addr, l.serverId);
      if (err < 0) this.fallbackFailed(err, FALLBACK_LINE_RELEASE);
      // the file keeps it, expired: the next dhclient discovers, naming it in option 50
      l.released = true;
      l.expiry = this.nowSec();
    }
    this.state = 'done';
    // RELEASE: dhclient-script (fork, exec, `ip addr flush`) runs after the DHCPRELEASE is out and
    // dhclient exits when it is done. Flushing the last address at once would also drop the release
    // still waiting for the server's ARP reply (arp_ifdown()), which the kernel sends.
    this.env.after(RELEASE_SCRIPT_NS, () => {
      flushAddrs(host, dev);
      this.env.exit(0);
    });
  }

  /** a send over the fallback UDP socket failed (OUTPUT dropped it: EPERM): send_packet()'s error, then its caller's (measured) */
  private fallbackFailed(err: number, line: number): void {
    this.say(`send_packet: ${strerror(-err)}\ndhclient.c:${line}: Failed to send 300 byte long packet over fallback interface.\n`);
  }

  /** SIGTERM/SIGINT: dhclient dies without releasing */
  signal(sig: 'SIGINT' | 'SIGTERM'): void {
    if (this.state === 'done') return;
    this.stop();
    this.env.exit(sig === 'SIGTERM' ? 143 : 130);
  }

  private stop(): void {
    this.state = 'done';
    this.timer?.cancel();
    this.timer = null;
    this.sockets?.close();
    const s = slot(this.env.host, this.env.dev.name);
    if (s.running === this) s.running = null;
  }

  private arm(secs: number, fn: () => void): void {
    this.timer?.cancel();
    this.timer = this.env.after(secs * NS_PER_S, fn);
  }

  private nowSec(): number {
    return Math.floor(this.env.host.now() / NS_PER_S);
  }

  private message(type: number, options: DhcpOption[], ciaddr: number, secs: number): DhcpRepr {
    return clientRequest(this.env.dev, this.xid, type, options, ciaddr, secs);
  }

  /** the next retransmission interval, as send_discover()/send_request() grow it */
  private nextInterval(): number {
    if (this.interval === 0) this.interval = INITIAL_INTERVAL;
    else this.interval += this.env.random() % (2 * this.interval);
    if (this.interval > BACKOFF_CUTOFF) this.interval = Math.floor(BACKOFF_CUTOFF / 2) + (this.env.random() % BACKOFF_CUTOFF);
    // the 60 s timeout bounds discovering and requesting; renewals are bounded by the lease times instead
    const now = this.nowSec();
    if ((this.state === 'init' || this.state === 'requesting') && now + this.interval > this.firstSending + TIMEOUT) this.interval = this.firstSending + TIMEOUT - now + 1;
    if (this.state === 'rebooting' && this.active !== null && now + this.interval > this.active.expiry) this.interval = this.active.expiry - now + 1;
    if (this.interval < 1) this.interval = 1;
    return this.interval;
  }

  /** state_reboot(): ask for a lease not yet expired again, else discover */
  private stateReboot(): void {
    const a = this.active;
    if (a === null || a.released || a.expiry <= this.nowSec()) {
      this.stateInit();
      return;
    }
    this.state = 'rebooting';
    this.xid = this.env.random() >>> 0;
    this.interval = INITIAL_INTERVAL;
    this.firstSending = this.nowSec();
    this.sendReboot();
  }

  /** send_request() in S_REBOOTING: broadcast, option 50 without a server id, until reboot_timeout */
  private sendReboot(): void {
    const a = this.active!;
    if (this.nowSec() - this.firstSending > REBOOT_TIMEOUT) {
      this.stateInit();
      return;
    }
    const iv = this.nextInterval();
    this.say(`DHCPREQUEST for ${ip4ToString(a.addr)} on ${this.env.dev.name} to 255.255.255.255 port 67\n`);
    const opts: DhcpOption[] = [{ kind: 'requestedIp', addr: a.addr }, { kind: 'paramRequest', codes: PRL }];
    broadcastRequest(this.env, this.message(DHCPREQUEST, opts, 0, this.nowSec() - this.firstSending), 128, 0x10);
    this.arm(iv, () => this.sendReboot());
  }

  /** state_init(): the interval starts at initial_interval and send_discover() grows it before the first send (measured: 3 to 8 s) */
  private stateInit(): void {
    this.state = 'init';
    this.xid = this.env.random() >>> 0;
    this.interval = INITIAL_INTERVAL;
    this.firstSending = this.nowSec();
    this.sendDiscover();
  }

  private sendDiscover(): void {
    if (this.nowSec() - this.firstSending >= TIMEOUT) {
      this.noOffers();
      return;
    }
    const iv = this.nextInterval();
    this.say(`DHCPDISCOVER on ${this.env.dev.name} to 255.255.255.255 port 67 interval ${iv}\n`);
    // make_discover(client, client->active): the last lease's address as option 50
    const opts: DhcpOption[] = this.active === null ? [{ kind: 'paramRequest', codes: PRL }] : [{ kind: 'requestedIp', addr: this.active.addr }, { kind: 'paramRequest', codes: PRL }];
    broadcastRequest(this.env, this.message(DHCPDISCOVER, opts, 0, this.nowSec() - this.firstSending), 128, 0x10);
    this.arm(iv, () => this.sendDiscover());
  }

  /** state_panic() with no lease to fall back on */
  private noOffers(): void {
    this.say('No DHCPOFFERS received.\n');
    if (this.opts.once) {
      this.say('Unable to obtain a lease on first try.  Exiting.\n');
      this.stop();
      this.env.exit(2);
      return;
    }
    this.say('No working leases in persistent database - sleeping.\n');
    this.state = 'sleeping';
    this.goBackground();
    this.arm(RETRY_INTERVAL, () => this.stateInit());
  }

  private goBackground(): void {
    if (this.opts.foreground || this.daemonized) return;
    this.daemonized = true;
    this.env.exit(0);
  }

  private sendRequest(): void {
    const o = this.offered!;
    if (this.nowSec() - this.firstSending >= TIMEOUT) {
      this.stateInit();
      return;
    }
    const iv = this.nextInterval();
    this.say(`DHCPREQUEST for ${ip4ToString(o.addr)} on ${this.env.dev.name} to 255.255.255.255 port 67\n`);
    const opts: DhcpOption[] = [{ kind: 'serverId', addr: o.serverId }, { kind: 'requestedIp', addr: o.addr }, { kind: 'paramRequest', codes: PRL }];
    broadcastRequest(this.env, this.message(DHCPREQUEST, opts, 0, this.nowSec() - this.firstSending), 128, 0x10);
    this.arm(iv, () => this.sendRequest());
  }

  /** RENEWING: unicast to the server until the rebinding time, then broadcast until expiry */
  private sendRenew(): void {
    const l = this.lease!;
    const now = this.nowSec();
    if (now >= l.end) {
      flushAddrs(this.env.host, this.env.dev); // EXPIRE
      this.stateInit();
      return;
    }
    const rebinding = now >= l.rebind;
    this.state = rebinding ? 'rebinding' : 'renewing';
    let iv = this.nextInterval();
    if (now + iv > (rebinding ? l.end : l.rebind)) iv = Math.max(1, (rebinding ? l.end : l.rebind) - now);
    const to = rebinding ? 0xffffffff : l.serverId;
    this.say(`DHCPREQUEST for ${ip4ToString(l.addr)} on ${this.env.dev.name} to ${ip4ToString(to)} port 67\n`);
    const req = this.message(DHCPREQUEST, [{ kind: 'paramRequest', codes: PRL }], l.addr, now - this.firstSending);
    if (rebinding) broadcastRequest(this.env, req, 128, 0x10, l.addr);
    else {
      const err = unicastRequest(this.env, req, l.addr, l.serverId);
      if (err < 0) this.fallbackFailed(err, FALLBACK_LINE_REQUEST);
    }
    this.arm(iv, () => this.sendRenew());
  }

  private reply(rep: DhcpRepr, src: number): void {
    if (rep.xid !== this.xid) return;
    const type = dhcpOption(rep, 'messageType')?.type ?? 0;
    if (this.state === 'init' && type === DHCPOFFER) {
      // select_interval 0: the first offer is taken at once
      this.say(`DHCPOFFER of ${ip4ToString(rep.yiaddr)} from ${ip4ToString(src)}\n`);
      const sid = dhcpOption(rep, 'serverId')?.addr ?? src;
      this.offered = { addr: rep.yiaddr, serverId: sid };
      this.state = 'requesting';
      this.interval = 0;
      this.firstSending = this.nowSec();
      this.sendRequest();
      return;
    }
    if (this.state !== 'requesting' && this.state !== 'rebooting' && this.state !== 'renewing' && this.state !== 'rebinding') return;
    if (type === DHCPACK) this.ack(rep, src);
    else if (type === DHCPNAK) {
      this.say(`DHCPNAK from ${ip4ToString(src)}\n`);
      flushAddrs(this.env.host, this.env.dev);
      this.lease = null;
      this.active = null;
      this.stateInit();
    }
  }

  private ack(rep: DhcpRepr, src: number): void {
    const { host, dev } = this.env;
    this.say(`DHCPACK of ${ip4ToString(rep.yiaddr)} from ${ip4ToString(src)}\n`);
    let expiry = dhcpOption(rep, 'leaseTime')?.seconds ?? 43200;
    if (expiry < 60) expiry = 60;
    // dhcpack(): without option 58 (dnsmasq sends none for an infinite lease) T1 is expiry / 2 + 1
    let renewal = dhcpOption(rep, 'renewalTime')?.seconds ?? Math.floor(expiry / 2) + 1;
    let rebind = dhcpOption(rep, 'rebindingTime')?.seconds ?? Math.floor((renewal * 7) / 4);
    if (rebind > expiry) rebind = expiry;
    // dhclient's jitter: renewal somewhere in [3/4 T1, T1], for a T1 up to TIME_MAX / 3 - 3
    if (renewal <= Math.floor(TIME_MAX / 3) - 3) renewal = Math.floor((renewal * 3 + 3) / 4) + Math.floor(((this.env.random() % Math.max(1, renewal)) + 3) / 4);
    const sid = dhcpOption(rep, 'serverId')?.addr ?? src;
    // BOUND / RENEW: bind_lease() hands the script client->active as old_ (outside REBOOTING), so
    // the lease file's lease counts too: a new process bound elsewhere after an unanswered
    // INIT-REBOOT flushes the file's address (measured)
    const old = this.state === 'rebooting' ? 0 : (this.active?.addr ?? 0);
    if (old !== 0 && old !== rep.yiaddr) flushAddrs(host, dev);
    addAddr(host, dev, rep.yiaddr, dhcpOption(rep, 'subnetMask')?.addr ?? 0xffffff00, dhcpOption(rep, 'broadcast')?.addr ?? 0);
    const router = dhcpOption(rep, 'router')?.addrs[0];
    if (router !== undefined) {
      // `ip route replace default via R dev IFACE`: the metric-0 default goes, whatever its device
      host.fib.removeWhere('main', (x) => x.prefixLen === 0 && x.metric === 0);
      addDefaultRoute(host, dev, router, 0);
    }
    const now = this.nowSec();
    this.lease = { addr: rep.yiaddr, serverId: sid, end: now + expiry, rebind: now + rebind };
    this.active = { addr: rep.yiaddr, serverId: sid, expiry: now + expiry, released: false };
    slot(host, dev.name).lease = this.active;
    // add_timeout() caps a renewal beyond TIME_MAX, saying so (an infinite lease, measured); natlab's
    // clock starts at 0 where the kernel's counts from 1970, so only a T1 of 2^31 s reaches it here
    if (now + renewal > TIME_MAX) this.say(`Timeout too large reducing to: ${TIME_MAX - 1} (TIME_MAX - 1)\n`);
    this.say(`bound to ${ip4ToString(rep.yiaddr)} -- renewal in ${renewal} seconds.\n`);
    this.state = 'bound';
    this.arm(renewal, () => {
      this.interval = 0;
      this.firstSending = this.nowSec();
      this.sendRenew();
    });
    this.goBackground();
  }
}
