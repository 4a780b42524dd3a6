/**
 * What a protocol tracker's packet() returns to nf_conntrack_in(), as the
 * kernel encodes it: a verdict, or its negation for "invalid, let the
 * packet go on without an entry".
 */
/**
 * The same values as a const enum, written into the code that uses them by
 * tsc (an exported `const` is read through its module binding on every use).
 */
export const enum CtVerdict {
  /** NF_ACCEPT: the packet belongs to the entry */
  ACCEPT = 1,
  /** NF_DROP */
  DROP = 0,
  /** -NF_ACCEPT: invalid for this entry; the packet continues untracked (INVALID) */
  INVALID = -1,
  /** -NF_REPEAT: the entry was killed (TCP reopening a closed connection); look up again */
  REPEAT = -4,
}
/** NF_ACCEPT: the packet belongs to the entry */
export const CT_ACCEPT = CtVerdict.ACCEPT;
/** NF_DROP */
export const CT_DROP = CtVerdict.DROP;
/** -NF_ACCEPT: invalid for this entry; the packet continues untracked (INVALID) */
export const CT_INVALID = CtVerdict.INVALID;
/** -NF_REPEAT: the entry was killed (TCP reopening a closed connection); look up again */
export const CT_REPEAT = CtVerdict.REPEAT;
