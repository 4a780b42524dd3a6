/**
 * The traffic programs natlab runs, by command name (what a `traffic:` step
 * starts). Inspection commands (`iptables -L`, `conntrack -L`) live in
 * `inspect.ts`; `index.ts` joins both.
 */
import type { ProgramMain } from '../program.js';
import { arpingMain } from './arping.js';
import { dhclientMain } from './dhclient.js';
import { ncMain } from './nc.js';
import { pingMain } from './ping.js';
import { sleepMain } from './sleep.js';
import { tcpreplayMain } from './tcpreplay.js';
import { udhcpcMain } from './udhcpc.js';

export const PROGRAMS: Record<string, ProgramMain> = {
  ping: pingMain,
  arping: arpingMain,
  sleep: sleepMain,
  dhclient: dhclientMain,
  udhcpc: udhcpcMain,
  tcpreplay: tcpreplayMain,
  nc: ncMain,
};
