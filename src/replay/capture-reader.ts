/**
 * Reading capture files one packet at a time, without holding the file in
 * memory and without copying packets: classic pcap (pcap-savefile(5):
 * microsecond magic 0xa1b2c3d4 and nanosecond magic 0xa1b23c4d, either
 * byte order) and pcapng (Section Header, Interface Description, Enhanced
 * and Simple Packet Blocks; several interfaces and sections; options and
 * unknown blocks skipped by their length).
 *
 * The reader pulls bytes from a `ByteSource` (a file descriptor in
 * `io/pcap-stream.ts`, a Uint8Array in the core) into a window buffer and
 * hands out each packet as a view into it: `data` is valid until the next
 * call of `next()`. Whoever keeps a packet takes it with `take()` instead:
 * a window that lent a packet is never written again (when the next record
 * does not fit, a new window starts with the unread tail of the old one),
 * so a taken packet's bytes stay as they were read for as long as anyone
 * holds them. The replay hands them to the network as the frame itself,
 * without a copy, and the network rewrites them in place; a kept packet
 * holds its whole window (256 KiB) in memory.
 *
 * Timestamps stay exact: seconds and nanoseconds apart (an epoch time in
 * nanoseconds does not fit a double), and `relNs()` gives the offset from
 * the first packet as an integer number of nanoseconds.
 *
 * A truncated or corrupt file throws a NatlabError naming the byte offset
 * and the packet (or block) number; every packet before it was returned.
 */
import { NatlabError } from '../config/errors.js';

/** Random-access bytes: copy up to `len` bytes at file offset `pos` into `into[at..]`; returns how many (0 at the end). */
export interface ByteSource {
  readAt(into: Uint8Array, at: number, len: number, pos: number): number;
}

/** A ByteSource over bytes already in memory (the core has no files). */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    readAt(into, at, len, pos) {
      const n = Math.max(0, Math.min(len, bytes.length - pos));
      if (n > 0) into.set(bytes.subarray(pos, pos + n), at);
      return n;
    },
  };
}

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;
const PCAPNG_BOM_SWAPPED = 0x4d3c2b1a;
const BT_IDB = 1;
const BT_SPB = 3;
const BT_EPB = 6;
const OPT_IF_TSRESOL = 9;

/** One capture interface: a pcap file has one, a pcapng file one per IDB. */
export interface CaptureIface {
  linktype: number;
  snaplen: number;
  /** pcapng if_name, when given */
  name?: string;
  /** timestamp units per second (pcapng if_tsresol; 1e6 by default) */
  unitsPerSec: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

const WINDOW = 1 << 18;

/** pcap_adjust_snapshot(): 0 or more than the largest snapshot length (MAXIMUM_SNAPLEN) means that largest one */
function adjustSnapshot(snaplen: number): number {
  return snaplen === 0 || snaplen > 262144 ? 262144 : snaplen;
}

/**
 * `nw` (4 to 32) 32-bit words from `w[base..]` to `to[0..]`, in straight
 * blocks of eight (four below eight words), without a loop: the last block
 * ends at word `nw` and may copy again words the one before it copied (the
 * same values), so no block is shorter. A loop re-checked both arrays'
 * maps and re-read their lengths and base pointers on every step, behind
 * its stack check (callgrind-asm: 307 instructions for a 60-byte frame);
 * one block checks them once. The index sums are int32 (`| 0`): no
 * overflow check per word.
 */
function copyWords(w: Int32Array, base: number, to: Int32Array, nw: number): void {
  if (nw < 8) {
    copy4(w, base, to, 0);
    copy4(w, (base + nw - 4) | 0, to, (nw - 4) | 0);
    return;
  }
  copy8(w, base, to, 0);
  if (nw > 16) {
    copy8(w, (base + 8) | 0, to, 8);
    if (nw > 24) copy8(w, (base + 16) | 0, to, 16);
  }
  copy8(w, (base + nw - 8) | 0, to, (nw - 8) | 0);
}

/** words s..s+7 of `w` to k..k+7 of `to` */
function copy8(w: Int32Array, s: number, to: Int32Array, k: number): void {
  to[k] = w[s]!;
  to[(k + 1) | 0] = w[(s + 1) | 0]!;
  to[(k + 2) | 0] = w[(s + 2) | 0]!;
  to[(k + 3) | 0] = w[(s + 3) | 0]!;
  to[(k + 4) | 0] = w[(s + 4) | 0]!;
  to[(k + 5) | 0] = w[(s + 5) | 0]!;
  to[(k + 6) | 0] = w[(s + 6) | 0]!;
  to[(k + 7) | 0] = w[(s + 7) | 0]!;
}

/** words s..s+3 of `w` to k..k+3 of `to` */
function copy4(w: Int32Array, s: number, to: Int32Array, k: number): void {
  to[k] = w[s]!;
  to[(k + 1) | 0] = w[(s + 1) | 0]!;
  to[(k + 2) | 0] = w[(s + 2) | 0]!;
  to[(k + 3) | 0] = w[(s + 3) | 0]!;
}

export class CaptureReader {
  format: CaptureFormat = 'pcap';
  /** interfaces seen so far (pcapng: every IDB of every section, in order) */
  readonly ifaces: CaptureIface[] = [];
  /** the current packet's captured length, and where it starts in `window` */
  caplen = 0;
  dataAt = 0;
  /** original length on the wire */
  origLen = 0;
  /** index into `ifaces` */
  iface = 0;
  /** timestamp: whole seconds and the nanoseconds within the second */
  sec = 0;
  nsec = 0;
  /** 1-based number of the current packet */
  number = 0;
  /** byte offset of the current packet's record (pcap) or block (pcapng) */
  offset = 0;

