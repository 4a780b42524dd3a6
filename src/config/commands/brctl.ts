/**
 * The `brctl` command of `run:` lines (bridge-utils 1.7): addbr, delbr,
 * addif, delif, show, showmacs, stp (off only: STP is not modelled),
 * setageing, hairpin, with its messages and exit codes.
 */
import type { Host } from '../../model/host.js';
import type { Iface } from '../../model/iface.js';
import { NS_PER_S } from '../../sim/queue.js';
import { macToString } from '../../wire/mac.js';
import { VethIface } from '../../model/veth.js';
import { BrPortFlag } from '../../model/bridge.js';
import { portNoOf, setLinkMaster } from './link-state.js';
import { fail, notModelled, ok, type CmdResult } from './result.js';

const PROG = 'brctl';
const USAGE = `Usage: brctl [commands]
commands:
	addbr     	<bridge>		add bridge
	delbr     	<bridge>		delete bridge
	addif     	<bridge> <device>	add interface to bridge
	delif     	<bridge> <device>	delete interface from bridge
	hairpin   	<bridge> <port> {on|off}	turn hairpin on/off
	setageing 	<bridge> <time>		set ageing time
	setbridgeprio	<bridge> <prio>		set bridge priority
	setfd     	<bridge> <time>		set bridge forward delay
	sethello  	<bridge> <time>		set hello time
	setmaxage 	<bridge> <time>		set max message age
	setpathcost	<bridge> <port> <cost>	set path cost
	setportprio	<bridge> <port> <prio>	set port priority
	show      	[ <bridge> ]		show a list of bridges
	showmacs  	<bridge>		show a list of mac addrs
	showstp   	<bridge>		show bridge stp info
	stp       	<bridge> {on|off}	turn stp on/off
`;
const ARGC: Record<string, number> = { addbr: 1, delbr: 1, addif: 2, delif: 2, setageing: 2, hairpin: 3, show: 0, showmacs: 1, stp: 2 };

export function runBrctl(host: Host, argv: string[]): CmdResult {
  const cmd = argv[1];
  if (cmd === undefined || cmd.startsWith('-')) return notModelled(PROG, cmd === undefined ? '"brctl" without a command (its usage text)' : `the option "${cmd}"`);
  const args = argv.slice(2);
  if (!(cmd in ARGC)) {
    if (['setbridgeprio', 'setfd', 'sethello', 'setmaxage', 'setpathcost', 'setportprio', 'showstp'].includes(cmd)) return notModelled(PROG, `"brctl ${cmd}"`);
    return fail(1, `never heard of command [${cmd}]\n`, USAGE);
  }
  if (args.length < ARGC[cmd]!) return fail(1, `Incorrect number of arguments for command\n`, `Usage: brctl ${cmd}\n`);
  const brOf = (name: string): Iface | undefined => {
    const d = host.ifaceByName(name);
    return d !== undefined && d.bridge !== null ? d : undefined;
  };
  switch (cmd) {
    case 'addbr': {
      if (host.ifaceByName(args[0]!) !== undefined) return fail(1, `device ${args[0]} already exists; can't create bridge with the same name\n`);
      host.addBridge(args[0]!, null);
      return ok();
    }
    case 'delbr': {
      const br = brOf(args[0]!);
      if (br === undefined) return fail(1, `bridge ${args[0]} doesn't exist; can't delete it\n`);
      if (br.up) return fail(1, `bridge ${args[0]} is still up; can't delete it\n`);
      host.deleteLink(br);
      return ok();
    }
    case 'addif':
    case 'delif': {
      const br = brOf(args[0]!);
      if (br === undefined) return fail(1, `bridge ${args[0]} does not exist!\n`);
      const dev = host.ifaceByName(args[1]!);
      if (dev === undefined) return fail(1, `interface ${args[1]} does not exist!\n`);
      if (cmd === 'delif') {
        if (dev.master !== br.bridge) return fail(1, `device ${dev.name} is not a port of ${br.name}\n`);
        setLinkMaster(host, dev, null);
        return ok();
      }
      if (dev.bridge !== null) return fail(1, `device ${dev.name} is a bridge device itself; can't add a bridge device to a bridge device.\n`);
      if (dev.master !== null) return fail(1, `device ${dev.name} is already a member of a bridge; can't add it to bridge ${br.name}.\n`);
      if (!(dev instanceof VethIface)) return notModelled(PROG, `"${dev.name}" as a bridge port`);
      setLinkMaster(host, dev, br.bridge);
      return ok();
    }
    case 'show':
      return brctlShow(host, args[0]);
    case 'showmacs':
      return brctlShowmacs(host, brOf(args[0]!));
    case 'stp': {
      const br = brOf(args[0]!);
      if (br === undefined) return fail(1, `set stp status failed: No such device\n`);
      if (args[1] === 'on' || args[1] === 'yes' || args[1] === '1') return notModelled(PROG, 'STP ("brctl stp BR on")');
      br.bridge!.stpState = 0;
      return ok();
    }
    case 'hairpin':
      return brctlHairpin(host, args[0]!, args[1]!, args[2]!);
    case 'setageing': {
      const br = brOf(args[0]!);
      const secs = Number(args[1]);
      if (!Number.isFinite(secs)) return fail(1, `bad ageing time value\n`);
      if (br === undefined) return fail(1, `set ageing time failed: No such device\n`);
      br.bridge!.ageingTime = Math.round(secs * 100) * (NS_PER_S / 100);
      return ok();
    }
  }
  return fail(1, `never heard of command [${cmd}]\n`, USAGE);
}

