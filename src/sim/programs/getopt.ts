/**
 * glibc getopt(3) for the traffic programs: short options with clustering
 * (`-nq`), attached or separate arguments (`-c2`, `-c 2`), operands
 * permuted after the options (`ping 10.0.0.1 -c 2`), `--` ends options.
 * Parsing stops at the first bad option, as the tools exit there.
 */

export interface GetoptResult {
  opts: { opt: string; arg: string }[];
  operands: string[];
  /** the first problem, with glibc's message text (without the program name) */
  error: { opt: string; message: string } | null;
}

/** `optstring` as getopt(3): a letter followed by `:` takes an argument */
export function getopt(args: string[], optstring: string): GetoptResult {
  const r: GetoptResult = { opts: [], operands: [], error: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      r.operands.push(...args.slice(i + 1));
      break;
    }
    if (a.length < 2 || a[0] !== '-') {
      r.operands.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const at = c === ':' ? -1 : optstring.indexOf(c);
      if (at < 0) {
        r.error = { opt: c, message: `invalid option -- '${c}'` };
        return r;
      }
      if (optstring[at + 1] !== ':') {
        r.opts.push({ opt: c, arg: '' });
        continue;
      }
      if (j + 1 < a.length) {
        r.opts.push({ opt: c, arg: a.slice(j + 1) });
      } else if (i + 1 < args.length) {
        r.opts.push({ opt: c, arg: args[++i]! });
      } else {
        r.error = { opt: c, message: `option requires an argument -- '${c}'` };
        return r;
      }
      break;
    }
  }
  return r;
}
