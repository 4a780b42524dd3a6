import { describe, it, expect } from 'vitest';
import { generateScenario, mayDropDhcp } from './generate.js';
import { DHCLIENT, UDHCPC } from './traffic.js';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../../sim/simulate.js';
import { isNatlabError } from '../../config/errors.js';

/** what went wrong when natlab loads and runs a generated scenario, or null */
function refusal(seed: number): string | null {
  const g = generateScenario(seed);
  try {
    const r = simulate(loadScenario(g.yaml, `${g.name}.yaml`), { trace: false });
    if (r.problems !== undefined && r.problems.length > 0) return `seed ${seed}: not modelled: ${r.problems.join('; ')}`;
    return null;
  } catch (e) {
    return `seed ${seed}: ${isNatlabError(e) ? e.format() : e instanceof Error ? e.message : String(e)}\n${g.yaml}`;
  }
}

describe('the fuzzer\'s generator', () => {
  it('gives the same scenario text for the same seed', () => {
    expect(generateScenario(42).yaml).toBe(generateScenario(42).yaml);
    expect(generateScenario(42).yaml).not.toBe(generateScenario(43).yaml);
  });

  it('names the scenario after its seed and writes the topology into about', () => {
    const g = generateScenario(7);
    expect(g.name).toBe('fuzz-7');
    expect(g.yaml).toContain(`name: fuzz-7\n`);
    expect(g.yaml).toContain(`from seed 7 (topology: ${g.topology})`);
  });

  it('draws every topology, rules in every table, and every kind of traffic over 300 seeds', () => {
    const texts = Array.from({ length: 300 }, (_, i) => generateScenario(i + 1));
    expect(new Set(texts.map((t) => t.topology))).toEqual(new Set(['chain', 'bridge', 'router-bridge']));
    const all = texts.map((t) => t.yaml).join('\n');
    for (const needle of ['-t raw', '-t mangle', '-t nat', '-j REJECT', '-j DNAT', '-j MASQUERADE', 'ping -c', 'nc -v -n -z', 'nc -u -v', 'nc -l', 'arping -c', 'udhcpc', 'dhclient', 'dnsmasq', 'bridge-nf-call-iptables=1', 'rp_filter', 'conntrack -L']) {
      expect(all, needle).toContain(needle);
    }
  });

  it('draws MTUs, large pings, port forwards, hairpin NAT, pkttype/physdev/addrtype/u32 rules and the security table from its second menu over 300 seeds', () => {
    const all = Array.from({ length: 300 }, (_, i) => generateScenario(i + 1).yaml).join('\n');
    for (const needle of ['mtu 1280', 'mtu 9000', '-M do ', '-M dont ', '-M want ', '-s 4000', '-m pkttype --pkt-type', '-m physdev --physdev-out', '-m addrtype --dst-type LOCAL --limit-iface-in', '-j REDIRECT --to-ports', '-m conntrack --ctstate INVALID -j DROP', '-m conntrack --ctstate DNAT -j ACCEPT', '-d 192.168.1.10 -p tcp --dport 80 -j MASQUERADE', 'iptables -t security -', '-m u32 --u32 "0>>22&0x3C@0>>24=8"']) {
      expect(all, needle).toContain(needle);
    }
  });

  it('draws special ping, nc and arping forms, special routes, static neighbours, TTL/DSCP/MARK targets, recent/hashlimit/connlimit/statistic matches and global sysctls from its third menu over 300 seeds', () => {
    const all = Array.from({ length: 300 }, (_, i) => generateScenario(i + 1).yaml).join('\n');
    for (const needle of [' -t 1 ', ' -Q 0x', ' -R ', ' -w 2 ', ' -b ', 'nc -v -n -z -w 2 -s ', ' -p 40000 ', 'arping -c 1 -w 1 -U ', ' -D -I ', 'ip route add blackhole ', 'ip route add prohibit ', 'nud permanent', '-j TTL --ttl-set', '-j DSCP --set-dscp', '-m mark --mark 0x5', '-m recent --name fz', '-m hashlimit', '-m statistic --mode nth', '-m connlimit', 'icmp_echo_ignore_broadcasts=0']) {
      expect(all, needle).toContain(needle);
    }
  });

  it('draws bridge port options, static FDB entries, an ageing time of 0, second addresses, route attributes, per-interface, ARP and global sysctls from its fourth menu over 300 seeds', () => {
    const all = Array.from({ length: 300 }, (_, i) => generateScenario(i + 1).yaml).join('\n');
    for (const needle of [' learning off', ' flood off', 'bcast_flood off', 'mcast_flood off', 'isolated on', 'hairpin on', 'type bridge_slave ', ' master static', 'ageing_time 0', '.200/24 dev', '.201/32 dev', ' src ', ' metric 50', '.forwarding=0', '.arp_accept=1', '.drop_gratuitous_arp=1', '.shared_media=0', '.route_localnet=1', 'neigh.', '.mcast_solicit=', '.ucast_solicit=', '.retrans_time_ms=', 'nf_conntrack_acct=1', 'icmp_ratelimit=0', 'icmp_errors_use_inbound_ifaddr=1']) {
      expect(all, needle).toContain(needle);
    }
  });

  it('only adds lines to a seed\'s scenario with its second menu: the first menu\'s scenario is unchanged within it', () => {
    let changed = 0;
    for (let seed = 1; seed <= 300; seed++) {
      // base is a subsequence of full (a node without lines of its own has a `# ...` comment in base only, a
      // scenario without traffic no `traffic:`)
      const lines = (t: string): string[] => t.split('\n').filter((l) => !l.trim().startsWith('#') && l !== 'traffic:');
      const full = lines(generateScenario(seed).yaml);
      // ... but for dhclient's steps, which become udhcpc's when a later menu adds a rule that may drop DHCP
      const swapped = !full.some((l) => l.includes(DHCLIENT));
      const base = lines(generateScenario(seed, { extras: false }).yaml).map((l) => (swapped ? l.replace(DHCLIENT, UDHCPC) : l));
      let j = 0;
      for (const l of full) if (j < base.length && l === base[j]) j++;
      expect(base.slice(j), `seed ${seed}`).toEqual([]);
      if (base.join('\n') !== full.join('\n')) changed++;
    }
    expect(changed).toBeGreaterThan(100);
    expect(changed).toBeLessThan(300);
  });

  it('keeps ISC dhclient (random DISCOVER backoff) only where no line of the later menus may drop a DHCP message', () => {
    expect(mayDropDhcp('iptables -I OUTPUT -m pkttype --pkt-type host -j DROP')).toBe(true);
    expect(mayDropDhcp('iptables -t security -P INPUT DROP')).toBe(true);
    expect(mayDropDhcp('iptables -A INPUT -p udp -j REJECT --reject-with icmp-host-prohibited')).toBe(true);
    expect(mayDropDhcp('iptables -I FORWARD -p icmp -j REJECT')).toBe(false);
    expect(mayDropDhcp('iptables -t mangle -A PREROUTING -p icmp -j MARK --set-mark 0x5')).toBe(false);
    // seed 2197: the first menu drew dhclient; the second added `-I OUTPUT -m pkttype --pkt-type host -j DROP` to its server
    const g = generateScenario(2197);
    expect(generateScenario(2197, { extras: false }).yaml).toContain(DHCLIENT);
    expect(g.yaml).not.toContain('dhclient');
    expect(g.yaml).toContain(UDHCPC);
    let kept = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const y = generateScenario(seed).yaml;
      if (!y.includes(DHCLIENT)) continue;
      kept++;
      const base = new Set(generateScenario(seed, { extras: false }).yaml.split('\n'));
      expect(y.split('\n').filter((l) => !base.has(l) && mayDropDhcp(l.trim())), `seed ${seed}`).toEqual([]);
    }
    expect(kept).toBeGreaterThan(3);
  });

  it('writes scenarios natlab loads and runs without a refusal or a crash (seeds 1-300)', () => {
    const problems: string[] = [];
    for (let seed = 1; seed <= 300; seed++) {
      const p = refusal(seed);
      if (p !== null) problems.push(p);
    }
    expect(problems.slice(0, 5)).toEqual([]);
  }, 120_000);
});
