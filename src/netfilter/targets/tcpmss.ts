/**
 * TCPMSS --set-mss / --clamp-mss-to-pmtu, as xt_TCPMSS.c tcpmss_tg4():
 * lowers the MSS option of a TCP segment (never raises it); with no MSS
 * option in a segment without payload it adds one (at most 536, RFC 1122's
 * default), growing the packet by 4 bytes. Clamping uses the smaller MTU
 * of the route the packet takes and of the route back to its source
 * (tcpmss_reverse_mtu()), less 40 bytes of headers; natlab's routes have
 * no `mtu` attribute, so a route's MTU is its device's. A path MTU of 40
 * or less drops the packet, as the kernel does.
 *
 * iptables-nft goes through nft_compat, which skips the kernel's "-p tcp
 * --syn only" check: the target applies to whatever TCP segments reach it.
 */
import { NfHook, Verdict } from '../../model/nf-seam.js';
import type { Skb } from '../../model/skb.js';
import { csumReplace2, csumReplace4 } from '../../wire/checksum.js';
import { ipFragOff, ipSrc, ipTotLen, l4 } from '../matches/util.js';
import { registerTarget } from '../tables/registry.js';
import { XT_CONTINUE, XtError, type ParseEnv, type TargetSpec } from '../tables/types.js';
import type { XtContext } from '../xt-context.js';
import { xtUint } from '../xt-opts.js';

/** XT_TCPMSS_CLAMP_PMTU */
const CLAMP = 0xffff;
const TCPOPT_MSS = 2;
const TCPOLEN_MSS = 4;

/** path-MTU clamping only in FORWARD, OUTPUT and POSTROUTING (tcpmss_tg4_check()) */
const CLAMP_HOOKS = (1 << NfHook.FORWARD) | (1 << NfHook.LOCAL_OUT) | (1 << NfHook.POST_ROUTING);

export interface TcpmssTgData {
  /** the MSS to set, CLAMP for the path MTU, -1 until given */
  mss: number;
}

export const tcpmssTarget: TargetSpec<TcpmssTgData> = {
  name: 'TCPMSS',
  x6: true,
  options: [
    { name: 'set-mss', arg: true },
    { name: 'clamp-mss-to-pmtu', arg: false },
  ],
  init: () => ({ mss: -1 }),
  parse(d, opt, arg) {
    // each option writes the same field: the last one given wins (measured)
    d.mss = opt === 'set-mss' ? xtUint('TCPMSS', opt, arg!, 0, 65515) : CLAMP;
  },
  final(d) {
    if (d.mss < 0) throw new XtError('TCPMSS target: At least one parameter is required');
  },
  // tcpmss_tg4_check() and the xt_target's .proto = IPPROTO_TCP
  check: (d, env: ParseEnv) => env.proto === 6 && !env.invProto,
  hooksFor: (d: TcpmssTgData) => (d.mss === CLAMP ? CLAMP_HOOKS : undefined),
  save: (d) => (d.mss === CLAMP ? ' --clamp-mss-to-pmtu' : ` --set-mss ${d.mss}`),
  print: (d) => (d.mss === CLAMP ? ' TCPMSS clamp to PMTU' : ` TCPMSS set ${d.mss}`),
  target(d, skb, ctx) {
    const ret = mangle(d, skb, ctx);
    return ret < 0 ? Verdict.DROP : XT_CONTINUE;
  },
};

/** tcpmss_mangle_packet(): -1 to drop, else the bytes added */
function mangle(d: TcpmssTgData, skb: Skb, ctx: XtContext): number {
  if (ipFragOff(skb) !== 0) return 0;
  const b = skb.data;
  const th = l4(skb);
  const end = skb.l3 + ipTotLen(skb);
  const len = end - th;
  if (len < 20) return -1;
  const hdrlen = (b[th + 12]! >> 4) * 4;
  if (len < hdrlen || hdrlen < 20) return -1;
  let newmss: number;
  if (d.mss === CLAMP) {
    const out = skb.route?.dev?.mtu ?? 0xffffffff;
    const back = ctx.host.routeOutput(ipSrc(skb), 0, null);
    const inMtu = back.kind === 'unreachable' || back.dev === null ? 0xffffffff : back.dev.mtu;
    const min = Math.min(out, inMtu);
    if (min <= 40) return -1;
    newmss = min - 40;
  } else newmss = d.mss;
  for (let i = 20; i <= hdrlen - TCPOLEN_MSS; ) {
    const kind = b[th + i]!;
    if (kind === TCPOPT_MSS && b[th + i + 1] === TCPOLEN_MSS) {
      const oldmss = (b[th + i + 2]! << 8) | b[th + i + 3]!;
      // never raise the MSS, even when setting it
      if (oldmss <= newmss) return 0;
      b[th + i + 2] = newmss >> 8;
      b[th + i + 3] = newmss & 0xff;
      setCheck(b, th, csumReplace2(getCheck(b, th), oldmss, newmss));
      return 0;
    }
    // optlen(): NOP/EOL and zero lengths advance by one
    i += kind <= 1 || b[th + i + 1] === 0 ? 1 : b[th + i + 1]!;
  }
  // data after the header: the option cannot be added without moving it
  if (len > hdrlen) return 0;
  if (hdrlen >= 60) return 0;
  if (newmss > 536) newmss = 536;
  const grown = new Uint8Array(end + TCPOLEN_MSS);
  grown.set(b.subarray(0, th + 20));
  grown.set(b.subarray(th + 20, end), th + 20 + TCPOLEN_MSS);
  let check = csumReplace2(getCheck(grown, th), len, len + TCPOLEN_MSS);
  grown[th + 20] = TCPOPT_MSS;
  grown[th + 21] = TCPOLEN_MSS;
  grown[th + 22] = newmss >> 8;
  grown[th + 23] = newmss & 0xff;
  check = csumReplace4(check, 0, ((TCPOPT_MSS << 24) | (TCPOLEN_MSS << 16) | newmss) >>> 0);
  const oldWord = (grown[th + 12]! << 8) | grown[th + 13]!;
  grown[th + 12] = grown[th + 12]! + ((TCPOLEN_MSS / 4) << 4);
  check = csumReplace2(check, oldWord, (grown[th + 12]! << 8) | grown[th + 13]!);
  setCheck(grown, th, check);
  // tcpmss_tg4(): the IP total length and its checksum
  const o = skb.l3;
  const tot = ipTotLen(skb);
  const ipCheck = csumReplace2((grown[o + 10]! << 8) | grown[o + 11]!, tot, tot + TCPOLEN_MSS);
  grown[o + 2] = (tot + TCPOLEN_MSS) >> 8;
  grown[o + 3] = (tot + TCPOLEN_MSS) & 0xff;
  grown[o + 10] = ipCheck >> 8;
  grown[o + 11] = ipCheck & 0xff;
  skb.data = grown;
  return TCPOLEN_MSS;
}

const getCheck = (b: Uint8Array, th: number): number => (b[th + 16]! << 8) | b[th + 17]!;
function setCheck(b: Uint8Array, th: number, c: number): void {
  b[th + 16] = c >> 8;
  b[th + 17] = c & 0xff;
}

registerTarget(tcpmssTarget);
