/** `-m comment --comment TEXT`: always matches; only printed. */
import { registerMatch } from '../tables/registry.js';
import { XtError, type MatchSpec } from '../tables/types.js';
import { saveString, xtoptString } from './util.js';

export const commentMatch: MatchSpec<{ text: string | null }> = {
  name: 'comment',
  x6: true,
  options: [{ name: 'comment', arg: true }],
  init: () => ({ text: null }),
  parse(d, _opt, arg, invert) {
    if (invert) throw new XtError('comment: unexpected `!\' with --comment');
    // struct xt_comment_info: char comment[256]
    d.text = xtoptString(arg!, 256);
  },
  final(d) {
    if (d.text === null) throw new XtError('comment: option "--comment" must be specified\n');
  },
  save: (d) => ' --comment' + saveString(d.text!),
  print: (d) => ` /* ${d.text} */`,
  match: () => true,
};

registerMatch(commentMatch);
