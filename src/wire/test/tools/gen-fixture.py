import struct,subprocess
def read(f):
    data=open(f,'rb').read()
    o=24; frames=[]
    while o<len(data):
        ts,tu,incl,orig=struct.unpack('<IIII',data[o:o+16]); o+=16
        frames.append(data[o:o+incl]); o+=incl
    lines=subprocess.run(['tcpdump','-t','-e','-n','-r',f],capture_output=True,text=True).stdout.strip().split('\n')
    assert len(lines)==len(frames)
    return list(zip(frames,lines))
def q(s): return "'"+s.replace("\\","\\\\").replace("'","\\'")+"'"
def entry(label,fr,l):
    return "  {\n    link: %s,\n    hex: '%s',\n    tcpdump:\n      %s,\n  },\n"%(q(label),fr.hex(),q(l))
s='''/**
 * Frames captured on the kernel (Linux 6.18) with `tcpdump -s 0 -w` on veth
 * ends between network namespaces (ping, ping -t 1, unreachable routes,
 * nc -u, nc TCP, iptables REJECT, busybox udhcpc against dnsmasq 2.90), with
 * the line `tcpdump -t -e -n -r` printed for each. Test data only.
 *
 * `CAPTURED` was taken with `ethtool -K <veth> tx off`, so every checksum is
 * complete, as on a real wire. `CAPTURED_PARTIAL` keeps two frames taken
 * with offload on (the default): there a TCP/UDP checksum field holds only
 * the folded pseudo-header sum (CHECKSUM_PARTIAL), which tcpdump shows as
 * an incorrect checksum.
 */
export interface CapturedFrame {
  /** where it was captured */
  link: string;
  /** the frame as hex, Ethernet header first, no FCS */
  hex: string;
  /** tcpdump -t -e -n's line for it */
  tcpdump: string;
}

export const CAPTURED: readonly CapturedFrame[] = [
'''
for f,label in (('ab.pcap','veth a<->b'),('cb.pcap','veth c<->b (DHCP)')):
    for fr,l in read(f): s+=entry(label,fr,l)
s+='];\n\nexport const CAPTURED_PARTIAL: readonly CapturedFrame[] = [\n'
for fr,l in read('keep/ab-partial.pcap'):
    if ': UDP, length 6' in l or 'Flags [S], seq' in l: s+=entry('veth a<->b, tx checksum offload on',fr,l)
s+='];\n\n/** Frames built by hand (not by the kernel) for printer paths no capture reached; the line is what tcpdump 4.99.3 -t -e -n printed for them. */\nexport const SYNTHETIC: readonly CapturedFrame[] = [\n'
import json
for n,h,l in json.load(open('syn/syn.json')): s+=entry('synthetic: '+n,bytes.fromhex(h),l)
s+='''];

export function frameBytes(f: CapturedFrame): Uint8Array {
  const b = new Uint8Array(f.hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(f.hex.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** The first captured frame whose tcpdump line contains `text`. */
export function captured(text: string, from: readonly CapturedFrame[] = CAPTURED): CapturedFrame {
  const f = from.find((c) => c.tcpdump.includes(text));
  if (f === undefined) throw new Error(`no captured frame matches '${text}'`);
  return f;
}
'''
open('/work/main/src/wire/test/captured.ts','w').write(s)
