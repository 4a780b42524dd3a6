/**
 * busybox 1.35 udhcpc (networking/udhcp/dhcpc.c) on virtual time, with
 * what its default script (examples/udhcp/simple.script) does applied
 * directly: `deconfig` flushes the interface's IPv4 addresses and sets it
 * up; `bound`/`renew` add the address with its broadcast and replace the
 * interface's default routes by one per router (metric 0, 1, ...).
 *
 *   INIT_SELECTING --OFFER--> REQUESTING --ACK--> BOUND --lease/2--> RENEWING
 *     -t discovers, -T s apart;   3 selects        two unicast renewals, the
 *     then -n: exit 1, else        then back        second half the remaining
 *     wait -A s and start again    to INIT          lease later; then REBINDING:
 *                                                   -t broadcast renewals -T s
 *                                                   apart, then "lease lost"
 *
 * The renew timing was measured with a 120 s lease, -t 3 -T 1 and a server
 * gone: unicasts at 60 s and 90 s, broadcasts (from the leased address) at
 * 91, 92, 93 s, "lease lost" at 94 s, long before the lease ran out.
 *
 * Before it has an address udhcpc sends and receives through a packet
 * socket (LISTEN_RAW: IP id 0, TTL 64, from 0.0.0.0); once bound it
 * listens on a UDP socket (LISTEN_KERNEL) and renews by unicast (DF set).
 */
import { NS_PER_S } from '../sim/queue.js';
import { DHCPACK, DHCPDISCOVER, DHCPNAK, DHCPOFFER, DHCPREQUEST, dhcpOption, type DhcpOption, type DhcpRepr } from '../wire/dhcp.js';
import { ip4ToString } from '../wire/ip4.js';
import { ClientSockets, addAddr, clientRequest, addDefaultRoute, broadcastRequest, defaultRoutesVia, flushAddrs, unicastRequest, type ClientEnv } from './client-io.js';

export interface UdhcpcOptions {
  /** -q: exit after obtaining a lease */
  quit: boolean;
  /** -f: stay in the foreground once bound */
  foreground: boolean;
  /** -n: exit 1 when no lease was obtained */
  exitIfNoLease: boolean;
  /** -t N: discovers per attempt (default 3) */
  discoverRetries: number;
  /** -T SECS: seconds between discovers (default 3) */
  discoverTimeout: number;
  /** -A SECS: seconds to wait after a failed attempt (default 20) */
  tryagainTimeout: number;
}

export const UDHCPC_DEFAULTS: UdhcpcOptions = { quit: false, foreground: false, exitIfNoLease: false, discoverRetries: 3, discoverTimeout: 3, tryagainTimeout: 20 };

const PRL = [1, 3, 6, 12, 15, 28, 42];
const VENDOR = 'udhcp 1.35.0';

type State = 'init' | 'requesting' | 'bound' | 'renewing' | 'rebinding' | 'done';

export class Udhcpc {
  private state: State = 'init';
  private readonly sockets: ClientSockets;
  private timer: { cancel(): void } | null = null;
  private xid = 0;
  private packetNum = 0;
  private requested = 0;
  private serverId = 0;
  private leaseEnd = 0;
  private daemonized = false;

  /** in the sleep(3) after a NAK */
  private nakSleep = false;

  constructor(
    private readonly env: ClientEnv,
    private readonly opts: UdhcpcOptions,
  ) {
    this.sockets = new ClientSockets(env, (rep) => this.reply(rep));
  }

  start(): void {
    this.env.out('udhcpc: started, v1.35.0\n');
    this.deconfig();
    this.discoverTick();
  }

