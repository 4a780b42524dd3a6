/** Bundles the page into `outDir` (default web/dist); resolves to outDir. */
export function buildWeb(outDir?: string): Promise<string>;
