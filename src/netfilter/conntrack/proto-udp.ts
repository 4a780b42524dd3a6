/**
 * The UDP tracker, as nf_conntrack_proto_udp.c (Linux 6.x): 30 s
 * (`nf_conntrack_udp_timeout`) until traffic was seen both ways and the
 * flow is older than 2 s; from then on 120 s
 * (`nf_conntrack_udp_timeout_stream`) and ASSURED. A single
 * request/response stays unassured with 30 s.
 */
import { CtDir, IpsBit } from '../ct-types.js';
import { rd16 } from './bytes.js';
import type { CtEntry } from './conn.js';
import { NS_PER_SEC, type CtSettings } from './settings.js';
import { ctRefresh } from './table.js';
import { CtVerdict } from './verdicts.js';

/** nf_conntrack_udp_packet() (with udp_error(); checksums are not verified) */
export function udpPacket(ct: CtEntry, b: Uint8Array, l3: number, l4: number, end: number, dir: CtDir, settings: CtSettings, now: number): number {
  // udp_error(): header present, length field consistent
  if (l4 + 8 > end) return CtVerdict.INVALID;
  const ulen = rd16(b, l4 + 4);
  if (ulen > end - l4 || ulen < 8) return CtVerdict.INVALID;

  if ((ct.status & IpsBit.CONFIRMED) === 0) ct.streamTs = now + 2 * NS_PER_SEC;

  if ((ct.status & IpsBit.SEEN_REPLY) !== 0) {
    let extra = settings.udpTimeout;
    let stream = false;
    // still active after two seconds? extend the timeout (time_after: strictly later)
    if (now > ct.streamTs) {
      extra = settings.udpTimeoutStream;
      stream = (ct.status & IpsBit.ASSURED) === 0;
    }
    ctRefresh(ct, dir, end - l3, extra * NS_PER_SEC, now);
    if (stream) ct.status |= IpsBit.ASSURED;
  } else {
    ctRefresh(ct, dir, end - l3, settings.udpTimeout * NS_PER_SEC, now);
  }
  return CtVerdict.ACCEPT;
}
