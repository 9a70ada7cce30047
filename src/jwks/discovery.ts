import type { OidcIssuer } from '../config/types';
import { isLoopbackHost, redact } from '../config/urls';
import { DiscoveryError, JwksError } from '../errors';
import { printable } from '../printable';
import { describeAge, readCachedDiscovery, writeCachedDiscovery } from './disk-cache';
import { DISCOVERY, fetchJsonDocument, FetchOptions } from './fetch';
import type { KeySource, Warn } from './load';

/** What an OpenID issuer's discovery document says that we use: where its keys are. */
export interface Discovered {
  jwksUri: string;
  source: KeySource;
}

/**
 * Checks a discovery document (parsed JSON) for `issuer` and returns its
 * jwks_uri, or throws a DiscoveryError (exit 3): the document's issuer must
 * equal the configured one exactly (OpenID Connect Discovery 1.0, 4.3), and
 * the keys must be fetched over https (plain http only to this machine).
 */
export function validateDiscovery(doc: unknown, url: string, issuer: string): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new DiscoveryError(url, 'the document is not a JSON object', DISCOVERY.notJsonHint);
  }
  const document = doc as Record<string, unknown>;
  if (document.issuer !== issuer) {
    throw new DiscoveryError(
      url,
      // The document is whatever the host served: never raw on a terminal.
      `the document names the issuer ${typeof document.issuer === 'string' ? `"${printable(document.issuer)}"` : printable(document.issuer)}, not ${issuer}`,
      "--issuer must equal the document's issuer to the character (a trailing slash counts); tokens carry the same value in iss",
    );
  }
  const raw = document.jwks_uri;
  if (typeof raw !== 'string' || raw === '') {
    throw new DiscoveryError(url, 'the document has no jwks_uri', 'an OpenID issuer publishes its signing keys at the jwks_uri of this document');
  }
  let jwksUri: URL;
  try {
    jwksUri = new URL(raw);
  } catch {
    throw new DiscoveryError(url, `its jwks_uri "${printable(raw)}" is not a URL`);
  }
  const shown = printable(redact(raw));
  if (jwksUri.protocol !== 'https:' && !(jwksUri.protocol === 'http:' && isLoopbackHost(jwksUri.hostname))) {
    throw new DiscoveryError(
      url,
      `its jwks_uri ${shown} is not https`,
      'keys that decide which tokens pass are fetched over https only (plain http only to this machine)',
    );
  }
  if (jwksUri.username || jwksUri.password || jwksUri.hash) {
    throw new DiscoveryError(url, `its jwks_uri ${shown} carries credentials or a fragment`);
  }
  return jwksUri.href;
}

export interface DiscoverOptions {
  fetch?: FetchOptions;
  /** Use a cached document younger than this without fetching first. */
  freshForMs?: number;
}

/**
 * Where an OpenID issuer's keys are: its discovery document fetched (and
 * saved next to the JWKS copies), else the copy on disk with a warning that
 * gives its age; with --offline the copy only. Like the JWKS, a 404 is the
 * issuer's own answer and no copy stands in.
 */
export async function discover(issuer: OidcIssuer, cache: { cacheDir: string; offline: boolean }, warn: Warn, options: DiscoverOptions = {}): Promise<Discovered> {
  const url = issuer.discoveryUrl;
  const started = Date.now();
  if (cache.offline) return fromCopy(issuer, cache.cacheDir, 'offline', null);
  if (options.freshForMs) {
    const read = readCachedDiscovery(cache.cacheDir, url);
    const age = read.kind === 'hit' ? started - read.fetchedAt : -1;
    if (read.kind === 'hit' && age >= 0 && age < options.freshForMs) {
      try {
        return fromCopy(issuer, cache.cacheDir, 'fresh', null);
      } catch {
        // An unusable copy: ask the network as usual.
      }
    }
  }
  try {
    const { doc, text } = await fetchJsonDocument(url, DISCOVERY, options.fetch);
    const jwksUri = validateDiscovery(doc, url, issuer.issuer);
    try {
      writeCachedDiscovery(cache.cacheDir, url, text, Date.now());
    } catch (error) {
      warn(`could not save the OpenID configuration of ${issuer.issuer} to the cache in ${cache.cacheDir} (${(error as Error).message}); a start-up without the network will not be possible`);
    }
    return { jwksUri, source: { kind: 'network' } };
  } catch (error) {
    if (!(error instanceof JwksError) || error.final) throw error;
    return fromCopy(issuer, cache.cacheDir, 'fetch-failed', error, warn);
  }
}

function fromCopy(issuer: OidcIssuer, cacheDir: string, why: 'offline' | 'fetch-failed' | 'fresh', failure: JwksError | null, warn?: Warn): Discovered {
  const url = issuer.discoveryUrl;
  const read = readCachedDiscovery(cacheDir, url);
  const refill = 'run any command once with the network (e.g. postgraphile-cognito keys) to fill the cache, or drop --offline';
  if (read.kind !== 'hit') {
    if (failure) {
      if (read.kind === 'unusable') warn?.(`ignoring the cached OpenID configuration ${read.file}: ${read.problem}`);
      throw failure;
    }
    if (read.kind === 'miss') throw new DiscoveryError(url, `offline, and there is no cached copy in ${cacheDir}`, refill);
    throw new DiscoveryError(url, `offline, and the cached copy ${read.file} cannot be used: ${read.problem}`, `delete that file, then ${refill}`);
  }
  // The copy is checked as the fetched document is: it may be from a time the issuer was configured otherwise.
  const jwksUri = validateDiscovery(read.doc.document, url, issuer.issuer);
  if (failure) warn?.(`${failure.message}; using the cached copy from ${describeAge(Date.now() - read.fetchedAt)} ago (${read.file})`);
  return { jwksUri, source: { kind: 'cache', fetchedAt: read.fetchedAt, file: read.file, why } };
}
