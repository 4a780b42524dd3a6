/** Interface name patterns of -i/-o and physdev: exact, or a prefix when ending in `+` (ifname_compare_aligned). */
export function ifaceMatch(pattern: string, name: string): boolean {
  if (pattern.endsWith('+')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}
