import { describe, expect, it } from 'vitest';
import { nfCtAttach } from './ct-attach.js';
import { CtInfo, Skb } from './skb.js';

function withCt(ct: { id: number; untracked?: boolean } | null, info: CtInfo): Skb {
  const s = new Skb(new Uint8Array(64));
  s.ct = ct;
  s.ctInfo = info;
  return s;
}

describe('nfCtAttach (nf_ct_attach)', () => {
  it('files an error about a packet of the original direction as RELATED_REPLY of the same entry, unconfirmed or not', () => {
    const ct = { id: 7 };
    for (const info of [CtInfo.NEW, CtInfo.ESTABLISHED, CtInfo.RELATED]) {
      const err = withCt(null, CtInfo.NONE);
      nfCtAttach(err, withCt(ct, info));
      expect(err.ct).toBe(ct);
      expect(err.ctInfo).toBe(CtInfo.RELATED_REPLY);
    }
  });

  it('files an error about a reply as RELATED', () => {
    const ct = { id: 7 };
    for (const info of [CtInfo.ESTABLISHED_REPLY, CtInfo.RELATED_REPLY]) {
      const err = withCt(null, CtInfo.NONE);
      nfCtAttach(err, withCt(ct, info));
      expect(err.ctInfo).toBe(CtInfo.RELATED);
    }
  });

  it('hands on nothing for an untracked or an INVALID packet: conntrack looks the error up afresh', () => {
    for (const old of [withCt({ id: 0, untracked: true }, CtInfo.NONE), withCt(null, CtInfo.NONE)]) {
      const err = withCt(null, CtInfo.NONE);
      nfCtAttach(err, old);
      expect(err.ct).toBeNull();
      expect(err.ctInfo).toBe(CtInfo.NONE);
    }
  });
});