  /**
   * SIGTERM is caught (message, exit 0); SIGINT is not (killed: 130). A
   * SIGTERM during the sleep after a NAK cuts it short: the loop sends its
   * discover before it reads the signal from its pipe (measured)
   */
  signal(sig: 'SIGINT' | 'SIGTERM'): void {
    if (this.state === 'done') return;
    if (sig === 'SIGTERM' && this.nakSleep) {
      this.nakSleep = false;
      this.discoverTick();
    }
    if (sig === 'SIGTERM') this.env.out('udhcpc: received SIGTERM\n');
    this.finish(sig === 'SIGTERM' ? 0 : 130);
  }

  /** at least a second: `-T 0` or `-A 0` would make busybox spin; natlab keeps the clock moving */
  private arm(secs: number, fn: () => void): void {
    this.timer?.cancel();
    this.timer = this.env.after(Math.max(1, secs) * NS_PER_S, fn);
  }

  private finish(code: number): void {
    this.state = 'done';
    this.timer?.cancel();
    this.timer = null;
    this.sockets.close();
    this.env.exit(code);
  }

  /** the script's deconfig */
  private deconfig(): void {
    const { host, dev } = this.env;
    flushAddrs(host, dev);
    host.setUp(dev, true);
  }

  private base(type: number, options: DhcpOption[], ciaddr = 0): DhcpRepr {
    return clientRequest(this.env.dev, this.xid, type, options, ciaddr, 0);
  }

  private tail(): DhcpOption[] {
    const cid = new Uint8Array(7);
    cid[0] = 1;
    cid.set(this.env.dev.mac, 1);
    const vendor = new Uint8Array(VENDOR.length);
    for (let i = 0; i < VENDOR.length; i++) vendor[i] = VENDOR.charCodeAt(i);
    return [
      { kind: 'maxSize', size: 576 },
      { kind: 'paramRequest', codes: PRL },
      { kind: 'vendorClass', data: vendor },
      { kind: 'clientId', data: cid },
    ];
  }

  /** INIT_SELECTING: the next discover, or the end of an attempt */
  private discoverTick(): void {
    this.state = 'init';
    this.sockets.raw = true;
    if (this.packetNum < this.opts.discoverRetries) {
      if (this.packetNum === 0) this.xid = this.env.random() >>> 0;
      this.env.out('udhcpc: broadcasting discover\n');
      broadcastRequest(this.env, this.base(DHCPDISCOVER, this.tail()), 64, 0);
      this.packetNum++;
      this.arm(this.opts.discoverTimeout, () => this.discoverTick());
      return;
    }
    this.leasefail();
  }

  private leasefail(): void {
    this.state = 'init';
    if (this.opts.exitIfNoLease) {
      this.env.out('udhcpc: no lease, failing\n');
      this.finish(1);
      return;
    }
    this.packetNum = 0;
    this.arm(this.opts.tryagainTimeout, () => this.discoverTick());
  }

  /** REQUESTING: a broadcast select, up to three times */
  private selectTick(): void {
    if (this.packetNum < 3) {
      this.env.out(`udhcpc: broadcasting select for ${ip4ToString(this.requested)}, server ${ip4ToString(this.serverId)}\n`);
      const opts: DhcpOption[] = [{ kind: 'requestedIp', addr: this.requested }, { kind: 'serverId', addr: this.serverId }, ...this.tail()];
      broadcastRequest(this.env, this.base(DHCPREQUEST, opts), 64, 0);
      this.packetNum++;
      this.arm(this.opts.discoverTimeout, () => this.selectTick());
      return;
    }
    this.packetNum = 0;
    this.leasefail();
  }

  /** RENEWING: two unicast renewals to the server, then REBINDING */
  private renewTick(): void {
    if (this.packetNum < 2) {
      this.state = 'renewing';
      this.sockets.raw = false;
      this.env.out(`udhcpc: sending renew to server ${ip4ToString(this.serverId)}\n`);
      unicastRequest(this.env, this.base(DHCPREQUEST, this.tail(), this.requested), this.requested, this.serverId);
      this.packetNum++;
      const left = Math.floor((this.leaseEnd - this.env.host.now()) / NS_PER_S);
      this.arm(this.packetNum === 1 ? Math.max(1, Math.floor(left / 2)) : this.opts.discoverTimeout, () => this.renewTick());
      return;
    }
    this.packetNum = 0;
    this.rebindTick();
  }