  private buf = new Uint8Array(WINDOW);
  private view = new DataView(this.buf.buffer);
  /** the window's whole 32-bit words (copyData()); made again with `buf` */
  private words = new Int32Array(this.buf.buffer, 0, this.buf.length >> 2);
  /** `data`, made when first asked for */
  private dataView: Uint8Array | null = null;
  /** a packet of this window was lent out by take(): the window is never written again */
  private lent = false;
  /** file offset of buf[0] and the number of valid bytes in buf */
  private bufPos = 0;
  private bufLen = 0;
  /** file offset of the next record or block */
  private pos = 0;
  private le = true;
  private nanos = false;
  private blocks = 0;
  private sectionBase = 0;
  private firstSec = -1;
  private firstNsec = 0;

  constructor(
    private readonly src: ByteSource,
    /** the file name for error messages */
    readonly file: string = 'capture',
    /**
     * read as libpcap 1.10 does (what tcpdump and tcpreplay see): every
     * pcapng interface must have the first one's link type and snapshot
     * length; a later one that differs, before or after the first packet,
     * is an error there (pcap_ng_next_packet()), so the packets before it
     * are all there is. natlab's own replay reads every interface.
     */
    private readonly libpcap: boolean = false,
  ) {
    if (!this.ensure(0, 4)) this.fail(`not a capture file: ${this.bufLen} bytes, a pcap file header needs 24`, 0);
    const magicBE = this.view.getUint32(0, false);
    const magicLE = this.view.getUint32(0, true);
    if (magicBE === PCAPNG_SHB) {
      this.format = 'pcapng';
      return;
    }
    if (magicLE === PCAP_MAGIC_US || magicLE === PCAP_MAGIC_NS) this.le = true;
    else if (magicBE === PCAP_MAGIC_US || magicBE === PCAP_MAGIC_NS) this.le = false;
    else this.fail(`not a pcap or pcapng file: magic 0x${magicBE.toString(16).padStart(8, '0')} at byte offset 0`, 0);
    this.nanos = (this.le ? magicLE : magicBE) === PCAP_MAGIC_NS;
    if (!this.ensure(0, 24)) this.fail(`truncated pcap file header: ${this.bufLen} bytes, it needs 24`, 0);
    const major = this.view.getUint16(4, this.le);
    if (major !== 2) this.fail(`unsupported pcap version ${major}.${this.view.getUint16(6, this.le)} at byte offset 4`, 4);
    // LT_LINKTYPE(): the low 28 bits; the rest says whether an FCS is there
    this.ifaces.push({ linktype: this.view.getUint32(20, this.le) & 0x0fffffff, snaplen: this.view.getUint32(16, this.le), unitsPerSec: this.nanos ? 1e9 : 1e6 });
    this.pos = 24;
  }

  /** the current packet: a view into its window (see above: never overwritten by the reader) */
  get data(): Uint8Array {
    if (this.dataView === null) this.dataView = this.buf.subarray(this.dataAt, this.dataAt + this.caplen);
    return this.dataView;
  }

