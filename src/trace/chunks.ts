/**
 * A file built from byte chunks appended in order (the pcap and pcapng
 * writers): `push` appends, `bytes` joins everything written so far.
 */
export class ByteChunks {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  /** the whole file so far */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  protected push(c: Uint8Array): void {
    this.chunks.push(c);
    this.size += c.length;
  }
}
