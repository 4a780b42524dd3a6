/**
 * What a protocol tracker's packet() returns to nf_conntrack_in(), as the
 * kernel encodes it: a verdict, or its negation for "invalid, let the
 * packet go on without an entry".
 */
/** NF_ACCEPT: the packet belongs to the entry */
export const CT_ACCEPT = 1;
/** NF_DROP */
export const CT_DROP = 0;
/** -NF_ACCEPT: invalid for this entry; the packet continues untracked (INVALID) */
export const CT_INVALID = -1;
/** -NF_REPEAT: the entry was killed (TCP reopening a closed connection); look up again */
export const CT_REPEAT = -4;