  /** REBINDING: -t broadcast renewals from the leased address, -T s apart, then the lease is given up */
  private rebindTick(): void {
    this.state = 'rebinding';
    this.sockets.raw = true;
    if (this.packetNum < this.opts.discoverRetries) {
      this.env.out('udhcpc: broadcasting renew\n');
      const req = this.base(DHCPREQUEST, this.tail(), this.requested);
      req.secs = this.packetNum + 1;
      broadcastRequest(this.env, req, 64, 0, this.requested);
      this.packetNum++;
      this.arm(this.opts.discoverTimeout, () => this.rebindTick());
      return;
    }
    this.env.out('udhcpc: lease lost, entering init state\n');
    this.deconfig();
    this.packetNum = 0;
    this.discoverTick();
  }

  private reply(rep: DhcpRepr): void {
    if (this.state === 'done' || rep.xid !== this.xid) return;
    const type = dhcpOption(rep, 'messageType')?.type ?? 0;
    if (this.state === 'init') {
      if (type !== DHCPOFFER) return;
      const sid = dhcpOption(rep, 'serverId')?.addr;
      if (sid === undefined) return; // "no server ID, ignoring packet"
      this.serverId = sid;
      this.requested = rep.yiaddr;
      this.state = 'requesting';
      this.packetNum = 0;
      this.selectTick();
      return;
    }
    if (this.state === 'bound') return;
    if (type === DHCPACK) this.ack(rep);
    else if (type === DHCPNAK) this.nak();
  }

  private ack(rep: DhcpRepr): void {
    const { host, dev } = this.env;
    let lease = dhcpOption(rep, 'leaseTime')?.seconds;
    if (lease === undefined) {
      this.env.out('udhcpc: no lease time with ACK, using 1 hour lease\n');
      lease = 3600;
    }
    if (lease < 16) lease = 16;
    this.requested = rep.yiaddr;
    this.serverId = dhcpOption(rep, 'serverId')?.addr ?? this.serverId;
    this.env.out(`udhcpc: lease of ${ip4ToString(rep.yiaddr)} obtained from ${ip4ToString(this.serverId)}, lease time ${lease}\n`);
    // the script's bound/renew
    const mask = dhcpOption(rep, 'subnetMask')?.addr ?? 0xffffff00;
    addAddr(host, dev, rep.yiaddr, mask, dhcpOption(rep, 'broadcast')?.addr ?? 0);
    const routers = dhcpOption(rep, 'router')?.addrs ?? [];
    if (routers.length > 0) {
      for (const r of defaultRoutesVia(host, dev)) host.fib.remove(r);
      routers.forEach((r, i) => addDefaultRoute(host, dev, r, i));
    }
    if (this.opts.quit) {
      this.finish(0);
      return;
    }
    this.state = 'bound';
    this.sockets.raw = false;
    this.leaseEnd = host.now() + lease * NS_PER_S;
    this.packetNum = 0;
    this.arm(Math.floor(lease / 2), () => this.renewTick());
    if (!this.opts.foreground && !this.daemonized) {
      // client_background(): the foreground process exits 0, the daemon goes on
      this.daemonized = true;
      this.env.exit(0);
    }
  }

  private nak(): void {
    this.env.out('udhcpc: received DHCP NAK\n');
    if (this.state !== 'requesting') this.deconfig();
    this.state = 'init';
    this.sockets.raw = true;
    this.packetNum = 0;
    this.requested = 0;
    // sleep(3) "to avoid excessive network traffic", then a discover (measured: 3 s and the scripts' run time)
    this.nakSleep = true;
    this.arm(3, () => {
      this.nakSleep = false;
      this.discoverTick();
    });
  }
}
