import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { messageOf } from '../errors';
import { validateJwks, ValidatedJwks } from './validate';

/**
 * The JWKS on disk, one file per JWKS URL, so a restart can start when the
 * endpoint cannot be reached. A file holds the document exactly as served,
 * with its URL and the time it was fetched:
 *
 *   { "url": "...", "fetchedAt": "2026-11-26T10:00:00.000Z", "jwks": { "keys": [...] } }
 */
export interface CachedJwks {
  jwks: ValidatedJwks;
  /** When the copy was fetched (ms since epoch). */
  fetchedAt: number;
  file: string;
}

export type CacheRead =
  | { kind: 'hit'; cached: CachedJwks }
  | { kind: 'miss'; file: string }
  /** The file exists but cannot be used; `problem` says why. */
  | { kind: 'unusable'; file: string; problem: string };

/** The file for `url`: a hash, so any URL makes a safe file name. */
export function cacheFileFor(dir: string, url: string): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 32);
  return path.join(dir, `jwks-${hash}.json`);
}

/**
 * Writes the document atomically (a temporary file renamed over the old one),
 * so a reader never sees half a file. The folder is private to the user: these
 * keys decide which tokens are accepted.
 */
export function writeCachedJwks(dir: string, url: string, text: string, fetchedAt: number): string {
  const file = cacheFileFor(dir, url);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const body = `${JSON.stringify({ url, fetchedAt: new Date(fetchedAt).toISOString(), jwks: JSON.parse(text) as unknown }, null, 2)}\n`;
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(temporary, body, { mode: 0o600, flag: 'wx' });
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  return file;
}

/** Reads the cached copy for `url`; never throws. */
export function readCachedJwks(dir: string, url: string): CacheRead {
  const file = cacheFileFor(dir, url);
  let text: string;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'miss', file };
    return { kind: 'unusable', file, problem: messageOf(error) };
  }
  // Whoever can write this file decides which tokens pass.
  if (process.platform !== 'win32' && (stat.mode & 0o022) !== 0) {
    return { kind: 'unusable', file, problem: `it is writable by other users (mode ${(stat.mode & 0o777).toString(8)})` };
  }
  let doc: { url?: unknown; fetchedAt?: unknown; jwks?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return { kind: 'unusable', file, problem: 'it is not valid JSON' };
  }
  if (typeof doc !== 'object' || doc === null) return { kind: 'unusable', file, problem: 'it is not a JSON object' };
  if (doc.url !== url) return { kind: 'unusable', file, problem: 'it belongs to another JWKS URL' };
  const fetchedAt = typeof doc.fetchedAt === 'string' ? Date.parse(doc.fetchedAt) : NaN;
  if (!Number.isFinite(fetchedAt)) return { kind: 'unusable', file, problem: 'it has no valid fetchedAt time' };
  try {
    return { kind: 'hit', cached: { jwks: validateJwks(doc.jwks, url), fetchedAt, file } };
  } catch (error) {
    return { kind: 'unusable', file, problem: (error as { reason?: string }).reason ?? messageOf(error) };
  }
}

/** "3 h 12 min", "45 s": how old a cached copy is. */
export function describeAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}
