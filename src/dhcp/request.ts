/**
 * A DHCP request as dnsmasq's dhcp_reply() reads it (rfc2131.c): the fixed
 * header as it is, and each option looked up when it is wanted
 * (option_find()): the first instance at least `minsize` bytes long, from
 * the cookie up to END or the datagram's end, then, with option 52
 * (overload), in `file` and in `sname`. A malformed option (past the end)
 * ends a search without spoiling what came before it; no END is needed;
 * options nobody asks about are never parsed.
 */
import { getU16, getU32 } from '../wire/bytes.js';
import {
  BOOTP_CHADDR,
  BOOTP_CHADDR_LEN,
  BOOTP_CIADDR,
  BOOTP_FILE,
  BOOTP_FILE_LEN,
  BOOTP_FLAGS,
  BOOTP_GIADDR,
  BOOTP_HLEN,
  BOOTP_HOPS,
  BOOTP_HTYPE,
  BOOTP_OP,
  BOOTP_SECS,
  BOOTP_SNAME,
  BOOTP_SNAME_LEN,
  BOOTP_XID,
  BOOTP_YIADDR,
  DHCP_COOKIE,
  DHCP_MAGIC,
  DHCP_OPTIONS,
} from '../wire/dhcp.js';

/** sizeof(struct dhcp_packet) less its options: dhcp_packet() drops anything shorter */
export const BOOTP_FIXED_LEN = 236;

const OPTION_PAD = 0;
const OPTION_END = 255;
const OPTION_OVERLOAD = 52;

export class DhcpRequest {
  constructor(
    private readonly b: Uint8Array,
    private readonly off: number,
    /** the UDP payload's length (at least BOOTP_FIXED_LEN) */
    private readonly len: number,
  ) {}

  get op(): number {
    return this.b[this.off + BOOTP_OP]!;
  }
  get htype(): number {
    return this.b[this.off + BOOTP_HTYPE]!;
  }
  get hlen(): number {
    return this.b[this.off + BOOTP_HLEN]!;
  }
  get hops(): number {
    return this.b[this.off + BOOTP_HOPS]!;
  }
  get xid(): number {
    return getU32(this.b, this.off + BOOTP_XID);
  }
  get secs(): number {
    return getU16(this.b, this.off + BOOTP_SECS);
  }
  get flags(): number {
    return getU16(this.b, this.off + BOOTP_FLAGS);
  }
  get ciaddr(): number {
    return getU32(this.b, this.off + BOOTP_CIADDR);
  }
  get yiaddr(): number {
    return getU32(this.b, this.off + BOOTP_YIADDR);
  }
  get giaddr(): number {
    return getU32(this.b, this.off + BOOTP_GIADDR);
  }
  /** all 16 bytes of chaddr (a copy) */
  chaddr(): Uint8Array {
    return this.b.slice(this.off + BOOTP_CHADDR, this.off + BOOTP_CHADDR + BOOTP_CHADDR_LEN);
  }

  /** the magic cookie, which dnsmasq insists on only for DHCP (a message with option 53) */
  cookieOk(): boolean {
    return this.len >= DHCP_OPTIONS && getU32(this.b, this.off + DHCP_COOKIE) === DHCP_MAGIC;
  }

  /** option_find(): the data of option `code` at least `minsize` bytes long, or null */
  find(code: number, minsize: number): Uint8Array | null {
    const o = this.off;
    const found = this.find1(o + DHCP_OPTIONS, o + this.len, code, minsize);
    if (found !== null) return found;
    const overload = this.find1(o + DHCP_OPTIONS, o + this.len, OPTION_OVERLOAD, 1);
    if (overload === null) return null;
    if ((overload[0]! & 1) !== 0) {
      const r = this.find1(o + BOOTP_FILE, o + BOOTP_FILE + BOOTP_FILE_LEN, code, minsize);
      if (r !== null) return r;
    }
    if ((overload[0]! & 2) !== 0) return this.find1(o + BOOTP_SNAME, o + BOOTP_SNAME + BOOTP_SNAME_LEN, code, minsize);
    return null;
  }

  /** option_find1() over [p, end) */
  private find1(start: number, end: number, code: number, minsize: number): Uint8Array | null {
    const b = this.b;
    const stop = Math.min(end, b.length);
    let p = start;
    for (;;) {
      if (p >= stop) return null;
      const c = b[p]!;
      if (c === OPTION_END) return null;
      if (c === OPTION_PAD) {
        p++;
        continue;
      }
      if (p > stop - 2) return null; // malformed
      const len = b[p + 1]!;
      if (stop - p < 2 + len) return null; // malformed
      if (c === code && len >= minsize) return b.subarray(p + 2, p + 2 + len);
      p += 2 + len;
    }
  }
}
