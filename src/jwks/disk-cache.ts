import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { messageOf } from '../errors';
import type { SigningAlgorithm } from '../config/types';
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

/** What a cache file holds: a JWKS (`jwks-…`), or an OpenID issuer's discovery document (`openid-…`). */
export type CachedKind = 'jwks' | 'openid';

/** The file for `url`: a hash, so any URL makes a safe file name. */
export function cacheFileFor(dir: string, url: string, kind: CachedKind = 'jwks'): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 32);
  return path.join(dir, `${kind}-${hash}.json`);
}

/**
 * Writes the document atomically (a temporary file renamed over the old one),
 * so a reader never sees half a file. The folder is private to the user: these
 * keys decide which tokens are accepted.
 */
export function writeCachedJwks(dir: string, url: string, text: string, fetchedAt: number): string {
  return writeCacheFile(dir, url, 'jwks', { jwks: JSON.parse(text) as unknown }, fetchedAt);
}

/** Saves an OpenID issuer's discovery document as served, for --offline and for a start while it cannot be fetched. */
export function writeCachedDiscovery(dir: string, url: string, text: string, fetchedAt: number): string {
  return writeCacheFile(dir, url, 'openid', { document: JSON.parse(text) as unknown }, fetchedAt);
}

function writeCacheFile(dir: string, url: string, kind: CachedKind, content: Record<string, unknown>, fetchedAt: number): string {
  const file = cacheFileFor(dir, url, kind);
  const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode leaves an existing folder as it is; one we just made gets exactly 0700 (no umask games).
  if (created !== undefined) fs.chmodSync(dir, 0o700);
  const body = `${JSON.stringify({ url, fetchedAt: new Date(fetchedAt).toISOString(), ...content }, null, 2)}\n`;
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temporary, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, body);
      // On disk before the rename, so a power cut never leaves a truncated copy under the real name.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  return file;
}

/** Cached copies are small; anything bigger is not ours. */
const MAX_CACHE_BYTES = 2 * 1024 * 1024;

/**
 * Why a cache file must not be trusted, or null: whoever can write it (or
 * its folder) decides which tokens pass. It must be a regular file (not a
 * link, pipe or device), owned by this user, and neither it nor its folder
 * writable by anyone else.
 */
function distrust(file: string, stat: fs.Stats, dirStat: fs.Stats): string | null {
  if (!stat.isFile()) return 'it is not a regular file';
  if (stat.size > MAX_CACHE_BYTES) return `it is larger than ${MAX_CACHE_BYTES / 1024 / 1024} MiB`;
  if (process.platform === 'win32') return null;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) return `it belongs to another user (uid ${stat.uid})`;
  if ((stat.mode & 0o022) !== 0) return `it is writable by other users (mode ${(stat.mode & 0o777).toString(8)})`;
  if (uid !== undefined && dirStat.uid !== uid) return `its folder ${path.dirname(file)} belongs to another user (uid ${dirStat.uid})`;
  if ((dirStat.mode & 0o022) !== 0) return `its folder ${path.dirname(file)} is writable by other users (mode ${(dirStat.mode & 0o777).toString(8)})`;
  return null;
}

/** Reads the cached copy of the JWKS at `url`, keeping the keys for `accept`; never throws. */
export function readCachedJwks(dir: string, url: string, accept?: readonly SigningAlgorithm[]): CacheRead {
  const read = readCacheFile(dir, url, 'jwks');
  if (read.kind !== 'hit') return read;
  const { doc, fetchedAt, file } = read;
  try {
    return { kind: 'hit', cached: { jwks: validateJwks(doc.jwks, url, accept), fetchedAt, file } };
  } catch (error) {
    return { kind: 'unusable', file, problem: (error as { reason?: string }).reason ?? messageOf(error) };
  }
}

export type FileRead =
  | { kind: 'hit'; doc: Record<string, unknown>; fetchedAt: number; file: string }
  | { kind: 'miss'; file: string }
  | { kind: 'unusable'; file: string; problem: string };

/** Reads the cached discovery document for `url` (its `document`, unchecked); never throws. */
export function readCachedDiscovery(dir: string, url: string): FileRead {
  return readCacheFile(dir, url, 'openid');
}

/** A cache file that is ours, for `url`, with a fetch time; never throws. */
function readCacheFile(dir: string, url: string, kind: CachedKind): FileRead {
  const file = cacheFileFor(dir, url, kind);
  let text: string;
  let fd: number;
  try {
    // No link is followed, and a pipe cannot make the open wait.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'miss', file };
    return { kind: 'unusable', file, problem: code === 'ELOOP' ? 'it is a symbolic link' : messageOf(error) };
  }
  try {
    // The checks look at the very file that is read.
    const problem = distrust(file, fs.fstatSync(fd), fs.statSync(dir));
    if (problem) return { kind: 'unusable', file, problem };
    text = fs.readFileSync(fd, 'utf8');
  } catch (error) {
    return { kind: 'unusable', file, problem: messageOf(error) };
  } finally {
    fs.closeSync(fd);
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return { kind: 'unusable', file, problem: 'it is not valid JSON' };
  }
  if (typeof doc !== 'object' || doc === null) return { kind: 'unusable', file, problem: 'it is not a JSON object' };
  if (doc.url !== url) return { kind: 'unusable', file, problem: `it belongs to another ${kind === 'jwks' ? 'JWKS' : 'discovery'} URL` };
  const fetchedAt = typeof doc.fetchedAt === 'string' ? Date.parse(doc.fetchedAt) : NaN;
  if (!Number.isFinite(fetchedAt)) return { kind: 'unusable', file, problem: 'it has no valid fetchedAt time' };
  return { kind: 'hit', doc, fetchedAt, file };
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
