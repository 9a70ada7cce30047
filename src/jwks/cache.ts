import { KeyObject } from 'node:crypto';
import { TIMING } from '../timing';
import { UsableKey, ValidatedJwks } from './validate';

export type JwksLoader = () => Promise<ValidatedJwks>;

export interface KeyCacheOptions {
  /** At most one refetch starts within this window (the penalty box). */
  minRefetchIntervalMs?: number;
  now?: () => number;
  /** Told about every fetch that fails; never about token content. */
  onFetchError?: (error: unknown) => void;
  /** Told the kids of keys that left (a refetch without them, or clear): what they verified must not live on. */
  onKeysRemoved?: (kids: readonly string[]) => void;
}

export const MIN_REFETCH_INTERVAL_MS = TIMING.refetchWindowMs;

/**
 * Keys by `kid`, one job: answer from memory, refetch on an unknown kid, and
 * never fetch more than once per window, so a flood of tokens with random
 * kids cannot hammer the endpoint. Concurrent misses share one fetch. A failed
 * fetch keeps the keys already known.
 */
export class KeyCache {
  private keys = new Map<string, UsableKey>();
  private inflight: Promise<void> | null = null;
  private lastFetchStartedAt = Number.NEGATIVE_INFINITY;
  private loadedOnce = false;
  private readonly minInterval: number;
  private readonly now: () => number;
  /** How many fetches this cache has started; the tests read it. */
  fetchCount = 0;

  constructor(
    private readonly loader: JwksLoader,
    private readonly options: KeyCacheOptions = {},
  ) {
    this.minInterval = options.minRefetchIntervalMs ?? MIN_REFETCH_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Seeds the cache with keys fetched at start-up; counts as a fetch for the window. */
  prime(jwks: ValidatedJwks, fetchedAt: number = this.now()): void {
    this.replace(jwks);
    this.lastFetchStartedAt = Math.max(this.lastFetchStartedAt, fetchedAt);
  }

  /** Forgets every key: tokens are refused as "keys unavailable" until a load brings keys again. */
  clear(): void {
    const removed = [...this.keys.keys()];
    this.keys = new Map();
    this.loadedOnce = false;
    if (removed.length > 0) this.options.onKeysRemoved?.(removed);
  }

  get hasKeys(): boolean {
    return this.loadedOnce;
  }

  kids(): string[] {
    return [...this.keys.keys()];
  }

  /** Whether `kid` is a key now, without fetching. */
  has(kid: string): boolean {
    return this.keys.has(kid);
  }

  /** The key for `kid`, refetching at most once per window; null if unknown. */
  async getKey(kid: string): Promise<KeyObject | null> {
    return (await this.getUsableKey(kid))?.keyObject ?? null;
  }

  /** Like getKey, with the key as published (its kty and alg). */
  async getUsableKey(kid: string): Promise<UsableKey | null> {
    const known = this.keys.get(kid);
    if (known) return known;
    await this.refresh();
    return this.keys.get(kid) ?? null;
  }

  /** Starts a fetch unless one is running (join it) or the window forbids it. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (this.now() - this.lastFetchStartedAt < this.minInterval) return Promise.resolve();
    return this.load(this.loader).then(
      () => undefined,
      (error: unknown) => this.options.onFetchError?.(error),
    );
  }

  /**
   * Runs one fetch with `loader` (the first load may use more patient
   * settings than a refetch); lookups meanwhile wait for it. Rejects with the
   * loader's error, keeping the keys already known.
   */
  load(loader: JwksLoader): Promise<ValidatedJwks> {
    this.lastFetchStartedAt = this.now();
    this.fetchCount++;
    const run = loader().then((jwks) => {
      this.replace(jwks);
      return jwks;
    });
    this.inflight = run.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      this.inflight = null;
    });
    return run;
  }

  private replace(jwks: ValidatedJwks): void {
    // Keys dropped from the JWKS are dropped here too: rotated-out keys stop verifying.
    const next = new Map(jwks.keys.map((key) => [key.jwk.kid, key]));
    // A kid whose key material changed counts as removed too: what the old key verified must go.
    const removed = [...this.keys].filter(([kid, key]) => !next.get(kid)?.keyObject.equals(key.keyObject)).map(([kid]) => kid);
    this.keys = next;
    this.loadedOnce = true;
    if (removed.length > 0) this.options.onKeysRemoved?.(removed);
  }
}
