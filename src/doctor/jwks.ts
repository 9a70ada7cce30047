import type { CognitoConfig, OidcIssuer, TrustedIssuer } from '../config';
import { JwksError } from '../errors';
import {
  describeAge,
  describeForm,
  DISCOVERY,
  fetchJsonDocument,
  fetchJwksDocument,
  FetchedJwks,
  groupBySource,
  isOptional,
  IssuerKeys,
  ISSUER_JWKS,
  POOL_JWKS,
  readCachedDiscovery,
  readCachedJwks,
  validateDiscovery,
  writeCachedDiscovery,
  writeCachedJwks,
} from '../jwks';
import { printable } from '../printable';
import { Check, check } from './check';

/** One pool with one issuer (an emulator's) keeps the plain names; otherwise each check names whose it is. */
function namesFor(issuer: TrustedIssuer, plain: boolean) {
  const whose = plain
    ? ''
    : issuer.kind === 'oidc'
      ? ` of ${issuer.issuer}`
      : ` of ${issuer.id}${issuer.form === 'endpoint' ? '' : ` (${issuer.form.toUpperCase()} issuer)`}`;
  return { jwks: `JWKS${whose}`, cache: `JWKS cache headers${whose}`, copy: `JWKS copy on disk${whose}`, discovery: `OpenID configuration${whose}`, form: `issuer form of ${issuer.id}` };
}

/**
 * Fetches every trusted issuer's JWKS as `run` does at start-up (an OpenID
 * issuer's after its discovery document; saving each to the disk cache, as
 * run does) and reports them, their cache headers, whether a start-up
 * without the network would find a copy, and for a pool on AWS which issuer
 * form its tokens use.
 */
export async function checkJwks(config: CognitoConfig | null): Promise<Check[]> {
  if (!config) {
    const why = 'needs a valid configuration';
    return [check('JWKS', 'skip', why), check('JWKS cache headers', 'skip', why), check('JWKS copy on disk', 'skip', why)];
  }
  const plain = config.issuers.length === 1;
  const results = await Promise.all(config.issuers.map((issuer) => checkIssuer(config, issuer, namesFor(issuer, plain))));
  const checks: Check[] = [];
  for (const forms of groupBySource(results.map((r) => r.keys))) {
    const first = forms[0]!.issuer;
    for (const form of forms) checks.push(...results.find((r) => r.keys === form)!.checks);
    const form = describeForm(forms);
    if (form) checks.push(check(namesFor(first, plain).form, forms.some((k) => k.loaded) ? 'pass' : 'fail', form));
  }
  return checks;
}

interface IssuerResult {
  checks: Check[];
  /** What was fetched, as the start-up line sees it. */
  keys: IssuerKeys;
}

async function checkIssuer(config: CognitoConfig, issuer: TrustedIssuer, names: ReturnType<typeof namesFor>): Promise<IssuerResult> {
  const none = (failure: JwksError | null, jwksUrl: string | null = null): IssuerKeys => ({ issuer, jwksUrl, loaded: null, failure });
  const checks: Check[] = [];
  let jwksUrl: string;
  if (issuer.kind === 'oidc') {
    const found = await checkDiscovery(config, issuer, names.discovery);
    checks.push(found.check);
    if (!found.jwksUri) {
      const why = 'the OpenID configuration gave no jwks_uri';
      return { checks: [...checks, check(names.jwks, 'skip', why), check(names.cache, 'skip', why)], keys: none(found.failure) };
    }
    jwksUrl = found.jwksUri;
  } else {
    jwksUrl = issuer.jwksUrl;
  }
  const cacheConfig = { cacheDir: config.cacheDir, jwksUrl, accept: issuer.algorithms };
  if (config.offline) {
    const why = '--offline: the network is not used';
    const copy = copyCheck(cacheConfig, 'offline', names.copy, isOptional(issuer));
    const read = readCachedJwks(config.cacheDir, jwksUrl, issuer.algorithms);
    const keys: IssuerKeys =
      read.kind === 'hit'
        ? { issuer, jwksUrl, loaded: { jwks: read.cached.jwks, source: { kind: 'cache', fetchedAt: read.cached.fetchedAt, file: read.cached.file, why: 'offline' }, startedAt: Date.now() }, failure: null }
        : none(null, jwksUrl);
    return { checks: [...checks, check(names.jwks, 'skip', why), check(names.cache, 'skip', why), copy], keys };
  }
  let fetched: FetchedJwks;
  const started = Date.now();
  try {
    fetched = await fetchJwksDocument(jwksUrl, {}, issuer.algorithms, issuer.kind === 'oidc' ? ISSUER_JWKS : POOL_JWKS);
  } catch (error) {
    if (!(error instanceof JwksError)) throw error;
    if (isOptional(issuer)) {
      // A pool not switched to the UPDATED form answers 403 there: not a fault (see the issuer form check).
      return { checks: [check(names.jwks, 'pass', `${jwksUrl}: ${error.reason}; this form is not in use`)], keys: none(error, jwksUrl) };
    }
    return {
      checks: [
        ...checks,
        check(names.jwks, 'fail', error.message, error.hint ?? 'check the user pool id, the region, --endpoint and the network'),
        check(names.cache, 'skip', 'the JWKS could not be fetched'),
        copyCheck(cacheConfig, 'fetch-failed', names.copy, false),
      ],
      keys: none(error, jwksUrl),
    };
  }
  const fetchMs = Date.now() - started;
  let saved: Check;
  try {
    const file = writeCachedJwks(config.cacheDir, jwksUrl, fetched.text, Date.now());
    saved = check(names.copy, 'pass', `saved to ${file}; run starts from it when the JWKS cannot be fetched`);
  } catch (error) {
    saved = check(names.copy, 'warn', `could not save a copy in ${config.cacheDir}: ${(error as Error).message}`, 'make the folder writable, or set --cache-dir; without a copy, run cannot start while the JWKS is unreachable');
  }
  const keys: IssuerKeys = { issuer, jwksUrl, loaded: { jwks: fetched.jwks, source: { kind: 'network' }, startedAt: started }, failure: null };
  return { checks: [...checks, keysCheck(config, jwksUrl, fetched, fetchMs, names.jwks), check(names.cache, 'pass', summarizeCacheHeaders(fetched)), saved], keys };
}

