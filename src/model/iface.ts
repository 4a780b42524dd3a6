/**
 * A network interface of one host (`struct net_device` + `in_device`).
 */
import { internName } from '../trace/events.js';
import type { Bridge } from './bridge.js';
import type { HostApi } from './host-api.js';
import type { DevConf } from './sysctl.js';
import type { VlanIface } from './vlan-dev.js';
import type { BrVlanGroup } from './br-vlan.js';

export type IfaceKind = 'loopback' | 'veth' | 'bridge' | 'vlan';

/** One IPv4 address on an interface (`struct in_ifaddr`). */
export interface IfAddr {
  addr: number;
  prefixLen: number;
  /** netmask as a 32-bit integer */
  mask: number;
  broadcast: number;
  /** RT_SCOPE_HOST (254) for 127/8 on lo, RT_SCOPE_LINK (253) or RT_SCOPE_UNIVERSE (0) */
  scope: number;
  /** secondary addresses come after a primary of the same subnet */
  secondary: boolean;
  label: string;
}

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;

export class Iface {
  readonly host: HostApi;
  /** interned (internName(): every trace call passes it); renamed only by Host.renameLink() */
  name: string;
  readonly ifindex: number;
  readonly kind: IfaceKind;
  /** 6 bytes */
  mac: Uint8Array;
  /** the MAC was set by the user (`ip link set address`), for the bridge MAC rule */
  macSet = false;
  /** IFF_UP (administratively up) */
  up = false;
  /** IFF_PROMISC as `ip link set ... promisc on` asked for it (dev->gflags; a bridge port's or a capture's promiscuity is not shown) */
  promisc = false;
  mtu = 1500;
  addrs: IfAddr[] = [];
  /** the bridge this interface is a port of (`master`), or null */
  master: Bridge | null = null;
  /** when this interface is a bridge device: its bridge */
  bridge: Bridge | null = null;
  /**
   * As a bridge port: its BR_* flags (net_bridge_port.flags, see
   * `BrPortFlag` in bridge.ts); set to the defaults when the port joins
   * a bridge, as new_nbp() does, and changed by `bridge link set`.
   */
  brportFlags = 0;
  /**
   * The VLAN devices on top of this one (vlan_info's group), null while
   * there are none: read only for tagged frames (vlan_do_receive()).
   */
  vlans: VlanIface[] | null = null;
  /**
   * As a bridge port or a bridge device: its VLANs (net_bridge_vlan_group),
   * set when the port joins (the bridge's default PVID) and changed by
   * `bridge vlan add|del`; null otherwise. Read only while the bridge
   * filters VLANs.
   */
  brVlans: BrVlanGroup | null = null;
  /** per-interface sysctls (net.ipv4.conf.IFACE.*), by key without the prefix */
  conf = new Map<string, number>();
  /** the receive path's sysctl snapshot for this interface (Sysctls.devConf()), null until first read */
  confCache: DevConf | null = null;

  constructor(host: HostApi, name: string, ifindex: number, kind: IfaceKind, mac: Uint8Array) {
    this.host = host;
    this.name = internName(name);
    this.ifindex = ifindex;
    this.kind = kind;
    this.mac = mac;
  }

  /** IFF_RUNNING / carrier: up, and for a veth its peer is up too */
  get running(): boolean {
    return this.up && this.carrier();
  }

  /** overridden per kind (veth: peer up; bridge: a port forwarding) */
  carrier(): boolean {
    return true;
  }

  /** the primary address, or 0 */
  primaryAddr(): number {
    for (const a of this.addrs) if (!a.secondary) return a.addr;
    return 0;
  }
}
