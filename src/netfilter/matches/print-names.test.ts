/**
 * iptables -L without -n prints names where -n prints numbers; the texts
 * were measured with iptables 1.8.9 (nf_tables) on Linux 6.18
 * (scenarios/x-iptables-list-names.yaml).
 */
import { describe, expect, it } from 'vitest';
import type { MatchSpec, ParseEnv, TargetSpec } from '../tables/types.js';
import { icmpMatch } from './icmp.js';
import { multiportMatch } from './multiport.js';
import { tcpMatch } from './tcp.js';
import { udpMatch } from './udp.js';
import { logTarget } from '../targets/log.js';

function listed<D>(spec: MatchSpec<D> | TargetSpec<D>, proto: number, opts: [string, string | undefined, boolean?][]): [string, string] {
  const env: ParseEnv = { table: 'filter', proto, invProto: false };
  const d = spec.init();
  for (const [o, a, inv] of opts) spec.parse(d, o, a, inv ?? false, env);
  spec.final?.(d, env);
  return [spec.print(d, false), spec.print(d, true)];
}

describe('iptables -L without -n', () => {
  it('prints tcp and udp ports by their /etc/services names and unnamed ports as numbers', () => {
    expect(listed(tcpMatch, 6, [['sport', '1024:65535'], ['dport', '80:443']])).toEqual([' tcp spts:1024:65535 dpts:http:https', ' tcp spts:1024:65535 dpts:80:443']);
    expect(listed(tcpMatch, 6, [['dport', '8080', true]])[0]).toBe(' tcp dpt:!http-alt');
    expect(listed(tcpMatch, 6, [['dport', '12345']])[0]).toBe(' tcp dpt:12345');
    expect(listed(udpMatch, 17, [['sport', '53'], ['dport', '67:68']])).toEqual([' udp spt:domain dpts:bootps:bootpc', ' udp spt:53 dpts:67:68']);
    expect(listed(udpMatch, 17, [['dport', '5353']])[0]).toBe(' udp dpt:mdns');
  });

  it('looks multiport ports up under the rule\'s protocol', () => {
    expect(listed(multiportMatch, 6, [['dports', '22,80,8000:8080,12345']])).toEqual([' multiport dports ssh,http,8000:http-alt,12345', ' multiport dports 22,80,8000:8080,12345']);
    expect(listed(multiportMatch, 6, [['ports', '25,465']])[0]).toBe(' multiport ports smtp,submissions');
    expect(listed(multiportMatch, 17, [['sports', '53,123', true]])[0]).toBe(' multiport sports  !domain,ntp');
  });

  it('prints TCP flags by name, NONE for none', () => {
    expect(listed(tcpMatch, 6, [['syn', undefined]])).toEqual([' tcp flags:FIN,SYN,RST,ACK/SYN', ' tcp flags:0x17/0x02']);
    expect(listed(tcpMatch, 6, [['tcp-flags', 'ALL NONE']])[0]).toBe(' tcp flags:FIN,SYN,RST,PSH,ACK,URG/NONE');
  });

  it('prints an ICMP type and code range by its name when one has exactly that range', () => {
    expect(listed(icmpMatch, 1, [['icmp-type', '8']])).toEqual([' icmp echo-request', ' icmptype 8']);
    expect(listed(icmpMatch, 1, [['icmp-type', '3/5']])[0]).toBe(' icmp source-route-failed');
    expect(listed(icmpMatch, 1, [['icmp-type', '11/1', true]])).toEqual([' icmp !ttl-zero-during-reassembly', ' icmp !type 11 code 1']);
    expect(listed(icmpMatch, 1, [['icmp-type', '3/99']])[0]).toBe(' icmptype 3 code 99');
  });

  it('prints LOG\'s level by name and its options by name instead of "flags N level N"', () => {
    expect(listed(logTarget, 0, [])).toEqual([' LOG level warn', ' LOG flags 0 level 4']);
    expect(listed(logTarget, 0, [['log-level', '3'], ['log-prefix', 'x: ']])[0]).toBe(' LOG level err prefix "x: "');
    expect(listed(logTarget, 0, [['log-level', 'crit'], ['log-ip-options', undefined], ['log-uid', undefined], ['log-macdecode', undefined]])[0])
      .toBe(' LOG level crit ip-options uid macdecode');
  });
});
