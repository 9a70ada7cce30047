/** What the two JWKS cache test files share: the pool, the fault matrix, and a folder of cache folders. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { cacheFileFor } from '../../src/jwks/disk-cache';
import { cleanEnv, runCli } from './cli';
import { JwksMode } from './jwks-server';

export const POOL = 'local_cache1';
export const jwksUrl = (endpoint: string) => `${endpoint}/${POOL}/.well-known/jwks.json`;

export type Fault = JwksMode | 'down';
/** Each fault, and what the error names. 'down' last: while serving, it closes the fixture for good. */
export const FAULTS: [Fault, RegExp][] = [
  ['status-500', /HTTP 500/],
  ['hang', /timeout/],
  ['html', /HTML page/],
  ['invalid-json', /not valid JSON/],
  ['no-rsa', /no usable key|skipped|kty/i],
  ['down', /connection refused/],
];

/** Makes the saved copy look `ms` old, so run fetches first instead of starting from it. */
export function ageCopy(cacheDir: string, url: string, ms: number): void {
  const file = cacheFileFor(cacheDir, url);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { fetchedAt: string };
  doc.fetchedAt = new Date(Date.now() - ms).toISOString();
  fs.writeFileSync(file, JSON.stringify(doc));
}

/** A temporary folder for the file (made in `before`, removed in `after`), with cache folders and `keys` runs inside it. */
export function cacheWorkspace() {
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-jwks-cache-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  return {
    /** The folder itself, the working directory of every command. */
    dir: () => tmp,
    newDir: (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`)),
    keys: (endpoint: string, cacheDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
      runCli(['keys', '--json', '--user-pool-id', POOL, '--endpoint', endpoint, '--cache-dir', cacheDir, ...extra], { env: cleanEnv(env), cwd: tmp }),
  };
}