/**
 * br_cmd_hairpin(): on/yes/1 or off/no/0, written to
 * /sys/class/net/PORT/brport/hairpin_mode: the bridge named need only
 * exist (if_nametoindex()), the port may belong to any bridge.
 */
function brctlHairpin(host: Host, brName: string, port: string, mode: string): CmdResult {
  let on: boolean;
  if (mode === 'on' || mode === 'yes' || mode === '1') on = true;
  else if (mode === 'off' || mode === 'no' || mode === '0') on = false;
  else return fail(1, 'expect on/off for argument\n');
  const br = host.ifaceByName(brName);
  if (br === undefined) return fail(1, `bridge ${brName} does not exist!\n`);
  const p = host.ifaceByName(port);
  // no PORT/brport directory: not a bridge port
  if (p === undefined || p.master === null) return fail(1, `can't set ${port} to hairpin on bridge ${brName}: No such file or directory\n`);
  p.brportFlags = on ? p.brportFlags | BrPortFlag.HAIRPIN_MODE : p.brportFlags & ~BrPortFlag.HAIRPIN_MODE;
  return ok();
}

/** bridge id: priority 8000 and the bridge address (the user's, else the lowest port MAC; zero before any port) */
function bridgeId(br: Iface): string {
  const none = !br.macSet && br.bridge!.ports.length === 0;
  return '8000.' + (none ? '000000000000' : macToString(br.mac).replace(/:/g, ''));
}

/** `brctl show [BR]`: bridges and their ports by name (sysfs directory order, sorted) */
function brctlShow(h: Host, name: string | undefined): CmdResult {
  let bridges = h.ifaces.filter((d) => d.bridge !== null);
  if (name !== undefined) {
    bridges = bridges.filter((d) => d.name === name);
    if (bridges.length === 0) return fail(1, `bridge ${name} does not exist!\n`);
  }
  bridges.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let out = 'bridge name\tbridge id\t\tSTP enabled\tinterfaces\n';
  for (const br of bridges) {
    const ports = br.bridge!.ports.map((p) => p.name).sort();
    out += `${br.name}\t\t${bridgeId(br)}\tno\t\t${ports[0] ?? ''}\n`;
    for (const p of ports.slice(1)) out += `\t\t\t\t\t\t\t${p}\n`;
  }
  return ok(out);
}

/** `brctl showmacs BR`: the forwarding database sorted by MAC, with ageing timers in seconds */
function brctlShowmacs(h: Host, br: Iface | undefined): CmdResult {
  if (br === undefined) return fail(1, 'read of forward table failed: No such device\n');
  const b = br.bridge!;
  const now = h.now();
  const rows = [...b.fdb.values()]
    .map((e) => {
      let port = e.port;
      if (port === null) port = [...b.ports].reverse().find((p) => macToString(p.mac) === macToString(e.mac)) ?? null;
      return { e, port };
    })
    .filter((r) => r.port !== null)
    .sort((x, y) => (macToString(x.e.mac) < macToString(y.e.mac) ? -1 : 1));
  let out = 'port no\tmac addr\t\tis local?\tageing timer\n';
  for (const { e, port } of rows) {
    const age = e.local || e.static ? 0 : Math.max(0, now - e.updated);
    const cs = Math.floor(age / (NS_PER_S / 100));
    const timer = `${String(Math.floor(cs / 100)).padStart(4)}.${String(cs % 100).padStart(2, '0')}`;
    out += `${String(portNoOf(b, port!)).padStart(3)}\t${macToString(e.mac)}\t${e.local ? 'yes' : 'no'}\t\t${timer}\n`;
  }
  return ok(out);
}
