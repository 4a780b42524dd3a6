/**
 * TTL --ttl-set/--ttl-dec/--ttl-inc (mangle only), as xt_HL.c ttl_tg():
 * the new TTL saturates at 0 and 255, and the header checksum is fixed
 * incrementally (csum_replace2() over the TTL/protocol word).
 */
import { csumReplace2 } from '../../wire/checksum.js';
import { registerTarget } from '../tables/registry.js';
import { XT_CONTINUE, XtError, type TargetSpec } from '../tables/types.js';
import { noInvert, xtUint } from '../xt-opts.js';

/** IPT_TTL_SET, _INC, _DEC */
const OPTS = ['ttl-set', 'ttl-inc', 'ttl-dec'];

export interface TtlTgData {
  /** index into OPTS, -1 until given */
  mode: number;
  ttl: number;
}

export const ttlTarget: TargetSpec<TtlTgData> = {
  name: 'TTL',
  x6: true,
  // TTL_opts: set, dec, inc with ids O_TTL_SET = 0, O_TTL_INC, O_TTL_DEC; each excludes the others
  options: [
    { name: 'ttl-set', arg: true, id: 0, excl: OPTS },
    { name: 'ttl-dec', arg: true, id: 2, excl: OPTS },
    { name: 'ttl-inc', arg: true, id: 1, excl: OPTS },
  ],
  init: () => ({ mode: -1, ttl: 0 }),
  tables: ['mangle'],
  parse(d, opt, arg, invert) {
    noInvert('TTL', opt, invert);
    d.mode = OPTS.indexOf(opt);
    d.ttl = xtUint('TTL', opt, arg!, opt === 'ttl-set' ? 0 : 1, 255);
  },
  final(d) {
    if (d.mode < 0) throw new XtError('TTL: You must specify an action');
  },
  save: (d) => ` --${OPTS[d.mode]} ${d.ttl}`,
  print: (d) => ` TTL ${['set to', 'increment by', 'decrement by'][d.mode]} ${d.ttl}`,
  target(d, skb) {
    const b = skb.data;
    const o = skb.l3;
    const old = b[o + 8]!;
    let ttl = d.mode === 0 ? d.ttl : d.mode === 1 ? old + d.ttl : old - d.ttl;
    if (ttl > 255) ttl = 255;
    else if (ttl < 0) ttl = 0;
    if (ttl !== old) {
      const proto = b[o + 9]!;
      const check = csumReplace2((b[o + 10]! << 8) | b[o + 11]!, (old << 8) | proto, (ttl << 8) | proto);
      b[o + 8] = ttl;
      b[o + 10] = check >> 8;
      b[o + 11] = check & 0xff;
    }
    return XT_CONTINUE;
  },
};

registerTarget(ttlTarget);
