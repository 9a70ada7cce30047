import * as crypto from 'node:crypto';
import type { Verdict } from './check';

/** However many entries --token-cache allows, the cached verdicts hold at most about this much memory. */
export const TOKEN_CACHE_MAX_BYTES = 32 * 1024 * 1024;

interface Entry {
  key: string;
  verdict: Verdict;
  exp: number;
  nbf: number | null;
  bytes: number;
  /** `issuer \n kid`: the key that verified it. */
  source: string;
  /** The next less and more recently used: a hit moves its entry to the newest end without touching the map. */
  older: Entry | null;
  newer: Entry | null;
}

export interface VerdictCacheOptions {
  /** 0 turns the cache off. */
  maxEntries: number;
  clockTolerance: number;
  maxBytes?: number;
  now?: () => number;
}

/**
 * Verdicts on valid tokens, so a client that sends the same token for an hour
 * pays for one verification, as an API gateway's token cache does. Keyed by
 * a hash of the whole token (signature included); bounded in entries and in
 * memory, oldest use first out. On every hit exp and nbf are checked again,
 * exactly as jsonwebtoken checks them, so an expired token is refused at the
 * same second as without the cache. Refusals are never kept. A key that
 * leaves its issuer's JWKS takes every verdict it verified with it.
 */
export class VerdictCache {
  private readonly entries = new Map<string, Entry>();
  private readonly bySource = new Map<string, Set<string>>();
  /** The least and the most recently used entry. */
  private oldest: Entry | null = null;
  private newest: Entry | null = null;
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: VerdictCacheOptions) {
    this.maxBytes = options.maxBytes ?? TOKEN_CACHE_MAX_BYTES;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The estimated memory the cached verdicts hold. */
  get footprint(): number {
    return this.bytes;
  }

  /** The verdict on `token`, when it is cached and still within its exp and nbf. */
  get(token: string): Verdict | null {
    if (this.options.maxEntries === 0 || this.entries.size === 0) return null;
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (!entry) return null;
    // jsonwebtoken's rules: expired once now >= exp + tolerance; not yet valid while nbf > now + tolerance.
    const now = Math.floor(this.now() / 1000);
    const tolerance = this.options.clockTolerance;
    if (now >= entry.exp + tolerance || (entry.nbf !== null && entry.nbf > now + tolerance)) {
      this.remove(key);
      return null;
    }
    this.unlink(entry);
    this.append(entry);
    return entry.verdict;
  }

  /** Keeps a verdict on a valid token. */
  put(token: string, verdict: Verdict): void {
    const { maxEntries } = this.options;
    const exp = verdict.claims.exp;
    if (maxEntries === 0 || typeof exp !== 'number') return;
    const nbf = typeof verdict.claims.nbf === 'number' ? verdict.claims.nbf : null;
    const bytes = sizeOf(verdict);
    // One verdict bigger than all the room there is never goes in.
    if (bytes > this.maxBytes) return;
    const key = keyOf(token);
    this.remove(key);
    const source = sourceOf(verdict.issuer.issuer, verdict.kid);
    const entry: Entry = { key, verdict, exp, nbf, bytes, source, older: null, newer: null };
    this.entries.set(key, entry);
    this.append(entry);
    this.bytes += bytes;
    let keys = this.bySource.get(source);
    if (!keys) this.bySource.set(source, (keys = new Set()));
    keys.add(key);
    while (this.oldest && (this.entries.size > maxEntries || this.bytes > this.maxBytes)) this.remove(this.oldest.key);
  }

  /** Every verdict these keys of `issuer` verified goes: the keys left the issuer's JWKS. */
  dropKeys(issuer: string, kids: readonly string[]): void {
    for (const kid of kids) {
      const source = sourceOf(issuer, kid);
      for (const key of this.bySource.get(source) ?? []) this.remove(key);
      this.bySource.delete(source);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.unlink(entry);
    this.bytes -= entry.bytes;
    const keys = this.bySource.get(entry.source);
    keys?.delete(key);
    if (keys?.size === 0) this.bySource.delete(entry.source);
  }

  private append(entry: Entry): void {
    entry.older = this.newest;
    entry.newer = null;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = entry.newer = null;
  }
}

/** crypto.hash (Node 20.12 and later) hashes in one call, without a Hash object per request. */
const sha256: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'base64') : (text) => crypto.createHash('sha256').update(text).digest('base64');

function keyOf(token: string): string {
  return sha256(token);
}

function sourceOf(issuer: string, kid: string): string {
  return `${issuer}\n${kid}`;
}

/** UTF-16 strings: the settings (the claims' JSON among them, which the claims object mirrors), the key, and some overhead. */
function sizeOf(verdict: Verdict): number {
  let chars = 44;
  for (const [name, value] of Object.entries(verdict.settings)) chars += name.length + value.length;
  return 2 * (chars + (verdict.settings['jwt.claims']?.length ?? 0)) + 512;
}