  /**
   * Copy the current packet's bytes into `into` (at least `caplen` long)
   * from offset 0: what a caller that keeps the packet in its own buffer
   * uses instead of `data`, which would make a view per packet. Short
   * packets (16 to 128 bytes) are copied four bytes at a time (copyWords()): through `intoWords`, an
   * Int32Array over `into`'s whole words, and the window's own words when
   * the packet starts on a 4-byte boundary of the window (every packet of
   * a file whose records are all multiples of 4 long); else through
   * `intoView`, a DataView over `into`'s bytes, and the window's DataView
   * (a byte loop over two Uint8Arrays costs several times more: a bounds
   * check per byte and side; a DataView adds byte swaps and its own checks
   * to a typed array's). Long ones, or without either, natively.
   */
  copyData(into: Uint8Array, intoView: DataView | null = null, intoWords: Int32Array | null = null): void {
    const from = this.dataAt;
    const n = this.caplen;
    if (n <= 128 && n >= 16 && (from & 3) === 0 && intoWords !== null) {
      copyWords(this.words, from >> 2, intoWords, n >> 2);
      // the last 0..3 bytes
      const buf = this.buf;
      for (let i = n & ~3; i < n; i++) into[i] = buf[from + i]!;
      return;
    }
    this.copyDataOther(into, intoView);
  }

  /** copyData() of a packet that is long, short, unaligned in the window, or copied without `intoWords` */
  private copyDataOther(into: Uint8Array, intoView: DataView | null): void {
    const from = this.dataAt;
    const n = this.caplen;
    if (n > 128 || intoView === null) {
      into.set(this.buf.subarray(from, from + n));
      return;
    }
    const v = this.view;
    let i = 0;
    for (; i + 4 <= n; i += 4) intoView.setInt32(i, v.getInt32(from + i));
    const buf = this.buf;
    for (; i < n; i++) into[i] = buf[from + i]!;
  }

  /** the current packet for the caller to keep (and write): `data`, lent for good (see above) */
  take(): Uint8Array {
    this.lent = true;
    return this.data;
  }

  /** whether timestamps are nanoseconds (pcap magic 0xa1b23c4d) */
  get nanosecond(): boolean {
    return this.nanos;
  }

  /** the current packet's time since the first packet, nanoseconds */
  relNs(): number {
    return (this.sec - this.firstSec) * 1e9 + (this.nsec - this.firstNsec);
  }

  /** the link type of the current packet's interface */
  get linktype(): number {
    return this.ifaces[this.iface]!.linktype;
  }

  /** Move to the next packet; false at a clean end of file. */
  next(): boolean {
    const ok = this.format === 'pcap' ? this.nextPcap() : this.nextPcapng();
    if (ok && this.firstSec < 0) {
      this.firstSec = this.sec;
      this.firstNsec = this.nsec;
    }
    return ok;
  }

  /**
   * The next classic pcap record. The usual one (header and packet in the
   * window, lengths and timestamp in range) is taken here in a few lines,
   * so that V8 inlines this into next() and the replay's pump; any other
   * (a window to refill, the end, an error) is nextPcapOther()'s, which
   * checks in the order it always did, so errors are the same.
   */
  private nextPcap(): boolean {
    const off = this.pos;
    const at = off - this.bufPos;
    if (at + 16 <= this.bufLen) {
      const v = this.view;
      const le = this.le;
      const caplen = v.getUint32(at + 8, le);
      const frac = v.getUint32(at + 4, le);
      if (caplen <= 0x4000000 && at + 16 + caplen <= this.bufLen && frac < (this.nanos ? 1e9 : 1e6)) {
        this.dataAt = at + 16;
        this.caplen = caplen;
        this.dataView = null;
        this.origLen = v.getUint32(at + 12, le);
        this.sec = v.getUint32(at, le);
        this.nsec = this.nanos ? frac : frac * 1000;
        this.iface = 0;
        this.number++;
        this.offset = off;
        this.pos = off + 16 + caplen;
        return true;
      }
    }
    return this.nextPcapOther();
  }

  /** nextPcap() of a record the window does not hold whole, or whose fields are out of range (an error) */
  private nextPcapOther(): boolean {
    const off = this.pos;
    const n = this.number + 1;
    let at = off - this.bufPos;
    if (at + 16 > this.bufLen) {
      if (!this.ensure(off, 1)) return false;
      if (!this.ensure(off, 16)) this.fail(`truncated pcap: packet ${n} header at byte offset ${off} needs 16 bytes, ${this.available(off)} left`, off);
      at = off - this.bufPos;
    }
    const v = this.view;
    const le = this.le;
    const sec = v.getUint32(at, le);
    const frac = v.getUint32(at + 4, le);
    const caplen = v.getUint32(at + 8, le);
    const origLen = v.getUint32(at + 12, le);
    if (caplen > 0x4000000) this.fail(`corrupt pcap: packet ${n} at byte offset ${off} claims ${caplen} captured bytes`, off);
    if (frac >= (this.nanos ? 1e9 : 1e6)) this.fail(`corrupt pcap: packet ${n} at byte offset ${off} has a sub-second timestamp of ${frac}`, off);
    if (at + 16 + caplen > this.bufLen) {
      if (!this.ensure(off + 16, caplen)) this.fail(`truncated pcap: packet ${n} at byte offset ${off} has ${caplen} captured bytes, ${this.available(off + 16)} left`, off);
      at = off - this.bufPos; // the window moved: the packet starts at its front
    }
    this.setData(at + 16, caplen);
    this.origLen = origLen;
    this.sec = sec;
    this.nsec = this.nanos ? frac : frac * 1000;
    this.iface = 0;
    this.number = n;
    this.offset = off;
    this.pos = off + 16 + caplen;
    return true;
  }