/** The discovery document as run reads it: fetched, its issuer exactly the configured one, its jwks_uri https. */
async function checkDiscovery(config: CognitoConfig, issuer: OidcIssuer, name: string): Promise<{ check: Check; jwksUri: string | null; failure: JwksError | null }> {
  const url = issuer.discoveryUrl;
  if (config.offline) {
    const read = readCachedDiscovery(config.cacheDir, url);
    if (read.kind !== 'hit') {
      const problem = read.kind === 'miss' ? `no copy in ${config.cacheDir}` : `${read.file} cannot be used: ${read.problem}`;
      return { check: check(name, 'fail', `${problem}; run --offline would exit 3`, 'run any command once with the network to save a copy'), jwksUri: null, failure: null };
    }
    try {
      const jwksUri = validateDiscovery(read.doc.document, url, issuer.issuer);
      return { check: check(name, 'pass', `run --offline will use ${read.file}, fetched ${describeAge(Date.now() - read.fetchedAt)} ago: keys at ${jwksUri}`), jwksUri, failure: null };
    } catch (error) {
      if (!(error instanceof JwksError)) throw error;
      return { check: check(name, 'fail', error.message, error.hint), jwksUri: null, failure: error };
    }
  }
  try {
    const { doc, text } = await fetchJsonDocument(url, DISCOVERY);
    const jwksUri = validateDiscovery(doc, url, issuer.issuer);
    let saved = '';
    try {
      saved = `; saved to ${writeCachedDiscovery(config.cacheDir, url, text, Date.now())}`;
    } catch (error) {
      saved = `; could not save a copy (${(error as Error).message})`;
    }
    return { check: check(name, 'pass', `${url}: issuer ${issuer.issuer}, keys at ${jwksUri}${saved}`), jwksUri, failure: null };
  } catch (error) {
    if (!(error instanceof JwksError)) throw error;
    return { check: check(name, 'fail', error.message, error.hint ?? 'check --issuer and the network'), jwksUri: null, failure: error };
  }
}

/** What run would find on disk when it cannot (or may not) fetch. */
function copyCheck(config: { cacheDir: string; jwksUrl: string; accept: TrustedIssuer['algorithms'] }, why: 'offline' | 'fetch-failed', name: string, optional: boolean): Check {
  const read = readCachedJwks(config.cacheDir, config.jwksUrl, config.accept);
  if (read.kind === 'hit') {
    const { cached } = read;
    const detail = `${cached.file}, fetched ${describeAge(Date.now() - cached.fetchedAt)} ago, kids ${cached.jwks.keys.map((k) => printable(k.jwk.kid)).join(', ')}`;
    return why === 'offline'
      ? check(name, 'pass', `run --offline will use ${detail}`)
      : check(name, 'warn', `run would start from the cached copy ${detail}`, 'the copy only bridges an outage: fix access to the JWKS');
  }
  const problem = read.kind === 'miss' ? `no copy in ${config.cacheDir}` : `${read.file} cannot be used: ${read.problem}`;
  const hint = 'run any command once with the network (e.g. postgraphile-cognito keys) to save a copy';
  // A pool's UPDATED form has keys only once the pool is switched to it: no copy is no fault.
  if (optional) return check(name, 'pass', `${problem}; this form's tokens are accepted once it serves keys`);
  return why === 'offline'
    ? check(name, 'fail', `${problem}; run --offline would exit 3`, hint)
    : check(name, 'warn', `${problem}; run will exit 3 until the JWKS can be fetched`, hint);
}

function keysCheck(config: CognitoConfig, jwksUrl: string, { jwks }: FetchedJwks, ms: number, name: string): Check {
  const kids = jwks.keys.map((k) => k.jwk.kid);
  const shown = kids.map((kid) => printable(kid)).join(', ');
  const algs = [...new Set(jwks.keys.map((k) => (k.jwk.kty === 'RSA' ? 'RS256' : 'ES256')))].join('/');
  const detail = `${jwksUrl} answered in ${ms} ms with ${kids.length} usable ${algs} key(s): ${shown}`;
  if (config.kid !== null && !kids.includes(config.kid) && config.issuers.length === 1) {
    return check(name, 'fail', `${detail}; but --kid ${printable(config.kid)} is not one of them`, `pick one of ${shown} or drop --kid (run and args then use the first key)`);
  }
  if (jwks.skipped.length > 0) {
    return check(name, 'warn', `${detail}; skipped ${jwks.skipped.join('; ')}`, 'tokens signed with a skipped key are refused');
  }
  return check(name, 'pass', detail);
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
