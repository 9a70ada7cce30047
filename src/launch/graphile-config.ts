import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The endings graphile-config's loadConfig tries after `graphile.config`, in
 * its order (graphile-config 1.x: interpret 3's jsVariants, then the .mts,
 * .cts, .mtsx and .ctsx it adds); without -C, PostGraphile v5 reads the first
 * that exists, and only that one.
 */
export const GRAPHILE_CONFIG_ENDINGS: readonly string[] = [
  '.js', '.babel.js', '.babel.jsx', '.babel.ts', '.babel.tsx', '.esbuild.js', '.esbuild.jsx', '.esbuild.ts', '.esbuild.tsx',
  '.cjs', '.coffee', '.coffee.md', '.esm.js', '.jsx', '.litcoffee', '.mdx', '.mjs', '.sucrase.js', '.sucrase.jsx', '.sucrase.ts',
  '.sucrase.tsx', '.swc.js', '.swc.jsx', '.swc.ts', '.swc.tsx', '.ts', '.tsx', '.mts', '.cts', '.mtsx', '.ctsx',
];

/** Every graphile.config file name v5 may read, first read first. */
export const GRAPHILE_CONFIG_NAMES: readonly string[] = GRAPHILE_CONFIG_ENDINGS.map((ending) => `graphile.config${ending}`);

/** The graphile.config PostGraphile v5 reads in `dir` without -C, or null. */
export function graphileConfigIn(dir: string): string | null {
  const found = GRAPHILE_CONFIG_NAMES.find((name) => fs.existsSync(path.join(dir, name)));
  return found === undefined ? null : path.join(dir, found);
}
