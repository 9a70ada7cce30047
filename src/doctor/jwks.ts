import type { CognitoConfig } from '../config';
import { JwksError } from '../errors';
import { fetchJwksDocument, FetchedJwks } from '../jwks';
import { Check, check } from './check';

const JWKS = 'JWKS';
const CACHE = 'JWKS cache headers';

/** Fetches the JWKS as `run` does at start-up and reports it and its cache headers. */
export async function checkJwks(config: CognitoConfig | null): Promise<Check[]> {
  if (!config) {
    const why = 'needs a valid configuration';
    return [check(JWKS, 'skip', why), check(CACHE, 'skip', why)];
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
    ];
  }
  return [keysCheck(config, fetched, Date.now() - started), check(CACHE, 'pass', summarizeCacheHeaders(fetched))];
}

function keysCheck(config: CognitoConfig, { jwks }: FetchedJwks, ms: number): Check {
  const kids = jwks.keys.map((k) => k.jwk.kid);
  const detail = `${config.jwksUrl} answered in ${ms} ms with ${kids.length} usable RS256 key(s): ${kids.join(', ')}`;
  if (config.kid !== null && !kids.includes(config.kid)) {
    return check(JWKS, 'fail', `${detail}; but --kid ${config.kid} is not one of them`, `pick one of ${kids.join(', ')} or drop --kid (run and args then use the first key)`);
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
