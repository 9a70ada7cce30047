import type { CognitoConfig } from '../config';
import { JwksError } from '../errors';
import { describeAge, fetchJwksDocument, FetchedJwks, readCachedJwks, writeCachedJwks } from '../jwks';
import { printable } from '../printable';
import { Check, check } from './check';

const JWKS = 'JWKS';
const CACHE = 'JWKS cache headers';
const COPY = 'JWKS copy on disk';

/**
 * Fetches the JWKS as `run` does at start-up (saving it to the disk cache,
 * as run does) and reports it, its cache headers, and whether a start-up
 * without the network would find a copy.
 */
export async function checkJwks(config: CognitoConfig | null): Promise<Check[]> {
  if (!config) {
    const why = 'needs a valid configuration';
    return [check(JWKS, 'skip', why), check(CACHE, 'skip', why), check(COPY, 'skip', why)];
  }
  if (config.offline) {
    const why = '--offline: the network is not used';
    return [check(JWKS, 'skip', why), check(CACHE, 'skip', why), copyCheck(config, 'offline')];
  }
  let fetched: FetchedJwks;
  const started = Date.now();
  try {
    fetched = await fetchJwksDocument(config.jwksUrl);
  } catch (error) {
    if (!(error instanceof JwksError)) throw error;
    return [
      check(JWKS, 'fail', error.message, error.hint ?? 'check the user pool id, the region, --endpoint and the network'),
      check(CACHE, 'skip', 'the JWKS could not be fetched'),
      copyCheck(config, 'fetch-failed'),
    ];
  }
  const fetchMs = Date.now() - started;
  let saved: Check;
  try {
    const file = writeCachedJwks(config.cacheDir, config.jwksUrl, fetched.text, Date.now());
    saved = check(COPY, 'pass', `saved to ${file}; run starts from it when the JWKS cannot be fetched`);
  } catch (error) {
    saved = check(COPY, 'warn', `could not save a copy in ${config.cacheDir}: ${(error as Error).message}`, 'make the folder writable, or set --cache-dir; without a copy, run cannot start while the JWKS is unreachable');
  }
  return [keysCheck(config, fetched, fetchMs), check(CACHE, 'pass', summarizeCacheHeaders(fetched)), saved];
}

/** What run would find on disk when it cannot (or may not) fetch. */
function copyCheck(config: CognitoConfig, why: 'offline' | 'fetch-failed'): Check {
  const read = readCachedJwks(config.cacheDir, config.jwksUrl);
  if (read.kind === 'hit') {
    const { cached } = read;
    const detail = `${cached.file}, fetched ${describeAge(Date.now() - cached.fetchedAt)} ago, kids ${cached.jwks.keys.map((k) => printable(k.jwk.kid)).join(', ')}`;
    return why === 'offline'
      ? check(COPY, 'pass', `run --offline will use ${detail}`)
      : check(COPY, 'warn', `run would start from the cached copy ${detail}`, 'the copy only bridges an outage: fix access to the JWKS');
  }
  const problem = read.kind === 'miss' ? `no copy in ${config.cacheDir}` : `${read.file} cannot be used: ${read.problem}`;
  const hint = 'run any command once with the network (e.g. postgraphile-cognito keys) to save a copy';
  return why === 'offline'
    ? check(COPY, 'fail', `${problem}; run --offline would exit 3`, hint)
    : check(COPY, 'warn', `${problem}; run will exit 3 until the JWKS can be fetched`, hint);
}

function keysCheck(config: CognitoConfig, { jwks }: FetchedJwks, ms: number): Check {
  const kids = jwks.keys.map((k) => k.jwk.kid);
  const shown = kids.map((kid) => printable(kid)).join(', ');
  const detail = `${config.jwksUrl} answered in ${ms} ms with ${kids.length} usable RS256 key(s): ${shown}`;
  if (config.kid !== null && !kids.includes(config.kid)) {
    return check(JWKS, 'fail', `${detail}; but --kid ${printable(config.kid)} is not one of them`, `pick one of ${shown} or drop --kid (run and args then use the first key)`);
  }
  if (jwks.skipped.length > 0) {
    return check(JWKS, 'warn', `${detail}; skipped ${jwks.skipped.join('; ')}`, 'tokens signed with a skipped key are refused');
  }
  return check(JWKS, 'pass', detail);
}

/** One line about how long the answer may be cached, from its Cache-Control, Expires and Age headers. */
export function summarizeCacheHeaders(headers: Pick<FetchedJwks, 'cacheControl' | 'expires' | 'age'>): string {
  const parts: string[] = [];
  if (headers.cacheControl !== undefined) {
    const maxAge = /(?:^|[,\s])max-age\s*=\s*"?(\d+)/i.exec(headers.cacheControl);
    const seconds = maxAge ? Number(maxAge[1]) : null;
    parts.push(`Cache-Control: ${headers.cacheControl}${seconds !== null ? ` (${duration(seconds)})` : ''}`);
  }
  if (headers.expires !== undefined) parts.push(`Expires: ${headers.expires}`);
  if (headers.age !== undefined) parts.push(`Age: ${headers.age}`);
  if (parts.length === 0) {
    return 'no cache headers; the keys are kept in memory and fetched again when a token names an unknown kid';
  }
  return parts.join('; ');
}

function duration(seconds: number): string {
  if (seconds === 0) return 'not to be cached';
  const units: [number, string][] = [[86_400, 'd'], [3_600, 'h'], [60, 'min']];
  for (const [size, unit] of units) if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}`;
  return `${seconds} s`;
}
