/**
 * CLASSIFY --set-class MAJOR:MINOR: set skb->priority, the traffic control
 * class a qdisc files the packet under, as xt_CLASSIFY.c does (any
 * any table; FORWARD, OUTPUT and POSTROUTING). Only a classful qdisc reads it,
 * and the devices natlab models (veth, bridge, VLAN, lo) have none
 * (noqueue), as in the kernel: the packet goes on unchanged on the wire.
 */
import { NfHook } from '../../model/nf-seam.js';
import { registerTarget } from '../tables/registry.js';
import { XT_CONTINUE, XtError, type TargetSpec } from '../tables/types.js';

/** sscanf("%x") of one half: optional sign and 0x; a value beyond 64 bits saturates (strtoul), then 32 bits are kept */
function hex(text: string): number {
  const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(text);
  if (m === null) return -1;
  let v = BigInt(`0x${m[2]}`);
  if (v > 0xffffffffffffffffn) v = 0xffffffffffffffffn;
  if (m[1] === '-') v = -v;
  return Number(BigInt.asUintN(32, v));
}

/** CLASSIFY_string_to_priority(): sscanf(s, "%x:%x") and TC_H_MAKE(major << 16, minor) */
function parseClass(s: string): number {
  const colon = /^\s*[+-]?(?:0[xX])?[0-9a-fA-F]+/.exec(s);
  if (colon === null || s[colon[0].length] !== ':') throw new XtError(`Bad class value "${s}"`);
  const major = hex(s);
  const minor = hex(s.slice(colon[0].length + 1));
  if (minor < 0) throw new XtError(`Bad class value "${s}"`);
  return (((major << 16) & 0xffff0000) | (minor & 0xffff)) >>> 0;
}

const h4 = (n: number): string => n.toString(16).padStart(4, '0');

export const classifyTarget: TargetSpec<{ priority: number }> = {
  name: 'CLASSIFY',
  x6: true,
  options: [{ name: 'set-class', arg: true, mand: true }],
  init: () => ({ priority: 0 }),
  // xt_CLASSIFY names hooks but no table: raw, nat, filter and security take it too (measured)
  hooks: (1 << NfHook.LOCAL_OUT) | (1 << NfHook.FORWARD) | (1 << NfHook.POST_ROUTING),
  parse(d, opt, arg, invert) {
    if (invert) throw new XtError(`CLASSIFY: option "--${opt}" cannot be inverted.\n`);
    d.priority = parseClass(arg!);
  },
  save: (d) => ` --set-class ${h4(d.priority >>> 16)}:${h4(d.priority & 0xffff)}`,
  print: (d) => ` CLASSIFY set ${(d.priority >>> 16).toString(16)}:${(d.priority & 0xffff).toString(16)}`,
  target(d, skb) {
    skb.priority = d.priority;
    return XT_CONTINUE;
  },
};

registerTarget(classifyTarget);
