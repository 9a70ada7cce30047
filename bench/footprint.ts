/**
 * The memory the gate's cache of verified tokens holds at its bound, in
 * process: a Gate with the default --token-cache is filled with distinct
 * valid tokens, and the heap after a full garbage collection is compared
 * with the heap before, against the cache's own estimate (what its byte
 * bound counts) and that bound. Twice: Cognito access tokens as a pool
 * issues them, up to the entry bound; and ID tokens near the largest the
 * gate takes (five 2048-character custom attributes, Cognito's longest),
 * past the byte bound. bench.ts runs this file as a child with --expose-gc;
 * the child prints one JSON line.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { DEFAULT_TOKEN_CACHE, resolveConfig } from '../src/config';
import { Gate } from '../src/gate';
import { TOKEN_CACHE_MAX_BYTES } from '../src/gate/verdicts';
import { LocalIssuer } from '../src/issuer';
import { givenKeys, validateJwks } from '../src/jwks';
import { cleanEnv, ROOT } from '../test/helpers/cli';

export interface Fill {
  tokens: number;
  /** Verdicts the cache holds once they all went in. */
  entries: number;
  /** Heap growth after a full collection, in bytes. */
  heapBytes: number;
  /** What the cache counts against its byte bound. */
  estimatedBytes: number;
}

export interface FootprintResult {
  maxEntries: number;
  maxBytes: number;
  access: Fill;
  large: Fill;
}

/** Runs the measurement in a child of this Node with --expose-gc, so its heap holds nothing else of the bench's. */
export async function measureFootprint(): Promise<FootprintResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', __filename], {
    cwd: ROOT,
    env: cleanEnv(),
    timeout: 300_000,
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as FootprintResult;
}

const POOL_ID = 'local_footprint';

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A fresh gate (the default cache) over the issuer's keys; each token goes through authenticate, as a request's would. */
async function fill(issuer: LocalIssuer, tokenUse: 'access' | 'id', tokens: readonly string[]): Promise<Fill> {
  const flags = { userPoolId: POOL_ID, endpoint: issuer.endpoint, clientId: 'client1', allowedRoles: 'app_user', tokenUse };
  const { config } = resolveConfig({ flags, env: {} });
  const pool = config.issuers[0]!;
  const jwks = validateJwks(issuer.jwks(), pool.kind === 'cognito' ? pool.jwksUrl : '');
  const gate = Gate.open({ config, keys: [givenKeys(pool, jwks)] });
  // The first verification loads the code it runs, which is not the cache's.
  await gate.authenticate(tokens[0]!);
  const before = heapAfterGc();
  for (const token of tokens) await gate.authenticate(token);
  const heapBytes = heapAfterGc() - before;
  return { tokens: tokens.length, entries: gate.verdicts.size, heapBytes, estimatedBytes: gate.verdicts.footprint };
}

async function child(): Promise<void> {
  const issuer = await LocalIssuer.start({ poolIds: [POOL_ID], kids: ['key-footprint'] });
  try {
    const user = (i: number, custom?: Record<string, string>) => ({
      sub: `${randomBytes(4).toString('hex')}-${i}-4a5b-8c9d-${randomBytes(6).toString('hex')}`,
      username: `user-${i}`,
      email: `user-${i}@example.com`,
      groups: ['app_user'],
      ...(custom ? { custom } : {}),
    });
    const access = Array.from({ length: DEFAULT_TOKEN_CACHE }, (_, i) => issuer.accessToken(POOL_ID, user(i), { clientId: 'client1' }));
    const attribute = () => randomBytes(1536).toString('base64'); // 2048 characters
    const custom = () => Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((name) => [name, attribute()]));
    // Enough that the byte bound, not the entry bound, decides.
    const large = Array.from({ length: 800 }, (_, i) => issuer.idToken(POOL_ID, user(i, custom()), { clientId: 'client1' }));
    const result: FootprintResult = {
      maxEntries: DEFAULT_TOKEN_CACHE,
      maxBytes: TOKEN_CACHE_MAX_BYTES,
      access: await fill(issuer, 'access', access),
      large: await fill(issuer, 'id', large),
    };
    console.log(JSON.stringify(result));
  } finally {
    await issuer.stop();
  }
}

if (require.main === module) {
  child().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
