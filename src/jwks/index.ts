export { fetchJwks, fetchJwksDocument, STARTUP_FETCH, REFETCH } from './fetch';
export type { FetchedJwks, FetchOptions } from './fetch';
export { validateJwks } from './validate';
export type { RsaJwk, UsableKey, ValidatedJwks } from './validate';
export { KeyCache, MIN_REFETCH_INTERVAL_MS } from './cache';
