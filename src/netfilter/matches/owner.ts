/**
 * `-m owner --uid-owner U[-U] --gid-owner G[-G] [--suppl-groups]
 * --socket-exists`: the socket a locally generated packet was sent from,
 * as xt_owner.c owner_mt() (OUTPUT and POSTROUTING only).
 *
 * natlab's programs (ping, nc, the TCP stack's sockets) run as root: uid
 * 0, gid 0, no supplementary groups. Forwarded packets and REJECT's TCP
 * resets (nf_send_reset(): no skb->sk) have no socket. What the kernel
 * sends from its per-namespace control sockets (ICMP replies and errors,
 * tcp_v4_send_reset()'s RSTs) has a socket without a file: it passes
 * --socket-exists but no --uid-owner/--gid-owner (measured on 6.18: echo
 * replies do not match `! --socket-exists`, REJECT's reset does). natlab
 * tells them apart by what they are: an ICMP message other than an echo
 * request, or a TCP RST (a REJECT's when it carries the conntrack entry
 * nf_ct_attach() gave it, RELATED). natlab's programs send no RST of
 * their own but for a listener's abort, which this counts as the
 * kernel's. Names are those of a Debian base system (/etc/passwd,
 * /etc/group), which -L prints for single ids.
 */
import { NfHook } from '../../model/nf-seam.js';
import { CtInfo, type Skb } from '../../model/skb.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { ipProto, l4 } from './util.js';

const USERS: Record<string, number> = {
  root: 0, daemon: 1, bin: 2, sys: 3, sync: 4, games: 5, man: 6, lp: 7, mail: 8, news: 9, uucp: 10, proxy: 13,
  'www-data': 33, backup: 34, list: 38, irc: 39, _apt: 42, nobody: 65534,
};
const GROUPS: Record<string, number> = {
  root: 0, daemon: 1, bin: 2, sys: 3, adm: 4, tty: 5, disk: 6, lp: 7, mail: 8, news: 9, uucp: 10, man: 12, proxy: 13,
  kmem: 15, dialout: 20, fax: 21, voice: 22, cdrom: 24, floppy: 25, tape: 26, sudo: 27, audio: 29, dip: 30,
  'www-data': 33, backup: 34, operator: 37, list: 38, irc: 39, src: 40, shadow: 42, utmp: 43, video: 44, sasl: 45,
  plugdev: 46, staff: 50, games: 60, users: 100, nogroup: 65534,
};
const nameOf = (db: Record<string, number>, id: number): string | undefined => Object.keys(db).find((k) => db[k] === id);

/** the uid and gid of natlab's programs */
const PROGRAM_UID = 0;
const PROGRAM_GID = 0;

/** XT_OWNER_UID, GID, SOCKET, SUPPL_GROUPS */
const UID = 1;
const GID = 2;
const SOCKET = 4;
const SUPPL = 8;

export interface OwnerData {
  match: number;
  invert: number;
  uid: [number, number];
  gid: [number, number];
}

/** `id`, `id-id` or a name (xtables_strtoui / getpwnam), below 2^32-1 */
function parseIds(opt: string, arg: string, db: Record<string, number>): [number, number] {
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(arg);
  const bad = (): XtError => new XtError(`owner: Bad value for "--${opt}" option: "${arg}"`);
  if (!m) {
    const id = db[arg];
    if (id === undefined) throw bad();
    return [id, id];
  }
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo >= 0xffffffff || hi >= 0xffffffff) throw bad();
  return [lo, hi];
}

const NO_SOCKET = 0;
/** a kernel control socket: sk->sk_socket without a file */
const CTL_SOCKET = 1;
const FULL_SOCKET = 2;

