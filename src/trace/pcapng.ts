/**
 * pcapng files (draft-ietf-opsawg-pcapng): one file for all interfaces of
 * a run, each frame tagged with the interface it was seen on
 * (`if_name` = `node:iface`), its direction and an optional comment, e.g.
 * the hop that produced it. Wireshark shows the interface and the comment
 * per packet.
 *
 * Blocks written: a Section Header Block, one Interface Description Block
 * per interface (if_name, if_tsresol = 9: nanoseconds), and one Enhanced
 * Packet Block per frame (epb_flags for the direction, opt_comment). Every
 * block and option is padded to 32 bits and ends with its total length
 * again. Little-endian. The reader understands what the writer writes and
 * skips other block types; it is for tests and small tools.
 */
import { ByteChunks } from './chunks.js';
import { NatlabError } from '../config/errors.js';
import { LINKTYPE_ETHERNET, PCAP_SNAPLEN } from './pcap.js';

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_EPB_FLAGS = 2;

/** epb_flags bits 0-1: the direction */
const EPB_INBOUND = 1;
const EPB_OUTBOUND = 2;

const utf8 = new TextEncoder();
const utf8dec = new TextDecoder();

const pad4 = (n: number): number => (n + 3) & ~3;

interface Opt {
  code: number;
  value: Uint8Array;
}

/** options area: each TLV padded to 32 bits, then opt_endofopt (omitted when there are none) */
function optionsLength(opts: Opt[]): number {
  if (opts.length === 0) return 0;
  return opts.reduce((n, o) => n + 4 + pad4(o.value.length), 0) + 4;
}

function writeOptions(v: DataView, off: number, opts: Opt[]): number {
  if (opts.length === 0) return off;
  const u8 = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  for (const o of opts) {
    v.setUint16(off, o.code, true);
    v.setUint16(off + 2, o.value.length, true);
    u8.set(o.value, off + 4);
    off += 4 + pad4(o.value.length);
  }
  v.setUint16(off, OPT_ENDOFOPT, true);
  v.setUint16(off + 2, 0, true);
  return off + 4;
}

/** type, total length, body, options, total length again */
function block(type: number, body: Uint8Array, opts: Opt[]): Uint8Array {
  const total = 8 + pad4(body.length) + optionsLength(opts) + 4;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  out.set(body, 8);
  writeOptions(v, 8 + pad4(body.length), opts);
  v.setUint32(total - 4, total, true);
  return out;
}

export type Direction = 'in' | 'out';

/** Builds a pcapng file in memory. */
export class PcapngWriter extends ByteChunks {
  private readonly ifaces = new Map<string, number>();

  constructor(application = 'natlab') {
    super();
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, BYTE_ORDER_MAGIC, true);
    v.setUint16(4, 1, true); // major
    v.setUint16(6, 0, true); // minor
    v.setBigInt64(8, -1n, true); // section length: not given
    this.push(block(BT_SHB, body, [{ code: OPT_SHB_USERAPPL, value: utf8.encode(application) }]));
  }

  /** Declare an interface (e.g. `router:uplink`); returns its id. Declaring a name twice returns the same id. */
  addInterface(name: string, linktype = LINKTYPE_ETHERNET, snaplen = PCAP_SNAPLEN): number {
    const known = this.ifaces.get(name);
    if (known !== undefined) return known;
    const body = new Uint8Array(8);
    const v = new DataView(body.buffer);
    v.setUint16(0, linktype, true);
    v.setUint16(2, 0, true);
    v.setUint32(4, snaplen, true);
    this.push(
      block(BT_IDB, body, [
        { code: OPT_IF_NAME, value: utf8.encode(name) },
        { code: OPT_IF_TSRESOL, value: Uint8Array.of(9) },
      ]),
    );
    const id = this.ifaces.size;
    this.ifaces.set(name, id);
    return id;
  }

  /** Add a frame seen on interface `iface` (an id from addInterface) at `tNs` nanoseconds. */
  add(iface: number, tNs: number, frame: Uint8Array, opts: { dir?: Direction; comment?: string } = {}): void {
    if (iface < 0 || iface >= this.ifaces.size) throw new RangeError(`pcapng: no interface ${iface}`);
    if (!Number.isInteger(tNs) || tNs < 0) throw new RangeError(`pcapng timestamp must be a non-negative integer of ns, got ${tNs}`);
    const body = new Uint8Array(20 + frame.length);
    const v = new DataView(body.buffer);
    v.setUint32(0, iface, true);
    const t = BigInt(tNs);
    v.setUint32(4, Number(t >> 32n), true);
    v.setUint32(8, Number(t & 0xffffffffn), true);
    v.setUint32(12, frame.length, true);
    v.setUint32(16, frame.length, true);
    body.set(frame, 20);
    const opts2: Opt[] = [];
    if (opts.dir) {
      const f = new Uint8Array(4);
      new DataView(f.buffer).setUint32(0, opts.dir === 'in' ? EPB_INBOUND : EPB_OUTBOUND, true);
      opts2.push({ code: OPT_EPB_FLAGS, value: f });
    }
    if (opts.comment !== undefined) opts2.push({ code: OPT_COMMENT, value: utf8.encode(opts.comment) });
    this.push(block(BT_EPB, body, opts2));
  }


}

