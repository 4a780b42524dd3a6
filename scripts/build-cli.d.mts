/**
 * Builds the installed command into `outDir` (default dist/bin) from `from`
 * (default dist/cli, tsc's output; or src/cli); resolves to the `bin` path.
 */
export function buildCli(opts?: { from?: string; outDir?: string }): Promise<string>;
