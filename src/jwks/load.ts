import type { SigningAlgorithm } from '../config/types';
import { JwksError, messageOf } from '../errors';
import { JwksLoader } from './cache';
import { CachedJwks, describeAge, readCachedJwks, writeCachedJwks } from './disk-cache';
import { DocumentKind, FetchedJwks, fetchJwksDocument, FetchOptions, POOL_JWKS, REFETCH } from './fetch';
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

/** One JWKS: where it is, which keys of it count, and where its copy on disk lives. */
export interface KeysConfig {
  jwksUrl: string;
  cacheDir: string;
  offline: boolean;
  /** The algorithms its issuer signs with (default RS256, Cognito's). */
  accept?: readonly SigningAlgorithm[];
  /** For messages: a pool's JWKS or an OpenID issuer's. */
  kind?: DocumentKind;
}
export type Warn = (text: string) => void;

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
    const read = readCachedJwks(config.cacheDir, config.jwksUrl, config.accept);
    const age = read.kind === 'hit' ? startedAt - read.cached.fetchedAt : -1;
    // A copy from the future (a clock set back) is not fresh.
    if (read.kind === 'hit' && age >= 0 && age < options.freshForMs) {
      const { cached } = read;
      return { jwks: cached.jwks, source: { kind: 'cache', fetchedAt: cached.fetchedAt, file: cached.file, why: 'fresh' }, startedAt };
    }
  }
  try {
    const fetched = await fetchJwksDocument(config.jwksUrl, options.fetch, config.accept, config.kind ?? POOL_JWKS);
    saveToCache(config, fetched, warn);
    return { jwks: fetched.jwks, source: { kind: 'network' }, startedAt };
  } catch (error) {
    // A 404 is the pool's own answer, not an outage: a deleted pool's keys must not live on.
    if (!(error instanceof JwksError) || error.final) throw error;
    const read = readCachedJwks(config.cacheDir, config.jwksUrl, config.accept);
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
    const fetched = await fetchJwksDocument(config.jwksUrl, REFETCH, config.accept, config.kind ?? POOL_JWKS);
    saveToCache(config, fetched, warn);
    return fetched.jwks;
  };
}

function readCacheOrThrow(config: KeysConfig): CachedJwks {
  const read = readCachedJwks(config.cacheDir, config.jwksUrl, config.accept);
  if (read.kind === 'hit') return read.cached;
  const refill = 'run any command once with the network (e.g. postgraphile-cognito keys) to fill the cache, or drop --offline';
  if (read.kind === 'miss') {
    throw new JwksError(config.jwksUrl, `offline, and there is no cached copy in ${config.cacheDir}`, refill);
  }
  throw new JwksError(config.jwksUrl, `offline, and the cached copy ${read.file} cannot be used: ${read.problem}`, `delete that file, then ${refill}`);
}

function saveToCache(config: KeysConfig, fetched: FetchedJwks, warn: Warn): void {
  try {
    writeCachedJwks(config.cacheDir, config.jwksUrl, fetched.text, Date.now());
  } catch (error) {
    warn(`could not save the JWKS to the cache in ${config.cacheDir} (${messageOf(error)}); a start-up without the network will not be possible`);
  }
}