export interface PcapngInterface {
  name?: string;
  linktype: number;
  snaplen: number;
  /** nanoseconds per timestamp unit */
  unitNs: number;
}

export interface PcapngPacket {
  iface: number;
  /** nanoseconds */
  t: number;
  data: Uint8Array;
  origLen: number;
  dir?: Direction;
  comment?: string;
}

/** Read a pcapng file (one or more sections, either byte order); unknown blocks are skipped. */
export function readPcapng(bytes: Uint8Array): { application?: string; interfaces: PcapngInterface[]; packets: PcapngPacket[] } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const interfaces: PcapngInterface[] = [];
  const packets: PcapngPacket[] = [];
  let application: string | undefined;
  let le = true;
  let sectionBase = 0; // interface ids are per section
  let off = 0;
  let n = 0;
  const fail = (detail: string): never => {
    throw new NatlabError(`pcapng: ${detail}`);
  };
  while (off < bytes.length) {
    n++;
    if (off + 12 > bytes.length) fail(`block ${n} at byte offset ${off} is truncated`);
    const rawType = v.getUint32(off, true);
    if (rawType === BT_SHB) {
      const magic = v.getUint32(off + 8, true);
      if (magic === BYTE_ORDER_MAGIC) le = true;
      else if (magic === 0x4d3c2b1a) le = false;
      else fail(`bad byte-order magic at byte offset ${off + 8}`);
      sectionBase = interfaces.length;
    } else if (n === 1) {
      fail('not a pcapng file: no section header block at byte offset 0');
    }
    const type = v.getUint32(off, le);
    const total = v.getUint32(off + 4, le);
    if (total < 12 || total % 4 !== 0 || off + total > bytes.length) fail(`block ${n} at byte offset ${off} has a bad length ${total}`);
    if (v.getUint32(off + total - 4, le) !== total) fail(`block ${n} at byte offset ${off}: trailing length differs from ${total}`);
    const end = off + total - 4;
    const options = (start: number): Opt[] => {
      const out: Opt[] = [];
      let p = start;
      while (p + 4 <= end) {
        const code = v.getUint16(p, le);
        const len = v.getUint16(p + 2, le);
        if (code === OPT_ENDOFOPT) break;
        if (p + 4 + len > end) fail(`block ${n}: option ${code} at byte offset ${p} runs past the block`);
        out.push({ code, value: bytes.subarray(p + 4, p + 4 + len) });
        p += 4 + pad4(len);
      }
      return out;
    };
    if (type === BT_SHB) {
      for (const o of options(off + 24)) if (o.code === OPT_SHB_USERAPPL) application = utf8dec.decode(o.value);
    } else if (type === BT_IDB) {
      const ifc: PcapngInterface = { linktype: v.getUint16(off + 8, le), snaplen: v.getUint32(off + 12, le), unitNs: 1000 };
      for (const o of options(off + 16)) {
        if (o.code === OPT_IF_NAME) ifc.name = utf8dec.decode(o.value);
        if (o.code === OPT_IF_TSRESOL) {
          const r = o.value[0]!;
          ifc.unitNs = r & 0x80 ? 1e9 / 2 ** (r & 0x7f) : 10 ** (9 - r);
        }
      }
      interfaces.push(ifc);
    } else if (type === BT_EPB) {
      const iface = sectionBase + v.getUint32(off + 8, le);
      const ifc = interfaces[iface] ?? fail(`block ${n}: packet on undeclared interface ${iface - sectionBase}`);
      const ts = v.getUint32(off + 12, le) * 2 ** 32 + v.getUint32(off + 16, le);
      const caplen = v.getUint32(off + 20, le);
      const origLen = v.getUint32(off + 24, le);
      const dataOff = off + 28;
      if (dataOff + caplen > end) fail(`block ${n}: packet data runs past the block`);
      const pkt: PcapngPacket = { iface, t: Math.round(ts * ifc.unitNs), data: bytes.slice(dataOff, dataOff + caplen), origLen };
      for (const o of options(dataOff + pad4(caplen))) {
        if (o.code === OPT_COMMENT) pkt.comment = utf8dec.decode(o.value);
        if (o.code === OPT_EPB_FLAGS && o.value.length === 4) {
          const d = new DataView(o.value.buffer, o.value.byteOffset, 4).getUint32(0, le) & 3;
          if (d === EPB_INBOUND) pkt.dir = 'in';
          else if (d === EPB_OUTBOUND) pkt.dir = 'out';
        }
      }
      packets.push(pkt);
    }
    off += total;
  }
  const out: { application?: string; interfaces: PcapngInterface[]; packets: PcapngPacket[] } = { interfaces, packets };
  if (application !== undefined) out.application = application;
  return out;
}