  private setData(at: number, caplen: number): void {
    this.dataAt = at;
    this.caplen = caplen;
    this.dataView = null;
  }

  private nextPcapng(): boolean {
    for (;;) {
      const off = this.pos;
      if (!this.ensure(off, 1)) return false;
      const b = this.blocks + 1;
      if (!this.ensure(off, 12)) this.fail(`truncated pcapng: block ${b} at byte offset ${off} needs 12 bytes, ${this.available(off)} left`, off);
      let at = off - this.bufPos;
      const rawType = this.view.getUint32(at, true);
      if (rawType === PCAPNG_SHB) {
        const bom = this.view.getUint32(at + 8, true);
        if (bom === PCAPNG_BOM) this.le = true;
        else if (bom === PCAPNG_BOM_SWAPPED) this.le = false;
        else this.fail(`corrupt pcapng: section header block ${b} at byte offset ${off} has byte-order magic 0x${bom.toString(16)}`, off);
        this.sectionBase = this.ifaces.length;
      } else if (this.blocks === 0) {
        this.fail('not a pcapng file: no section header block at byte offset 0', 0);
      }
      const type = this.view.getUint32(at, this.le);
      const total = this.view.getUint32(at + 4, this.le);
      if (total < 12 || total % 4 !== 0 || total > 0x4000000) this.fail(`corrupt pcapng: block ${b} at byte offset ${off} has a bad length ${total}`, off);
      if (!this.ensure(off, total)) this.fail(`truncated pcapng: block ${b} at byte offset ${off} is ${total} bytes long, ${this.available(off)} left`, off);
      at = off - this.bufPos; // ensure() may have moved the window
      const v = this.view;
      if (v.getUint32(at + total - 4, this.le) !== total) this.fail(`corrupt pcapng: block ${b} at byte offset ${off}: its trailing length differs from ${total}`, off);
      this.blocks = b;
      this.pos = off + total;
      const end = at + total - 4;
      if (type === BT_IDB) {
        if (total < 20) this.fail(`corrupt pcapng: interface block ${b} at byte offset ${off} is too short`, off);
        const ifc: CaptureIface = { linktype: v.getUint16(at + 8, this.le), snaplen: v.getUint32(at + 12, this.le), unitsPerSec: 1e6 };
        this.readIdbOptions(ifc, at + 16, end, b, off);
        if (this.libpcap && this.ifaces.length > 0) this.checkLibpcapIface(ifc, off);
        this.ifaces.push(ifc);
      } else if (type === BT_EPB) {
        if (total < 32) this.fail(`corrupt pcapng: packet block ${b} at byte offset ${off} is too short`, off);
        const id = this.sectionBase + v.getUint32(at + 8, this.le);
        const ifc = this.ifaces[id];
        if (ifc === undefined) this.fail(`corrupt pcapng: packet block ${b} at byte offset ${off} names interface ${id - this.sectionBase}, which no interface block declared`, off);
        const caplen = v.getUint32(at + 20, this.le);
        if (at + 28 + caplen > end) this.fail(`corrupt pcapng: packet block ${b} at byte offset ${off}: ${caplen} captured bytes run past the block`, off);
        this.setTime(v.getUint32(at + 12, this.le), v.getUint32(at + 16, this.le), ifc!.unitsPerSec);
        this.setData(at + 28, caplen);
        this.origLen = v.getUint32(at + 24, this.le);
        this.iface = id;
        return this.packetAt(off);
      } else if (type === BT_SPB) {
        const id = this.sectionBase;
        const ifc = this.ifaces[id];
        if (ifc === undefined) this.fail(`corrupt pcapng: simple packet block ${b} at byte offset ${off} comes before any interface block`, off);
        const origLen = v.getUint32(at + 8, this.le);
        const caplen = Math.min(origLen, ifc!.snaplen || origLen, total - 16);
        this.setData(at + 12, caplen);
        this.origLen = origLen;
        this.iface = id;
        // a simple packet block has no timestamp: it keeps the previous one
        return this.packetAt(off);
      }
      // SHB, name resolution, statistics, custom blocks...: nothing to hand out
    }
  }

