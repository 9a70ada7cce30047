import { CognitoConfig } from '../config';
import { JwksError, messageOf } from '../errors';
import { JwksLoader } from './cache';
import { CachedJwks, describeAge, readCachedJwks, writeCachedJwks } from './disk-cache';
import { printable } from '../printable';
import { pemOf } from './pem';
import { FetchedJwks, fetchJwksDocument, FetchOptions, REFETCH } from './fetch';
import { ValidatedJwks } from './validate';

/** Where the keys in use came from: said once in the start-up line. */
export type KeySource =
  | { kind: 'network' }
  | { kind: 'cache'; fetchedAt: number; file: string; why: 'offline' | 'fetch-failed' | 'fresh' };

/**
 * `run` starts from a copy this young without waiting for the network (a
 * restart, a deploy, a crash loop), and refreshes it once serving.
 */
export const FRESH_COPY_MS = 5 * 60_000;

export interface LoadOptions {
  fetch?: FetchOptions;
  /** Use a cached copy younger than this without fetching first; the caller refreshes it later. */
  freshForMs?: number;
}

export interface LoadedKeys {
  jwks: ValidatedJwks;
  source: KeySource;
  /** When this load began: a refetch counts its window from here. */
  startedAt: number;
}

type KeysConfig = Pick<CognitoConfig, 'jwksUrl' | 'cacheDir' | 'offline'>;
type Warn = (text: string) => void;

/**
 * The keys at start-up. Fetched, and saved to the disk cache; if the fetch
 * fails, the cached copy, with a warning that gives its age; with --offline
 * the cached copy only. With nothing to fall back on, the fetch's own
 * JwksError (exit 3).
 */
export async function loadKeys(config: KeysConfig, warn: Warn, options: LoadOptions = {}): Promise<LoadedKeys> {
  const startedAt = Date.now();
  if (config.offline) {
    const cached = readCacheOrThrow(config);
    return { jwks: cached.jwks, source: { kind: 'cache', fetchedAt: cached.fetchedAt, file: cached.file, why: 'offline' }, startedAt };
  }
  if (options.freshForMs) {
    const read = readCachedJwks(config.cacheDir, config.jwksUrl);
    const age = read.kind === 'hit' ? startedAt - read.cached.fetchedAt : -1;
    // A copy from the future (a clock set back) is not fresh.
    if (read.kind === 'hit' && age >= 0 && age < options.freshForMs) {
      const { cached } = read;
      return { jwks: cached.jwks, source: { kind: 'cache', fetchedAt: cached.fetchedAt, file: cached.file, why: 'fresh' }, startedAt };
    }
  }
  try {
    const fetched = await fetchJwksDocument(config.jwksUrl, options.fetch);
    saveToCache(config, fetched, warn);
    return { jwks: fetched.jwks, source: { kind: 'network' }, startedAt };
  } catch (error) {
    // A 404 is the pool's own answer, not an outage: a deleted pool's keys must not live on.
    if (!(error instanceof JwksError) || error.final) throw error;
    const read = readCachedJwks(config.cacheDir, config.jwksUrl);
    if (read.kind === 'unusable') warn(`ignoring the cached JWKS ${read.file}: ${read.problem}`);
    if (read.kind !== 'hit') throw error;
    const { cached } = read;
    warn(
      `${error.message}; using the cached copy from ${describeAge(Date.now() - cached.fetchedAt)} ago ` +
        `(fetched ${new Date(cached.fetchedAt).toISOString()}, ${cached.file})`,
    );
    return { jwks: cached.jwks, source: { kind: 'cache', fetchedAt: cached.fetchedAt, file: cached.file, why: 'fetch-failed' }, startedAt };
  }
}

/**
 * How the key cache refetches while serving (an unknown kid): one quick try,
 * saved to disk when it works. Offline, it rereads the disk cache instead,
 * which another process may have refreshed.
 */
export function refetchLoader(config: KeysConfig, warn: Warn): JwksLoader {
  if (config.offline) return async () => readCacheOrThrow(config).jwks;
  return async () => {
    const fetched = await fetchJwksDocument(config.jwksUrl, REFETCH);
    saveToCache(config, fetched, warn);
    return fetched.jwks;
  };
}

/**
 * The one start-up line: pool, issuer, token use, client check, kids, and
 * whether the cache was used.
 */
export function describeStartup(config: Pick<CognitoConfig, 'userPoolId' | 'issuer' | 'tokenUse' | 'clientIds'>, loaded: Pick<LoadedKeys, 'jwks' | 'source'>): string {
  const { clientIds } = config;
  const clientCheck =
    clientIds === '*' ? "app client check off ('*': every app client)" : `app client check on (${clientIds.length} client${clientIds.length === 1 ? '' : 's'})`;
  const tokens = config.tokenUse === 'any' ? 'access and ID tokens' : `${config.tokenUse === 'id' ? 'ID' : 'access'} tokens`;
  return `user pool ${config.userPoolId} (issuer ${config.issuer}): ${tokens}, ${clientCheck}, ${describeKeys(loaded)}`;
}

/** Describes the keys for the start-up line: "kids [a, b] fetched (cache not used)". */
function describeKeys(loaded: Pick<LoadedKeys, 'jwks' | 'source'>): string {
  const kids = `kids [${loaded.jwks.keys.map((k) => printable(k.jwk.kid)).join(', ')}]`;
  const { source } = loaded;
  if (source.kind === 'network') return `${kids} fetched (cache not used)`;
  const age = describeAge(Date.now() - source.fetchedAt);
  if (source.why === 'fresh') return `${kids} from the cache (fetched ${age} ago; refreshed once serving)`;
  return `${kids} from the cache (${source.why === 'offline' ? '--offline' : 'the fetch failed'}; fetched ${age} ago)`;
}

function readCacheOrThrow(config: KeysConfig): CachedJwks {
  const read = readCachedJwks(config.cacheDir, config.jwksUrl);
  if (read.kind === 'hit') return read.cached;
  const refill = 'run any command once with the network (e.g. postgraphile-cognito keys) to fill the cache, or drop --offline';
  if (read.kind === 'miss') {
    throw new JwksError(config.jwksUrl, `offline, and there is no cached copy in ${config.cacheDir}`, refill);
  }
  throw new JwksError(config.jwksUrl, `offline, and the cached copy ${read.file} cannot be used: ${read.problem}`, `delete that file, then ${refill}`);
}

function saveToCache(config: KeysConfig, fetched: FetchedJwks, warn: Warn): void {
  try {
    // With each key's PEM, so a later start from the copy needs no conversion.
    const pems = Object.fromEntries(fetched.jwks.keys.map((key) => [key.jwk.kid, pemOf(key.jwk)]));
    writeCachedJwks(config.cacheDir, config.jwksUrl, fetched.text, Date.now(), pems);
  } catch (error) {
    warn(`could not save the JWKS to the cache in ${config.cacheDir} (${messageOf(error)}); a start-up without the network will not be possible`);
  }
}
