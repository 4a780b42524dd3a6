/**
 * The tcpdump line of a frame for hop events, remembered so that a packet
 * seen at several hops (rx, route, nat, tx, the peer's rx) is described
 * once per change of what the line shows, and the same string object comes
 * back for the same text (trace writers compare lines with ===).
 *
 * describeFrame() (absolute TCP sequence numbers, no memo) depends on
 * nothing but the bytes. For an untagged IPv4 frame its line is two parts
 * remembered apart:
 * - the link part, `SRC > DST, ethertype IPv4 (0x0800), length N: `, from
 *   the 12 MAC bytes and the frame length (a router rewriting the MACs on
 *   output changes only this part);
 * - the IPv4 part, from the bytes after the Ethernet header, except those
 *   tcpdump does not print without -v: TOS, IP id, TTL and header checksum
 *   (ip_forward()'s TTL decrement changes no text; a NAT rewrite does).
 * Any other frame is remembered whole, byte for byte. Nothing is ever
 * stale: every lookup compares the bytes it depends on.
 */
import type { HopEvent, HopKind } from '../trace/events.js';
import { describeFrame } from '../wire/frame.js';

/** frames longer than this are described afresh every time */
const MAX_KEPT = 256;
const SLOTS = 4;
/** direct-mapped tables: many packets are in flight at once (a wire's delay), a few MAC pairs */
const IP_SLOTS = 64;
const LINK_SLOTS = 16;

/** IPv4 header bytes (frame offsets) that no line without -v shows: TOS, id, TTL, checksum */
const isUnshown = (i: number): boolean => i === 15 || i === 18 || i === 19 || i === 22 || i === 24 || i === 25;

// ---- whole frames (anything but untagged IPv4) ----
const kept: Uint8Array[] = Array.from({ length: SLOTS }, () => new Uint8Array(MAX_KEPT));
const keptLen = new Int32Array(SLOTS).fill(-1);
const keptText: string[] = new Array<string>(SLOTS).fill('');
let next = 0;

// ---- link parts: 12 MAC bytes and the length ----
const linkMacs = new Uint8Array(LINK_SLOTS * 12);
const linkLen = new Int32Array(LINK_SLOTS).fill(-1);
const linkText: string[] = new Array<string>(LINK_SLOTS).fill('');

// ---- IPv4 parts: the bytes after the Ethernet header, and the last whole line made with each ----
const ipBytes: Uint8Array[] = Array.from({ length: IP_SLOTS }, () => new Uint8Array(MAX_KEPT));
const ipLen = new Int32Array(IP_SLOTS).fill(-1);
/** the line the IPv4 part is cut from (at `ipCut`), cut only when another link part needs it */
const ipSource: string[] = new Array<string>(IP_SLOTS).fill('');
const ipCut = new Int32Array(IP_SLOTS);
const ipText: (string | null)[] = new Array<string | null>(IP_SLOTS).fill(null);
/** which link slot the whole line in `ipWhole` was made with (-1: none) */
const ipWholeLink = new Int32Array(IP_SLOTS).fill(-1);
const ipWhole: string[] = new Array<string>(IP_SLOTS).fill('');

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = n - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** the IPv4 parts of two frames of length n print the same */
function sameIp(kept: Uint8Array, frame: Uint8Array, n: number): boolean {
  // from the end: ports and addresses differ between packets, headers rarely
  for (let i = n - 1; i >= 26; i--) if (kept[i] !== frame[i]) return false;
  for (let i = 14; i < 26; i++) if (!isUnshown(i) && kept[i] !== frame[i]) return false;
  return true;
}

/** the link slot of a frame: the last bytes of its MACs, and its length */
function linkSlotOf(frame: Uint8Array, n: number): number {
  const h = (frame[5]! * 7 + frame[11]! * 3 + frame[4]! + frame[10]! * 5 + n) | 0;
  return (h ^ (h >>> 4)) & (LINK_SLOTS - 1);
}

/** the IPv4 slot of a frame (n ≥ 34): the last bytes of its addresses and ports */
function ipSlotOf(frame: Uint8Array, n: number): number {
  let h = frame[29]! * 31 + frame[33]! * 7 + n;
  if (n >= 38) h = h * 961 + frame[35]! * 31 + frame[37]!;
  return (h ^ (h >>> 6) ^ (h >>> 12)) & (IP_SLOTS - 1);
}

