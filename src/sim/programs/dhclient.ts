/**
 * `dhclient [-v] [-1] [-d] [-r] IFACE` (isc-dhcp-client 4.4.3-P1), the state
 * machine in `dhcp/dhclient.ts`. Other options are refused, naming them.
 */
import { NatlabError } from '../../config/errors.js';
import { Dhclient, type DhclientOptions } from '../../dhcp/dhclient.js';
import type { Program, ProgramMain } from '../program.js';
import { clientEnv } from './dhcp-env.js';

export interface DhclientArgs {
  iface: string;
  release: boolean;
  opts: DhclientOptions;
}

export function parseDhclientArgs(argv: string[]): DhclientArgs {
  const args = argv[0] === 'dhclient' ? argv.slice(1) : argv;
  const opts: DhclientOptions = { verbose: false, once: false, foreground: false };
  let release = false;
  const ifaces: string[] = [];
  for (const a of args) {
    if (a === '-v') opts.verbose = true;
    else if (a === '-1') opts.once = true;
    else if (a === '-d') opts.foreground = true;
    else if (a === '-r') release = true;
    else if (a.startsWith('-')) throw new NatlabError('not supported: natlab models dhclient -v -1 -d -r IFACE', { token: a });
    else ifaces.push(a);
  }
  if (ifaces.length !== 1) throw new NatlabError('not supported: natlab runs dhclient on exactly one interface', { token: ifaces.join(' ') || 'dhclient' });
  return { iface: ifaces[0]!, release, opts };
}

const NO_DEVICE = `Failed to get interface index: No such device

If you think you have received this message due to a bug rather
than a configuration issue please read the section on submitting
bugs on either our web page at www.isc.org or in the README file
before submitting a bug.  These pages explain the proper
process and the information we find helpful for debugging.

exiting.
`;

export const dhclientMain: ProgramMain = (ctx): Program => {
  const { iface, release, opts } = parseDhclientArgs(ctx.argv);
  const dev = ctx.host.ifaceByName(iface);
  if (dev === undefined) {
    if (opts.verbose) ctx.out('Internet Systems Consortium DHCP Client 4.4.3-P1\nCopyright 2004-2022 Internet Systems Consortium.\nAll rights reserved.\nFor info, please visit https://www.isc.org/software/dhcp/\n\n');
    ctx.out(NO_DEVICE);
    ctx.exit(1);
    return { signal: () => {} };
  }
  const client = new Dhclient(clientEnv(ctx, dev, true), opts);
  if (release) client.release();
  else client.start();
  return { signal: (sig) => client.signal(sig) };
};
