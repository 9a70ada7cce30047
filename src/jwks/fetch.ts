import type { AxiosError } from 'axios';
import { getProxyForUrl } from 'proxy-from-env';
import { redact } from '../config/urls';
import type { SigningAlgorithm } from '../config/types';
import { DiscoveryError, JwksError, messageOf } from '../errors';
import { boundedRequest } from '../http';
import { pauseAt, TIMING } from '../timing';
import { validateJwks, ValidatedJwks } from './validate';

/** What is being fetched, for messages that say what to check. */
export interface DocumentKind {
  /** "a JWKS", "an OpenID configuration". */
  readonly name: string;
  /** Where a redirect should have been avoided, and what to check. */
  readonly redirectHint: string;
  readonly notFound: { readonly cause: string; readonly hint: string };
  readonly notJsonHint: string;
  readonly fail: (url: string, reason: string, hint?: string, final?: boolean) => JwksError;
}

/** A Cognito pool's JWKS, at a URL derived from --user-pool-id, --region and --endpoint. */
export const POOL_JWKS: DocumentKind = {
  name: 'a JWKS',
  redirectHint: 'the JWKS must be served at the URL itself; check --endpoint',
  notFound: { cause: 'HTTP 404 (no such user pool at this endpoint)', hint: 'check --user-pool-id, --region and --endpoint' },
  notJsonHint: 'is the endpoint a Cognito endpoint?',
  fail: (url, reason, hint, final) => new JwksError(url, reason, hint, final),
};

/** An OpenID issuer's JWKS, at the jwks_uri of its discovery document. */
export const ISSUER_JWKS: DocumentKind = {
  name: 'a JWKS',
  redirectHint: "the JWKS must be served at the issuer's jwks_uri itself",
  notFound: { cause: 'HTTP 404 (no JWKS at the jwks_uri of the discovery document)', hint: "check the issuer's configuration: its jwks_uri does not serve keys" },
  notJsonHint: 'is the jwks_uri of the discovery document right?',
  fail: (url, reason, hint, final) => new JwksError(url, reason, hint, final),
};

/** `{issuer}/.well-known/openid-configuration`. */
export const DISCOVERY: DocumentKind = {
  name: 'an OpenID configuration',
  redirectHint: 'the document must be served at {issuer}/.well-known/openid-configuration itself; check --issuer (a trailing slash counts)',
  notFound: { cause: 'HTTP 404 (no OpenID configuration for this issuer)', hint: 'check --issuer: the document is read from {issuer}/.well-known/openid-configuration' },
  notJsonHint: 'is --issuer the URL of an OpenID Connect issuer?',
  fail: (url, reason, hint, final) => new DiscoveryError(url, reason, hint, final),
};

export interface FetchOptions {
  /** Everything, retries included, ends within this many milliseconds. */
  deadlineMs?: number;
  /** Longest single attempt. */
  attemptTimeoutMs?: number;
  attempts?: number;
}

/** Start-up defaults: a dead or silent endpoint fails well within 20 s. */
export const STARTUP_FETCH: Required<FetchOptions> = { deadlineMs: TIMING.startupFetchDeadlineMs, attemptTimeoutMs: TIMING.fetchAttemptTimeoutMs, attempts: 3 };
/** While serving: one quick try, so a request never waits long on a dead endpoint. */
export const REFETCH: Required<FetchOptions> = { deadlineMs: TIMING.refetchDeadlineMs, attemptTimeoutMs: TIMING.fetchAttemptTimeoutMs, attempts: 1 };

const MAX_BYTES = 1024 * 1024;

/** A fetched and validated JWKS, with what the disk cache and `doctor` need from the answer. */
export interface FetchedJwks {
  jwks: ValidatedJwks;
  /** The document exactly as served, for the disk cache. */
  text: string;
  /** The answer's cache headers, when it had them. */
  cacheControl?: string;
  expires?: string;
  age?: string;
}

/** Fetches, parses and validates a JWKS, or throws a JwksError naming the URL and cause. */
export async function fetchJwks(url: string, options: FetchOptions = {}, accept?: readonly SigningAlgorithm[], kind: DocumentKind = POOL_JWKS): Promise<ValidatedJwks> {
  return (await fetchJwksDocument(url, options, accept, kind)).jwks;
}

/** Like fetchJwks, also returning the document's text and cache headers. */
export async function fetchJwksDocument(url: string, options: FetchOptions = {}, accept?: readonly SigningAlgorithm[], kind: DocumentKind = POOL_JWKS): Promise<FetchedJwks> {
  const { doc, text, headers } = await fetchJsonDocument(url, kind, options);
  return { jwks: validateJwks(doc, url, accept), text, ...headers };
}

export interface FetchedDocument {
  /** Parsed JSON, not yet checked. */
  doc: unknown;
  /** The document exactly as served. */
  text: string;
  headers: Pick<FetchedJwks, 'cacheControl' | 'expires' | 'age'>;
}

/**
 * GETs a JSON document with the start-up (or refetch) patience, without
 * following redirects and at most 1 MiB, or throws the kind's JwksError
 * naming the URL and cause.
 */
