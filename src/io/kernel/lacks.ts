/**
 * A `run:` line the kernel refuses because the running kernel was built
 * without the feature, not because Linux refuses it: natlab models the
 * feature (from the kernel's source), so the two runs cannot be compared
 * on this machine. Known by the line and the error together, so that any
 * other refusal stays an error of the scenario:
 *
 * - 802.1Q VLAN devices: without CONFIG_VLAN_8021Q, `ip link add ... type
 *   vlan` gets "Error: Unknown device type." (no rtnl_link_ops "vlan").
 * - bridge VLAN filtering: without CONFIG_BRIDGE_VLAN_FILTERING,
 *   `ip link ... type bridge vlan_filtering 1` and `bridge vlan add|del`
 *   get "RTNETLINK answers: Operation not supported" (EOPNOTSUPP);
 *   `vlan_default_pvid` and `vlan_protocol` are accepted and do nothing
 *   there, as they do nothing in natlab while filtering is off.
 *
 * Measured on this project's CI machine (kernel 6.18, a VM kernel that has
 * neither): both lines fail as above, in any namespace.
 */
import { NatlabError, type ErrorLoc } from '../../config/errors.js';

interface Feature {
  /** what the kernel lacks, as a person names it, with its config option */
  name: string;
  /** a run line that uses it */
  line: RegExp;
  /** the error the kernel gives for it when built without it */
  error: RegExp;
}

const FEATURES: Feature[] = [
  { name: '802.1Q VLAN devices (CONFIG_VLAN_8021Q)', line: /\btype\s+vlan\b/, error: /^Error: Unknown device type\.$/m },
  {
    name: 'bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)',
    line: /\bvlan_filtering\b|^\s*bridge\s+(-\S+\s+)*vlan\s+(add|del)\b/,
    error: /Operation not supported/,
  },
];

/** The kernel cannot run a line of the scenario: it was built without what the line needs. */
export class KernelLacksError extends NatlabError {
  /** the feature, e.g. "802.1Q VLAN devices (CONFIG_VLAN_8021Q)" */
  readonly feature: string;

  constructor(feature: string, output: string, loc: ErrorLoc) {
    super(`this kernel lacks ${feature}: ${output}`, loc);
    this.name = 'KernelLacksError';
    this.feature = feature;
  }
}

/** The error for a run line `raw` that failed on the kernel with `output`: a KernelLacksError when the kernel lacks the line's feature, else a plain failure. */
export function runLineError(raw: string, status: number | null, output: string, loc: ErrorLoc): NatlabError {
  const text = output.trim();
  for (const f of FEATURES) if (f.line.test(raw) && f.error.test(text)) return new KernelLacksError(f.name, text, loc);
  return new NatlabError(`command failed (exit ${status}): ${text}`, loc);
}