/** what skb_to_full_sk(skb) is, see the header */
function socketOf(skb: Skb): number {
  if (!skb.fromLocal) return NO_SOCKET;
  const proto = ipProto(skb);
  if (proto === 1) return skb.data[l4(skb)] === 8 ? FULL_SOCKET : CTL_SOCKET;
  if (proto === 6 && (skb.data[l4(skb) + 13]! & 0x04) !== 0) {
    const rejected = skb.ct !== null && (skb.ctInfo === CtInfo.RELATED || skb.ctInfo === CtInfo.RELATED_REPLY);
    return rejected ? NO_SOCKET : CTL_SOCKET;
  }
  return FULL_SOCKET;
}

function ids(r: [number, number], db: Record<string, number>, numeric: boolean): string {
  if (r[0] !== r[1]) return `${r[0]}-${r[1]}`;
  return (numeric ? undefined : nameOf(db, r[0])) ?? String(r[0]);
}

export const ownerMatch: MatchSpec<OwnerData> = {
  name: 'owner',
  options: [
    { name: 'uid-owner', arg: true },
    { name: 'gid-owner', arg: true },
    { name: 'socket-exists', arg: false },
    { name: 'suppl-groups', arg: false },
  ],
  init: () => ({ match: 0, invert: 0, uid: [0, 0], gid: [0, 0] }),
  hooks: (1 << NfHook.LOCAL_OUT) | (1 << NfHook.POST_ROUTING),
  parse(d, opt, arg, invert) {
    let flag: number;
    if (opt === 'uid-owner') {
      d.uid = parseIds(opt, arg!, USERS);
      flag = UID;
    } else if (opt === 'gid-owner') {
      d.gid = parseIds(opt, arg!, GROUPS);
      flag = GID;
    } else if (opt === 'socket-exists') flag = SOCKET;
    else {
      if (!(d.match & GID)) throw new XtError('owner: Bad value for "--suppl-groups" option: "you need to use --gid-owner first"');
      flag = SUPPL;
    }
    d.match |= flag;
    if (invert) d.invert |= flag;
  },
  final(d) {
    if (!(d.match & (UID | GID | SOCKET))) throw new XtError('owner: At least one of --uid-owner, --gid-owner or --socket-exists is required');
  },
  // owner_check(): an empty range
  check: (d) => !((d.match & UID && d.uid[0] > d.uid[1]) || (d.match & GID && d.gid[0] > d.gid[1])),
  save(d) {
    const inv = (f: number): string => (d.invert & f ? ' !' : '');
    let s = '';
    if (d.match & SOCKET) s += `${inv(SOCKET)} --socket-exists`;
    if (d.match & UID) s += `${inv(UID)} --uid-owner ${ids(d.uid, USERS, true)}`;
    if (d.match & GID) s += `${inv(GID)} --gid-owner ${ids(d.gid, GROUPS, true)}`;
    if (d.match & SUPPL) s += ' --suppl-groups';
    return s;
  },
  print(d, numeric) {
    const inv = (f: number): string => (d.invert & f ? ' !' : '');
    let s = '';
    if (d.match & SOCKET) s += `${inv(SOCKET)} owner socket exists`;
    if (d.match & UID) s += `${inv(UID)} owner UID match ${ids(d.uid, USERS, numeric)}`;
    if (d.match & GID) s += `${inv(GID)} owner GID match ${ids(d.gid, GROUPS, numeric)}`;
    if (d.match & SUPPL) s += ' incl. suppl. groups';
    return s;
  },
  match(d, skb) {
    // owner_mt()
    const sk = socketOf(skb);
    if (sk === NO_SOCKET) return ((d.match ^ d.invert) & (UID | GID | SOCKET)) === 0;
    if (d.match & d.invert & SOCKET) return false;
    if (sk === CTL_SOCKET) return ((d.match ^ d.invert) & (UID | GID)) === 0;
    if (d.match & UID && (PROGRAM_UID >= d.uid[0] && PROGRAM_UID <= d.uid[1]) === ((d.invert & UID) !== 0)) return false;
    // no supplementary groups: --suppl-groups adds nothing
    if (d.match & GID && (PROGRAM_GID >= d.gid[0] && PROGRAM_GID <= d.gid[1]) === ((d.invert & GID) !== 0)) return false;
    return true;
  },
};

registerMatch(ownerMatch);
