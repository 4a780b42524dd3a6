/**
 * CHECKSUM --checksum-fill (mangle only), as xt_CHECKSUM.c: it computes a
 * checksum the stack left for the device to fill in (CHECKSUM_PARTIAL,
 * skb_checksum_help()). libvirt adds it for the DHCP replies its dnsmasq
 * sends to guests whose virtio NIC would otherwise see an empty checksum.
 * natlab's packets always carry their full checksum (there is no offload),
 * so the target finds nothing to fill and continues, as the kernel does for
 * a packet that is not CHECKSUM_PARTIAL.
 */
import { registerTarget } from '../tables/registry.js';
import { XT_CONTINUE, type TargetSpec } from '../tables/types.js';
import { mandatory } from '../xt-opts.js';

export interface ChecksumData {
  fill: boolean;
}

export const checksumTarget: TargetSpec<ChecksumData> = {
  name: 'CHECKSUM',
  x6: true,
  options: [{ name: 'checksum-fill', arg: false }],
  init: () => ({ fill: false }),
  tables: ['mangle'],
  parse(d) {
    d.fill = true;
  },
  final(d) {
    if (!d.fill) throw mandatory('CHECKSUM', 'checksum-fill');
  },
  save: () => ' --checksum-fill',
  print: () => ' CHECKSUM fill',
  target: () => XT_CONTINUE,
};

registerTarget(checksumTarget);
