/** MARK and CONNMARK (revision 2 / 1): set, xor-set, save and restore marks, as xt_mark.c / xt_connmark.c. */
import type { Conn } from '../ct-types.js';
import { hex, parseMarkMask } from '../matches/util.js';
import { xtUint } from '../xt-opts.js';
import { registerTarget } from '../tables/registry.js';
import { XT_CONTINUE, XtError, type TargetSpec } from '../tables/types.js';

export interface MarkTgData {
  mark: number;
  mask: number;
  set: boolean;
}

/** --set-mark v/m is (mark & ~m) | v, kept as xor form: mask = m | v... as libxt_MARK stores it */
function parseSet(d: { mark: number; mask: number }, opt: string, arg: string, who: string): void {
  // --set-xmark and --set-mark are XTTYPE_MARKMASK32, the others XTTYPE_UINT32
  const [v, m] = opt === 'set-xmark' || opt === 'set-mark' ? parseMarkMask(arg, who, opt) : [xtUint(who, opt, arg, 0, 0xffffffff), 0];
  switch (opt) {
    case 'set-xmark':
      [d.mark, d.mask] = [v, m];
      break;
    case 'set-mark':
      [d.mark, d.mask] = [v, (m | v) >>> 0];
      break;
    case 'and-mark':
      [d.mark, d.mask] = [0, ~v >>> 0];
      break;
    case 'or-mark':
      [d.mark, d.mask] = [v, v];
      break;
    case 'xor-mark':
      [d.mark, d.mask] = [v, 0];
      break;
  }
}

function opPrint(head: string, mark: number, mask: number): string {
  if (mark === 0) return ` ${head} and ${hex(~mask >>> 0)}`;
  if (mark === mask) return ` ${head} or ${hex(mark)}`;
  if (mask === 0) return ` ${head} xor ${hex(mark)}`;
  if (mask === 0xffffffff) return ` ${head} set ${hex(mark)}`;
  return ` ${head} xset ${hex(mark)}/${hex(mask)}`;
}

const SET_OPTS = ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark'];

export const markTarget: TargetSpec<MarkTgData> = {
  name: 'MARK',
  x6: true,
  // mark_tg_opts (revision 2) with libxt_MARK's ids (O_SET_MARK = 0, AND, OR, XOR, SET_XMARK); each excludes the others
  options: SET_OPTS.map((name) => ({ name, arg: true, id: [4, 0, 1, 2, 3][SET_OPTS.indexOf(name)]!, excl: SET_OPTS })),
  init: () => ({ mark: 0, mask: 0, set: false }),
  parse(d, opt, arg) {
    parseSet(d, opt, arg!, 'MARK');
    d.set = true;
  },
  final(d) {
    if (!d.set) throw new XtError('MARK target: Parameter --set/and/or/xor-mark is required');
  },
  save: (d) => ` --set-xmark ${hex(d.mark)}/${hex(d.mask)}`,
  print: (d) => opPrint('MARK', d.mark, d.mask),
  target(d, skb) {
    // mark_tg(): skb->mark = (skb->mark & ~mask) ^ mark
    skb.mark = ((skb.mark & ~d.mask) ^ d.mark) >>> 0;
    return XT_CONTINUE;
  },
};

const SAVE_OPTS = ['save-mark', 'restore-mark'];
/** O_SET_MARK = 0, O_SAVE_MARK, O_RESTORE_MARK, O_AND_MARK, O_OR_MARK, O_XOR_MARK, O_LEFT_SHIFT_MARK, O_RIGHT_SHIFT_MARK, O_SET_XMARK, O_CTMASK, O_NFMASK, O_MASK */
const CONNMARK_IDS: Record<string, number> = {
  'set-mark': 0, 'save-mark': 1, 'restore-mark': 2, 'and-mark': 3, 'or-mark': 4, 'xor-mark': 5, 'set-xmark': 8, ctmask: 9, nfmask: 10, mask: 11,
};

/** XT_CONNMARK_SET, SAVE, RESTORE */
export interface ConnmarkTgData {
  mode: number;
  ctmark: number;
  ctmask: number;
  nfmask: number;
}

export const connmarkTarget: TargetSpec<ConnmarkTgData> = {
  name: 'CONNMARK',
  x6: true,
  // connmark_tg_opts_v2 without the shifts, with libxt_CONNMARK's ids: the operations exclude each
  // other (F_OP_ANY), --mask excludes --ctmask and --nfmask
  options: [...SET_OPTS, ...SAVE_OPTS, 'ctmask', 'nfmask', 'mask'].map((name) => ({
    name,
    arg: name !== 'save-mark' && name !== 'restore-mark',
    id: CONNMARK_IDS[name]!,
    excl: name === 'mask' ? ['ctmask', 'nfmask'] : name.endsWith('mask') ? ['mask'] : [...SET_OPTS, ...SAVE_OPTS],
  })),
  init: () => ({ mode: -1, ctmark: 0, ctmask: 0xffffffff, nfmask: 0xffffffff }),
  parse(d, opt, arg) {
    if (SET_OPTS.includes(opt)) {
      const x = { mark: 0, mask: 0 };
      parseSet(x, opt, arg!, 'CONNMARK');
      [d.mode, d.ctmark, d.ctmask] = [0, x.mark, x.mask];
    } else if (opt === 'save-mark') d.mode = 1;
    else if (opt === 'restore-mark') d.mode = 2;
    else {
      const v = xtUint('CONNMARK', opt, arg!, 0, 0xffffffff);
      if (opt === 'mask') d.ctmask = d.nfmask = v;
      else if (opt === 'nfmask') d.nfmask = v;
      else d.ctmask = v;
    }
  },
  final(d) {
    if (d.mode < 0) throw new XtError('CONNMARK target: No operation specified');
  },
  save(d) {
    if (d.mode === 0) return ` --set-xmark ${hex(d.ctmark)}/${hex(d.ctmask)}`;
    return ` --${d.mode === 1 ? 'save' : 'restore'}-mark --nfmask ${hex(d.nfmask)} --ctmask ${hex(d.ctmask)}`;
  },
  print(d) {
    if (d.mode === 0) return opPrint('CONNMARK', d.ctmark, d.ctmask);
    const what = d.mode === 1 ? 'save' : 'restore';
    if (d.nfmask === 0xffffffff && d.ctmask === 0xffffffff) return ` CONNMARK ${what}`;
    if (d.nfmask === d.ctmask) return ` CONNMARK ${what} mask ${hex(d.nfmask)}`;
    // libxt_CONNMARK names the mask it reads first, then the complement of the other
    return d.mode === 1
      ? ` CONNMARK save nfmask ${hex(d.nfmask)} ctmask ~${hex(d.ctmask)}`
      : ` CONNMARK restore ctmask ${hex(d.ctmask)} nfmask ~${hex(d.nfmask)}`;
  },
  target(d, skb) {
    const ct = skb.ct as Conn | null;
    if (ct === null || ct.untracked) return XT_CONTINUE;
    // connmark_tg_shift() with shift 0
    if (d.mode === 0) ct.mark = ((ct.mark & ~d.ctmask) ^ d.ctmark) >>> 0;
    else if (d.mode === 1) ct.mark = ((ct.mark & ~d.ctmask) ^ (skb.mark & d.nfmask)) >>> 0;
    else skb.mark = ((skb.mark & ~d.nfmask) ^ (ct.mark & d.ctmask)) >>> 0;
    return XT_CONTINUE;
  },
};

registerTarget(markTarget);
registerTarget(connmarkTarget);
