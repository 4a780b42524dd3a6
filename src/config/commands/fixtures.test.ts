/**
 * Replays sessions recorded on the real tools in network namespaces
 * (`fixtures/*.txt` → `fixtures/*.json` by `fixtures/record.py`: iproute2 6.1,
 * bridge-utils 1.7, procps-ng 4.0.2, Linux 6.18) and checks that natlab
 * prints byte-identical output with the same exit codes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Network } from '../../model/network.js';
import { Netfilter } from '../../netfilter/netfilter.js';
import { createVethPair } from '../../model/veth.js';
import { parseMac } from '../../wire/mac.js';
import { runBrctl } from './brctl.js';
import { runBridge } from './bridge.js';
import { runIp } from './ip.js';
import { setLinkUp } from './link-state.js';
import type { CmdResult } from './result.js';
import { runSysctl } from './sysctl.js';

interface Rec {
  argv: string[];
  exit: number;
  stdout: string;
  stderr: string;
  peer?: boolean;
}

/**
 * The kernel's text at a moment natlab does not have: a device whose
 * carrier just came (LOWER_UP) but whose operstate linkwatch has not yet
 * settled (it runs up to a second later) shows `NO-CARRIER` and `DOWN`.
 * natlab shows the settled state; the recorded text is settled the same way.
 */
function settle(text: string): string {
  return text
    .replace(/^(\S+\s+)DOWN(\s+\S+ )<NO-CARRIER,(.*),LOWER_UP>/gm, (_m, a: string, b: string, f: string) => `${a}UP  ${b}<${f},LOWER_UP>`)
    .replace(/<NO-CARRIER,([^>]*),LOWER_UP>(.*) state DOWN/g, '<$1,LOWER_UP>$2 state UP');
}

/** MACs Linux draws at random (eth_hw_addr_random) and natlab derives: compared as RANDOM */
function unrandom(text: string): string {
  return text.replace(/\b(?!02:00:00:00:|02:aa:bb:cc:dd:|00:00:00:00:00:00|ff:ff:ff:ff:ff:ff|33:33:|01:00:5e:)[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/g, 'RANDOM');
}

function run(h: Parameters<typeof runIp>[0], argv: string[]): CmdResult {
  switch (argv[0]) {
    case 'ip':
      return runIp(h, argv);
    case 'bridge':
      return runBridge(h, argv);
    case 'brctl':
      return runBrctl(h, argv);
    case 'sysctl':
      return runSysctl(h, argv);
  }
  throw new Error(`no such command ${argv[0]}`);
}

function replay(name: string): void {
  const data = JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as { links: string[]; records: Rec[] };
  const net = new Network({ capture: false });
  const a = net.addHost('nlF-a');
  const b = net.addHost('nlF-b');
  new Netfilter(a);
  new Netfilter(b);
  data.links.forEach((l, i) => {
    const n = (i + 1).toString(16).padStart(2, '0');
    const [ea, eb] = createVethPair(net, a, l, parseMac(`02:00:00:00:01:${n}`)!, b, `p${i}`, parseMac(`02:00:00:00:02:${n}`)!);
    setLinkUp(a, ea, true);
    setLinkUp(b, eb, true);
  });
  data.records.forEach((rec, k) => {
    it(`${k + 1}: ${rec.peer ? '@peer ' : ''}${rec.argv.join(' ')}`, () => {
      const got = run(rec.peer ? b : a, rec.argv);
      expect({ ...got, stdout: unrandom(got.stdout) }).toEqual({ exit: rec.exit, stdout: unrandom(settle(rec.stdout)), stderr: rec.stderr });
    });
  });
}

describe('ip link answers as iproute2 6.1 did', () => replay('link'));
describe('ip link reads interface names and addresses as iproute2 6.1 did', () => replay('link-names'));
describe('ip addr answers as iproute2 6.1 did', () => replay('addr'));
describe('ip route answers as iproute2 6.1 did', () => replay('route'));
describe('ip neigh, bridge and brctl answer as the real tools did', () => replay('neigh-bridge'));
describe('sysctl answers as procps-ng 4.0.2 did', () => replay('sysctl'));
describe('sysctl reads and writes ip_local_port_range as procps-ng 4.0.2 and Linux did', () => replay('sysctl-ports'));
