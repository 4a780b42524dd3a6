/** `-m mark` and `-m connmark`: (mark & mask) == value, as xt_mark.c / xt_connmark.c. */
import type { Conn } from '../ct-types.js';
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { hex, inv, parseMarkMask } from './util.js';

export interface MarkData {
  mark: number;
  mask: number;
  invert: boolean;
  set: boolean;
}
const markText = (d: MarkData): string => hex(d.mark) + (d.mask === 0xffffffff ? '' : '/' + hex(d.mask));

function markSpec(name: string, read: (s: import('../../model/skb.js').Skb) => number | null, printHead: string): MatchSpec<MarkData> {
  return {
    name,
    x6: true,
    options: [{ name: 'mark', arg: true }],
    init: () => ({ mark: 0, mask: 0xffffffff, invert: false, set: false }),
    parse(d, _opt, arg, invert) {
      [d.mark, d.mask] = parseMarkMask(arg!, name, 'mark');
      d.invert = invert;
      d.set = true;
    },
    final(d) {
      if (!d.set) throw new XtError(`${name}: option "--mark" must be specified\n`);
    },
    save: (d) => `${inv(d.invert)} --mark ${markText(d)}`,
    print: (d) => `${printHead}${d.invert ? '!' : ''} ${markText(d)}`,
    match(d, skb) {
      const m = read(skb);
      if (m === null) return false;
      return (((m & d.mask) >>> 0) === d.mark) !== d.invert;
    },
  };
}

export const markMatch = markSpec('mark', (s) => s.mark, ' mark match ');
export const connmarkMatch = markSpec('connmark', (s) => (s.ct ? (s.ct as Conn).mark : null), ' connmark match ');
// -m mark prints "mark match 0x1" / "mark match ! 0x1": one space fewer than connmark
markMatch.print = (d) => ` mark match${d.invert ? ' !' : ''} ${markText(d)}`;

registerMatch(markMatch);
registerMatch(connmarkMatch);
