import { describe, expect, it } from 'vitest';
import { macUdp } from '../replay/test-captures.js';
import { ipChecksumOk, ipFillChecksum } from '../wire/ipv4.js';
import { macToString } from '../wire/mac.js';
import { netifReceive } from './dev.js';
import { allocSkb, Skb } from './skb.js';
import { TestNet } from './testnet.js';

/**
 * ip_rcv_core()'s header checksum: a slab skb (the replay's) is checked
 * through its buffer's DataView, any other through the bytes; both must
 * give ipChecksumOk()'s answer, header options and trimmed padding
 * included.
 */
function host() {
  const t = new TestNet(true);
  t.wire('a', 'eth0', 'r', 'lan0');
  t.addr('r', 'lan0', '10.0.0.1/24');
  const r = t.host('r');
  return { t, r, lan0: r.ifaceByName('lan0')! };
}

function frame(lan0Mac: Uint8Array, opts: { flip?: number; options?: boolean; pad?: number } = {}): Uint8Array {
  let f = macUdp('02:00:00:00:00:0a', macToString(lan0Mac, 0), '10.0.0.2', '10.0.0.1', 4000, 9, 18);
  if (opts.options) {
    // four bytes of options (NOPs and an end): IHL 6
    const g = new Uint8Array(f.length + 4);
    g.set(f.subarray(0, 34), 0);
    g.set([1, 1, 1, 0], 34);
    g.set(f.subarray(34), 38);
    g[14] = 0x46;
    g[17] = g[17]! + 4;
    ipFillChecksum(g, 14);
    f = g;
  }
  if (opts.pad) {
    const g = new Uint8Array(f.length + opts.pad);
    g.set(f);
    f = g;
  }
  if (opts.flip !== undefined) f[14 + opts.flip] ^= 0x40;
  return f;
}

const badSum = (t: TestNet): number => t.events.filter((e) => e.kind === 'drop' && e.reason === 'ip: bad header checksum').length;

describe('the IPv4 header checksum at ip_rcv()', () => {
  for (const slab of [true, false]) {
    for (const shape of [{}, { options: true }, { pad: 6 }] as const) {
      it(`drops a frame whose header checksum is wrong and takes one whose is right (${slab ? 'slab skb' : 'plain skb'}, ${JSON.stringify(shape)})`, () => {
        const { t, r, lan0 } = host();
        // a bit flipped in every header byte in turn (but the version/IHL byte, which an earlier check catches)
        for (let flip = -1; flip < 20; flip += flip === -1 ? 2 : 1) {
          const f = frame(lan0.mac, { ...shape, flip: flip < 0 ? undefined : flip });
          const want = ipChecksumOk(f, 14);
          const before = badSum(t);
          let skb: Skb;
          if (slab) {
            skb = allocSkb(f.length, 1000 + flip);
            skb.data.set(f);
          } else skb = new Skb(f);
          netifReceive(r, lan0, skb);
          t.run(10);
          expect([flip, badSum(t) - before]).toEqual([flip, want ? 0 : 1]);
          if (flip < 0) expect(want).toBe(true);
        }
      });
    }
  }
});