/** an untagged IPv4 frame: link part and IPv4 part remembered apart */
function ipv4Summary(frame: Uint8Array, n: number): string {
  const l = linkSlotOf(frame, n);
  let linkHit = linkLen[l] === n;
  if (linkHit) {
    const o = l * 12;
    for (let i = 0; i < 12; i++) {
      if (linkMacs[o + i] !== frame[i]) {
        linkHit = false;
        break;
      }
    }
  }
  const s = ipSlotOf(frame, n);
  const ipHit = ipLen[s] === n && sameIp(ipBytes[s]!, frame, n);
  if (linkHit && ipHit) {
    if (ipWholeLink[s] === l) return ipWhole[s]!;
    let ip = ipText[s]!;
    if (ip === null) ipText[s] = ip = ipSource[s]!.slice(ipCut[s]!);
    const whole = linkText[l]! + ip;
    ipWholeLink[s] = l;
    ipWhole[s] = whole;
    return whole;
  }
  const whole = describeFrame(frame);
  let cut: number;
  if (!linkHit) {
    // the link part ends at the first ": " (MAC addresses have no space after a colon)
    cut = whole.indexOf(': ') + 2;
    linkMacs.set(frame.subarray(0, 12), l * 12);
    linkLen[l] = n;
    linkText[l] = whole.slice(0, cut);
    for (let k = 0; k < IP_SLOTS; k++) if (ipWholeLink[k] === l) ipWholeLink[k] = -1;
  } else cut = linkText[l]!.length;
  if (!ipHit) {
    const kept = ipBytes[s]!;
    for (let i = 14; i < n; i++) kept[i] = frame[i]!;
    ipLen[s] = n;
    ipSource[s] = whole;
    ipCut[s] = cut;
    ipText[s] = null;
  }
  ipWholeLink[s] = l;
  ipWhole[s] = whole;
  return whole;
}

/** describeFrame(frame), from the memo when what the line shows was described lately */
export function frameSummary(frame: Uint8Array): string {
  const n = frame.length;
  if (n > MAX_KEPT) return describeFrame(frame);
  if (n >= 34 && frame[12] === 0x08 && frame[13] === 0x00) return ipv4Summary(frame, n);
  for (let s = 0; s < SLOTS; s++) if (keptLen[s] === n && sameBytes(kept[s]!, frame, n)) return keptText[s]!;
  const text = describeFrame(frame);
  const s = next;
  next = (next + 1) % SLOTS;
  kept[s]!.set(frame);
  keptLen[s] = n;
  keptText[s] = text;
  return text;
}

/**
 * The hop event `TraceSink.hop()` describes, as an object (for sinks
 * without `hop()`): `data` from `off` is the packet's frame, its summary
 * from `describe` (frameSummary() unless a caller has its own); null for an
 * event without a packet. `reason` and `detail` (when not null) come before
 * `extra`'s fields, which win.
 */
export function hopEvent(
  t: number,
  node: string,
  kind: HopKind,
  iface: string | null,
  pkt: number,
  parent: number,
  flow: number,
  data: Uint8Array | null,
  off: number,
  extra: Partial<HopEvent> | undefined,
  reason: string | null = null,
  detail: string | null = null,
  describe: (frame: Uint8Array) => string = frameSummary,
): Omit<HopEvent, 'seq'> {
  const e: Omit<HopEvent, 'seq'> = { t, node, kind };
  if (iface !== null) e.iface = iface;
  if (data !== null) {
    e.pkt = pkt;
    if (parent !== 0) e.parent = parent;
    if (flow !== 0) e.flow = flow;
    e.summary = describe(off === 0 ? data : data.subarray(off));
  }
  if (reason !== null) e.reason = reason;
  if (detail !== null) e.detail = detail;
  if (extra !== undefined) Object.assign(e, extra);
  return e;
}

/** The `nat` event `TraceSink.nat()` describes, as an object (as Host.natEvent() gives a sink without nat()). */
export function natEvent(t: number, node: string, iface: string | null, pkt: number, parent: number, flow: number, data: Uint8Array, off: number, before: Uint8Array, bOff: number, hook: string, detail: string): Omit<HopEvent, 'seq'> {
  return hopEvent(t, node, 'nat', iface, pkt, parent, flow, data, off, {
    hook: hook as HopEvent['hook'],
    table: 'nat',
    before: frameSummary(bOff === 0 ? before : before.subarray(bOff)),
    after: frameSummary(off === 0 ? data : data.subarray(off)),
    detail,
  });
}

/** The `chain` event `TraceSink.chain()` describes, as an object (as traceChain() gives a sink without chain()). */
export function chainEvent(t: number, node: string, pkt: number, hook: string, table: string, chain: string, rule: number, ruleText: string | null, verdict: string, inDev: string | null, outDev: string | null, physin: string | null, physout: string | null): Omit<HopEvent, 'seq'> {
  const e: Omit<HopEvent, 'seq'> = { t, node, kind: 'chain', pkt, hook: hook as HopEvent['hook'], table: table as HopEvent['table'], chain, verdict };
  if (rule !== 0) {
    e.rule = rule;
    if (ruleText !== null) e.ruleText = ruleText;
  } else e.policy = true;
  if (inDev !== null) e.in = inDev;
  if (outDev !== null) e.out = outDev;
  if (physin !== null) e.physin = physin;
  if (physout !== null) e.physout = physout;
  return e;
}
