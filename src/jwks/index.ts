export { fetchJwks, fetchJwksDocument, STARTUP_FETCH, REFETCH } from './fetch';
export type { FetchedJwks, FetchOptions } from './fetch';
export { validateJwks } from './validate';
export type { RsaJwk, UsableKey, ValidatedJwks } from './validate';
export { KeyCache, MIN_REFETCH_INTERVAL_MS } from './cache';
export { loadKeys, refetchLoader, describeStartup, FRESH_COPY_MS } from './load';
export type { KeySource, LoadedKeys, LoadOptions } from './load';
export { cacheFileFor, readCachedJwks, writeCachedJwks, describeAge } from './disk-cache';
export type { CachedJwks, CacheRead } from './disk-cache';
