/**
 * Test set-up shared by the br_netfilter tests: a switch `sw` (br0 over
 * p1..p3) with hosts a (192.168.1.10), b (.20) and c (.30) on its ports,
 * simulated with the traffic given.
 */
import { loadScenario } from '../config/scenario.js';
import type { RunResults } from './results.js';
import { simulate } from './simulate.js';

export interface SwitchLab {
  /** 192.168.1.1/24 on br0 (default true) */
  brAddr?: boolean;
  /** p3's and c's MTU, when given */
  mtu?: number;
  /** more run lines on sw, and on a */
  sw?: string[];
  a?: string[];
}

export function runSwitch(traffic: string[], o: SwitchLab = {}): RunResults {
  const lines = (l: string[] | undefined): string => (l ?? []).map((x) => `      ${x}\n`).join('');
  const yaml = `name: t
nodes:
  sw:
    run: |
      ip link add br0 type bridge
      ip link set p1 master br0
      ip link set p2 master br0
      ip link set p3 master br0
${o.mtu !== undefined ? `      ip link set dev p3 mtu ${o.mtu}\n` : ''}      ip link set br0 up
${o.brAddr === false ? '' : '      ip addr add 192.168.1.1/24 dev br0\n'}${lines(o.sw)}  a:
    run: |
      ip addr add 192.168.1.10/24 dev eth0
${lines(o.a)}  b:
    run: ip addr add 192.168.1.20/24 dev eth0
  c:
    run: |
${o.mtu !== undefined ? `      ip link set dev eth0 mtu ${o.mtu}\n` : ''}      ip addr add 192.168.1.30/24 dev eth0
links:
  - sw:p1 a:eth0
  - sw:p2 b:eth0
  - sw:p3 c:eth0
traffic:
${traffic.map((t) => `  - ${t}\n`).join('')}`;
  return simulate(loadScenario(yaml, 't.yaml', ''), { readFile: () => new Uint8Array() }) as RunResults;
}