export async function fetchJsonDocument(url: string, kind: DocumentKind, options: FetchOptions = {}): Promise<FetchedDocument> {
  const { deadlineMs, attemptTimeoutMs, attempts } = { ...STARTUP_FETCH, ...options };
  const started = Date.now();
  const deadline = started + deadlineMs;
  const proxy = proxyFor(url);
  const via = proxy ? ` through proxy ${proxy}` : '';
  let lastCause = 'no attempt made';
  let made = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    made = attempt;
    const outcome = await attemptFetch(url, Math.min(attemptTimeoutMs, remaining), kind);
    if (outcome.kind === 'ok') {
      const { doc, text, headers } = outcome;
      return { doc, text, headers };
    }
    lastCause = outcome.cause;
    if (!outcome.retry) throw kind.fail(url, `${outcome.cause}${via}`, outcome.hint, outcome.final);
    const pause = pauseAt(TIMING.fetchBackoffMs, attempt - 1);
    if (attempt < attempts && deadline - Date.now() > pause) {
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
  throw kind.fail(
    url,
    `${lastCause}${via} (gave up after ${made} attempt${made === 1 ? '' : 's'} in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    proxy ? 'check the proxy (HTTPS_PROXY / HTTP_PROXY, NO_PROXY) and the endpoint' : 'check the network and the endpoint',
  );
}

type Outcome =
  | { kind: 'ok'; doc: unknown; text: string; headers: Pick<FetchedJwks, 'cacheControl' | 'expires' | 'age'> }
  | { kind: 'fail'; cause: string; retry: boolean; hint?: string; final?: boolean };

async function attemptFetch(url: string, timeoutMs: number, kind: DocumentKind): Promise<Outcome> {
  let response;
  try {
    // Loaded on first use: 70 ms and 18 MiB that --offline and a server that never refetches do not need.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const axios = require('axios') as typeof import('axios');
    response = await axios.get<string>(url, { ...boundedRequest(timeoutMs, MAX_BYTES), headers: { accept: 'application/json' } });
  } catch (error) {
    return describeNetworkError(error, timeoutMs);
  }
  const { status } = response;
  if (status >= 500) return { kind: 'fail', cause: `HTTP ${status}`, retry: true };
  if (status >= 300 && status < 400) {
    const location = String(response.headers.location ?? '');
    return {
      kind: 'fail',
      cause: `HTTP ${status} redirect${location ? ` to ${redact(location)}` : ''}, not followed`,
      retry: false,
      hint: kind.redirectHint,
    };
  }
  if (status === 404) return { kind: 'fail', ...kind.notFound, retry: false, final: true };
  if (status !== 200) return { kind: 'fail', cause: `HTTP ${status}`, retry: false };
  const text = String(response.data);
  const header = (name: string) => {
    const value = response.headers[name];
    return value === undefined || value === null ? undefined : String(value);
  };
  const headers = { cacheControl: header('cache-control'), expires: header('expires'), age: header('age') };
  for (const key of Object.keys(headers) as (keyof typeof headers)[]) if (headers[key] === undefined) delete headers[key];
  try {
    return { kind: 'ok', doc: JSON.parse(text), text, headers };
  } catch {
    if (/html/i.test(header('content-type') ?? '') || /^\s*</.test(text)) {
      return { kind: 'fail', cause: `the answer is an HTML page, not ${kind.name}`, retry: false, hint: 'a proxy or captive portal may be answering; check --endpoint and HTTPS_PROXY' };
    }
    return { kind: 'fail', cause: 'the answer is not valid JSON', retry: false, hint: kind.notJsonHint };
  }
}

function describeNetworkError(error: unknown, timeoutMs: number): Outcome {
  const code = (error as AxiosError)?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
  const seconds = Math.round(timeoutMs / 100) / 10;
  switch (code) {
    case 'ENOTFOUND':
      return { kind: 'fail', cause: 'host not found (DNS)', retry: false, hint: 'check the region, the endpoint, and DNS on this machine' };
    case 'EAI_AGAIN':
      return { kind: 'fail', cause: 'DNS lookup failed temporarily', retry: true };
    case 'ECONNREFUSED':
      return { kind: 'fail', cause: 'connection refused', retry: true };
    case 'ECONNRESET':
    case 'EPIPE':
      return { kind: 'fail', cause: 'connection reset', retry: true };
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
    case 'ERR_CANCELED':
      return { kind: 'fail', cause: `no answer within ${seconds} s (timeout)`, retry: true };
    case 'ERR_BAD_RESPONSE':
    case 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED':
      if (/maxContentLength|max.?body/i.test(messageOf(error))) {
        return { kind: 'fail', cause: 'the answer is larger than 1 MiB', retry: false };
      }
      return { kind: 'fail', cause: 'the answer was cut off', retry: true };
    default: {
      const message = messageOf(error);
      if (/certificate|self.signed|SSL|TLS/i.test(message)) {
        return { kind: 'fail', cause: `TLS error: ${message}`, retry: false, hint: 'if a proxy inspects TLS, add its CA with NODE_EXTRA_CA_CERTS' };
      }
      return { kind: 'fail', cause: `${code ? `${code}: ` : ''}${message}`, retry: true };
    }
  }
}

/** The proxy axios will use for `url` (same rules: HTTPS_PROXY, HTTP_PROXY, NO_PROXY), credentials hidden. */
function proxyFor(url: string): string | null {
  const proxy = getProxyForUrl(url);
  return proxy ? redact(proxy) : null;
}
