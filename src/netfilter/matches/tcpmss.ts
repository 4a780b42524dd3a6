/** `-m tcpmss --mss MIN[:MAX]`: the MSS option of a TCP segment, as xt_tcpmss.c tcpmss_mt(). */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { mandatory } from '../xt-opts.js';
import { ipTotLen, l4 } from './util.js';

export interface TcpmssData {
  min: number;
  max: number;
  invert: boolean;
  set: boolean;
}

/** XTTYPE_UINT16RC: `a`, `a:b`, `:b`, `a:` with base-0 numbers */
function parseRange(d: TcpmssData, arg: string): void {
  const parts = arg.split(':');
  const num = (s: string, dflt: number): number => {
    if (s === '') return dflt;
    let v = -1;
    if (/^0[xX][0-9a-fA-F]+$/.test(s)) v = parseInt(s.slice(2), 16);
    else if (/^0[0-7]*$/.test(s)) v = parseInt(s, 8);
    else if (/^[1-9][0-9]*$/.test(s)) v = Number(s);
    if (v < 0 || v > 65535) throw new XtError(`tcpmss: bad value for option "--mss" near "${s}", or out of range (0-65535).\n`);
    return v;
  };
  if (parts.length > 2) throw new XtError(`tcpmss: bad value for option "--mss" near "${arg}", or out of range (0-65535).\n`);
  d.min = num(parts[0]!, 0);
  d.max = parts.length === 1 ? d.min : num(parts[1]!, 65535);
  if (d.min > d.max) throw new XtError('tcpmss: invalid range given');
}

const rangeText = (d: TcpmssData): string => (d.min === d.max ? `${d.min}` : `${d.min}:${d.max}`);

export const tcpmssMatch: MatchSpec<TcpmssData> = {
  name: 'tcpmss',
  x6: true,
  options: [{ name: 'mss', arg: true }],
  init: () => ({ min: 0, max: 0, invert: false, set: false }),
  parse(d, _opt, arg, invert) {
    parseRange(d, arg!);
    d.invert = invert;
    d.set = true;
  },
  final(d) {
    if (!d.set) throw mandatory('tcpmss', 'mss');
  },
  // the xt_match's .proto = IPPROTO_TCP
  check: (_d, env) => env.proto === 6 && !env.invProto,
  save: (d) => `${d.invert ? ' !' : ''} --mss ${rangeText(d)}`,
  print: (d) => ` tcpmss match ${d.invert ? '!' : ''}${rangeText(d)}`,
  match(d, skb) {
    const b = skb.data;
    const th = l4(skb);
    const end = skb.l3 + ipTotLen(skb);
    const doff = (b[th + 12]! >> 4) * 4;
    // a header too short for its own offset: hotdrop, which a false match approximates
    if (end - th < 20 || doff < 20 || th + doff > end) return false;
    const optlen = doff - 20;
    const op = th + 20;
    for (let i = 0; i < optlen; ) {
      if (b[op + i] === 2 && optlen - i >= 4 && b[op + i + 1] === 4) {
        const mss = (b[op + i + 2]! << 8) | b[op + i + 3]!;
        return (mss >= d.min && mss <= d.max) !== d.invert;
      }
      if (b[op + i]! < 2) i++;
      else i += b[op + i + 1] || 1;
    }
    return d.invert;
  },
};

registerMatch(tcpmssMatch);
