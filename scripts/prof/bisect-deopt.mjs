// Which step of a second simulation's build() throws away the optimised
// code of the first (as the bench's line 2 is built after its line 5):
// after every step, T or - per hot function (TurboFan code or not).
//
//   npm run build && WARM=3000000 node --allow-natives-syntax scripts/prof/bisect-deopt.mjs
//
// WARM=N packets in the first simulation (3 M: its clock passes 2^31 ns);
// LINE1=1 reads a pcap as the bench's line 1 does in between; GC=1 drops
// the first simulation and collects it (add --expose-gc): code that
// embedded its objects is then thrown away ("weak objects").
// The second build below is build() of src/sim/simulate.ts written out
// step by step: keep the two alike.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const D = pathToFileURL(resolve(process.env.DIST ?? 'dist')).href;
const { loadScenario, runLinesOf } = await import(`${D}/config/scenario.js`);
const { applyRunLine } = await import(`${D}/config/apply.js`);
const { CaptureReader } = await import(`${D}/replay/capture-reader.js`);
const { Replayer } = await import(`${D}/replay/replayer.js`);
const { build } = await import(`${D}/sim/simulate.js`);
const { Network } = await import(`${D}/model/network.js`);
const { createVethPair } = await import(`${D}/model/veth.js`);
const { installTcp } = await import(`${D}/model/tcp/stack.js`);
const { BR_NETFILTER } = await import(`${D}/netfilter/br-netfilter.js`);
const { Netfilter } = await import(`${D}/netfilter/netfilter.js`);
const { parseMac } = await import(`${D}/wire/mac.js`);
const { installNodeExtras } = await import(`${D}/sim/extras.js`);
const { routerScenario, syntheticTraffic } = await import(`${D}/cli/bench/inputs.js`);

function replay(sim, n) {
  sim.net.tap = { frame() {} };
  const router = sim.net.host('router');
  const dev = router.ifaceByName('lan0');
  const rp = new Replayer(new CaptureReader(syntheticTraffic(n), 'synthetic'), { host: router, dev, how: 'receive' }, { rx: dev.mac, peer: dev.mac }, { pacing: { mode: 'timestamps', speed: 1 } });
  rp.start();
  sim.net.queue.runUntil(() => rp.done, Infinity, Number.MAX_SAFE_INTEGER);
  sim.net.queue.runUntil(() => false, sim.net.now() + 1e6, Number.MAX_SAFE_INTEGER);
}
const sc = loadScenario(routerScenario(100), 'bench.yaml', '/tmp');
let s1 = build(sc, { trace: false });
replay(s1, Number(process.env.WARM ?? 300000));
if (process.env.GC) { s1 = null; globalThis.gc(); globalThis.gc(); }
const dev = await import(`${D}/model/dev.js`);
const walk = await import(`${D}/netfilter/tables/walk.js`);
const ctin = await import(`${D}/netfilter/conntrack/in.js`);
const ci = await import(`${D}/netfilter/tables/chain-index.js`);
const nat = await import(`${D}/netfilter/nat/core.js`);
const { Host } = await import(`${D}/model/host.js`);
const ip4 = await import(`${D}/model/ipv4.js`);
const fns = { iprcv: ip4.ipRcv, rin: ip4.ipRouteInput, fwd: ip4.ipForward, out: ip4.ipOutput, xmit: dev.devQueueXmit, rx: dev.netifReceive, ipt: walk.iptDoTable, ct: ctin.conntrackIn, nc: ci.nextCandidate, si: nat.setupInfo, hnow: Host.prototype.now };
const st = (label) => console.log(label, Object.entries(fns).map(([k, f]) => `${k}=${(%GetOptimizationStatus(f) & 64 ? 'T' : '-')}`).join(' '));
st('after sim1');
if (process.env.LINE1) {
  const { writeTrafficPcap } = await import(`${D}/cli/bench/inputs.js`);
  const { openCapture, parseWithPcapParser } = await import(`${D}/io/pcap-stream.js`);
  const f = '/tmp/bisect-traffic.pcap';
  writeTrafficPcap(f, 100000); st('pcap written');
  let n = 0; await parseWithPcapParser(f, () => void n++); st('pcap-parser');
  const { reader, source } = openCapture(f); while (reader.next()) n++; source.close(); st('our reader');
}
const sc2 = loadScenario(routerScenario(100), 'bench.yaml', '/tmp');
st('after load');
const { EventQueue } = await import(`${D}/sim/queue.js`);
const { TimerWheel } = await import(`${D}/model/timer-wheel.js`);
const skbm = await import(`${D}/model/skb.js`);
const q0 = new EventQueue(); st('EventQueue');
new TimerWheel(q0); st('TimerWheel');
skbm.resetPacketIds(); st('resetPacketIds');
const net = new Network({ trace: null, capture: true });
st('new Network');
const netfilter = new Map();
for (const n of sc2.nodes) {
  const h = net.addHost(n.name);
  st(`addHost ${n.name}`);
  const nf = new Netfilter(h);
  h.nf = nf;
  h.brnf = BR_NETFILTER;
  netfilter.set(n.name, nf);
  st(`nf ${n.name}`);
  installTcp(h);
  st(`tcp ${n.name}`);
  installNodeExtras(h);
  st(`extras ${n.name}`);
}
for (const l of sc2.links) {
  const [a, b] = createVethPair(net, net.host(l.a.node), l.a.iface, parseMac(l.a.mac), net.host(l.b.node), l.b.iface, parseMac(l.b.mac));
  st(`veth ${l.a.node}`);
  net.host(l.a.node).setUp(a, true);
  net.host(l.b.node).setUp(b, true);
  st(`up ${l.a.node}`);
}
for (const n of sc2.nodes) {
  const env = { host: net.host(n.name), netfilter: netfilter.get(n.name), node: n.name, file: sc2.file, dir: sc2.dir, readFile: () => { throw new Error('x'); } };
  for (const line of runLinesOf(sc2, n)) { applyRunLine(env, line); st(`${n.name}: ${line.raw}`); }
}
for (const nf of netfilter.values()) nf.buildChainIndexes();
st('indexes');
net.queue.runUntil(() => false, net.now());
st('run0');