  /** pcap_ng_next_packet() on an IDB after the first: its link type, then its (adjusted) snapshot length must be the first one's */
  private checkLibpcapIface(ifc: CaptureIface, off: number): void {
    const first = this.ifaces[0]!;
    if (ifc.linktype !== first.linktype) this.fail(`an interface has a type ${ifc.linktype} different from the type of the first interface`, off);
    if (adjustSnapshot(ifc.snaplen) !== adjustSnapshot(first.snaplen)) {
      this.fail(`an interface has a snapshot length ${ifc.snaplen} different from the snapshot length of the first interface`, off);
    }
  }

  private packetAt(off: number): boolean {
    this.number++;
    this.offset = off;
    return true;
  }

  private readIdbOptions(ifc: CaptureIface, p: number, end: number, b: number, off: number): void {
    const v = this.view;
    while (p + 4 <= end) {
      const code = v.getUint16(p, this.le);
      const len = v.getUint16(p + 2, this.le);
      if (code === 0) break;
      if (p + 4 + len > end) this.fail(`corrupt pcapng: interface block ${b} at byte offset ${off}: option ${code} runs past the block`, off);
      if (code === OPT_IF_TSRESOL && len >= 1) {
        const r = this.buf[p + 4]!;
        ifc.unitsPerSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        if (!Number.isSafeInteger(ifc.unitsPerSec) || ifc.unitsPerSec > 1e12) this.fail(`unsupported pcapng: interface block ${b} at byte offset ${off} has if_tsresol ${r}`, off);
      } else if (code === 2) {
        ifc.name = new TextDecoder().decode(this.buf.subarray(p + 4, p + 4 + len));
      }
      p += 4 + ((len + 3) & ~3);
    }
  }

  /** a 64-bit count of units since the epoch, split exactly into seconds and nanoseconds */
  private setTime(hi: number, lo: number, unitsPerSec: number): void {
    if (hi === 0 || hi * 4294967296 + lo <= Number.MAX_SAFE_INTEGER) {
      const units = hi * 4294967296 + lo;
      const sec = Math.floor(units / unitsPerSec);
      this.sec = sec;
      this.nsec = Math.round(((units - sec * unitsPerSec) * 1e9) / unitsPerSec);
      return;
    }
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const ups = BigInt(unitsPerSec);
    this.sec = Number(units / ups);
    this.nsec = Number(((units % ups) * 1_000_000_000n) / ups);
  }

  /**
   * Make bytes [pos, pos+n) of the file present in the window; false when
   * the file ends first. While the window has room, bytes are added after
   * the ones already read. Otherwise the unread tail moves to the front of
   * the window, or, when a packet of it was lent (take()), into a new
   * window, the old one left as it is.
   */
  private ensure(pos: number, n: number): boolean {
    if (pos >= this.bufPos && pos + n <= this.bufPos + this.bufLen) return true;
    const from = pos - this.bufPos;
    if (from < 0 || pos + n > this.bufPos + this.buf.length) {
      const keep = from >= 0 && from < this.bufLen ? this.bufLen - from : 0;
      if (this.lent || n > this.buf.length) {
        const next = new Uint8Array(Math.max(WINDOW, n));
        if (keep > 0) next.set(this.buf.subarray(from, this.bufLen));
        this.buf = next;
        this.view = new DataView(next.buffer);
        this.words = new Int32Array(next.buffer, 0, next.length >> 2);
        this.lent = false;
      } else if (keep > 0) {
        this.buf.copyWithin(0, from, this.bufLen);
      }
      this.bufPos = pos;
      this.bufLen = keep;
    }
    const end = pos - this.bufPos + n;
    while (this.bufLen < end) {
      const got = this.src.readAt(this.buf, this.bufLen, this.buf.length - this.bufLen, this.bufPos + this.bufLen);
      if (got <= 0) return false;
      this.bufLen += got;
    }
    return true;
  }

  /** bytes left in the file from `pos` (for error messages: reads to the end) */
  private available(pos: number): number {
    let n = Math.max(0, this.bufPos + this.bufLen - pos);
    const scratch = new Uint8Array(65536);
    for (;;) {
      const got = this.src.readAt(scratch, 0, scratch.length, pos + n);
      if (got <= 0) return n;
      n += got;
    }
  }

  private fail(detail: string, offset: number): never {
    void offset;
    throw new NatlabError(detail, { file: this.file });
  }
}
