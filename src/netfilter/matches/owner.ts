/**
 * `-m owner --uid-owner U[-U] --gid-owner G[-G] [--suppl-groups]
 * --socket-exists`: the socket a locally generated packet was sent from,
 * as xt_owner.c owner_mt() (OUTPUT and POSTROUTING only).
 *
 * The socket is skb.sk, which each sender sets (see SkOwner in
 * model/skb.ts): natlab's programs (ping, nc, dhclient, the TCP stack's
 * sockets) run as root, uid 0, gid 0, no supplementary groups. Forwarded
 * packets, REJECT's TCP resets (nf_send_reset(): no skb->sk) and a
 * TIME_WAIT socket's replies have none. What the kernel sends from its
 * per-namespace control sockets (ICMP replies and errors, REJECT's ICMP
 * errors, tcp_v4_send_reset()'s RSTs for no socket) has a socket without
 * a file: it passes --socket-exists but no --uid-owner/--gid-owner
 * (measured on 6.18: echo replies do not match `! --socket-exists`,
 * REJECT's reset does). Names are those of a Debian base system
 * (/etc/passwd, /etc/group), which -L prints for single ids.
 */
import { NfHook } from '../../model/nf-seam.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';

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

function ids(r: [number, number], db: Record<string, number>, numeric: boolean): string {
  if (r[0] !== r[1]) return `${r[0]}-${r[1]}`;
  return (numeric ? undefined : nameOf(db, r[0])) ?? String(r[0]);
}

export const ownerMatch: MatchSpec<OwnerData> = {
  name: 'owner',
  x6: true,
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
    // as owner_mt() does: no socket (a socket of another namespace is dropped by scrub(), see Skb.sk)
    const sk = skb.sk;
    if (sk === null) return (d.match ^ d.invert) === 0;
    // a socket, but ! --socket-exists
    if (d.match & d.invert & SOCKET) return false;
    const file = sk.file;
    if (file === null) return ((d.match ^ d.invert) & (UID | GID)) === 0;
    if (d.match & UID && (file.uid >= d.uid[0] && file.uid <= d.uid[1]) === ((d.invert & UID) !== 0)) return false;
    // no supplementary groups: --suppl-groups adds nothing
    if (d.match & GID && (file.gid >= d.gid[0] && file.gid <= d.gid[1]) === ((d.invert & GID) !== 0)) return false;
    return true;
  },
};

registerMatch(ownerMatch);
