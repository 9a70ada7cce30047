import type { CognitoConfig, TrustedIssuer } from '../config/types';
import { JwksError } from '../errors';
import { JwksLoader } from './cache';
import { discover } from './discovery';
import { FetchOptions, ISSUER_JWKS, POOL_JWKS, REFETCH } from './fetch';
import { KeysConfig, KeySource, LoadedKeys, loadKeys, LoadOptions, refetchLoader, Warn } from './load';
import type { ValidatedJwks } from './validate';

/** What the start-up knows of one trusted issuer's keys. */
export interface IssuerKeys {
  readonly issuer: TrustedIssuer;
  /** Where its keys are: derived for a pool, the discovery document's jwks_uri for an OpenID issuer; null while unknown. */
  readonly jwksUrl: string | null;
  /** The keys at start-up; null when there are none (yet). */
  readonly loaded: LoadedKeys | null;
  /** Why there are none: for a pool's UPDATED form that is not in use, its JWKS answers HTTP 403. */
  readonly failure: JwksError | null;
  /** For an OpenID issuer: where its discovery document came from. */
  readonly discovery?: KeySource;
}

/**
 * A pool's UPDATED form is only probed: a pool not switched to it answers
 * 403 there (aws-jwt-verify#279), so one quick try, and its failure is no
 * failure of the pool.
 */
const PROBE: Required<FetchOptions> = { deadlineMs: 5_000, attemptTimeoutMs: 5_000, attempts: 1 };

type Global = Pick<CognitoConfig, 'cacheDir' | 'offline'>;

/** The JWKS of `issuer` at `jwksUrl`: which algorithms count, and which messages apply. */
export function keysConfigFor(issuer: TrustedIssuer, jwksUrl: string, global: Global): KeysConfig {
  return { jwksUrl, cacheDir: global.cacheDir, offline: global.offline, accept: issuer.algorithms, kind: issuer.kind === 'oidc' ? ISSUER_JWKS : POOL_JWKS };
}

/** Whether a start-up may go on without this issuer's keys: only a pool's UPDATED form, which the pool may not use. */
export function isOptional(issuer: TrustedIssuer): boolean {
  return issuer.kind === 'cognito' && issuer.form === 'updated';
}

/**
 * The keys of every trusted issuer at start-up, all at once: each from the
 * network, else its copy on disk (see loadKeys), an OpenID issuer's after
 * its discovery document. Every pool and issuer must have keys (a pool in
 * either form), else the first failure is thrown (exit 3): a server that
 * started without them would hide a mistake in its configuration.
 */
export async function loadTrustedKeys(config: Pick<CognitoConfig, 'issuers' | 'cacheDir' | 'offline'>, warn: Warn, options: LoadOptions = {}): Promise<IssuerKeys[]> {
  const all = await Promise.all(config.issuers.map((issuer) => loadIssuerKeys(issuer, config, warn, options)));
  const failure = startupFailure(all);
  if (failure) throw failure;
  return all;
}

/** The failure of the first pool or issuer that has no keys in any form, or null: a start-up must stop on it. */
export function startupFailure(all: readonly IssuerKeys[]): JwksError | null {
  for (const { issuer } of all) {
    const forms = all.filter((k) => k.issuer.kind === issuer.kind && k.issuer.id === issuer.id);
    if (forms.every((k) => k.loaded === null)) return forms.find((k) => !isOptional(k.issuer))?.failure ?? forms[0]!.failure!;
  }
  return null;
}

/** One issuer's keys at start-up; a failure is returned, not thrown (see loadTrustedKeys). */
export async function loadIssuerKeys(issuer: TrustedIssuer, global: Global, warn: Warn, options: LoadOptions = {}): Promise<IssuerKeys> {
  const optional = isOptional(issuer);
  // The probe's failures are expected (403 for a pool not switched), so they warn about nothing.
  const say: Warn = optional ? () => {} : warn;
  const load = optional ? { ...options, fetch: PROBE } : options;
  let jwksUrl: string | null = issuer.kind === 'cognito' ? issuer.jwksUrl : null;
  let discovery: KeySource | undefined;
  try {
    if (issuer.kind === 'oidc') {
      const found = await discover(issuer, global, say, load);
      jwksUrl = found.jwksUri;
      discovery = found.source;
    }
    const loaded = await loadKeys(keysConfigFor(issuer, jwksUrl!, global), say, load);
    return { issuer, jwksUrl, loaded, failure: null, ...(discovery ? { discovery } : {}) };
  } catch (error) {
    if (!(error instanceof JwksError)) throw error;
    return { issuer, jwksUrl, loaded: null, failure: error, ...(discovery ? { discovery } : {}) };
  }
}

/**
 * How an issuer's key cache loads while serving (an unknown kid, or no keys
 * yet): one quick try, saved to disk; offline, its copy on disk. An OpenID
 * issuer whose discovery document was not read yet reads it first.
 */
export function issuerLoader(issuer: TrustedIssuer, global: Global, warn: Warn, known: string | null): JwksLoader {
  let jwksUrl = known;
  let loader: JwksLoader | null = jwksUrl ? refetchLoader(keysConfigFor(issuer, jwksUrl, global), warn) : null;
  return async () => {
    if (!loader) {
      if (issuer.kind !== 'oidc') throw new Error('a pool always knows its JWKS URL');
      jwksUrl = (await discover(issuer, global, warn, { fetch: REFETCH })).jwksUri;
      loader = refetchLoader(keysConfigFor(issuer, jwksUrl, global), warn);
    }
    return loader();
  };
}

/** Keys one has already (a test, a script, a JWKS shipped with the app), as if loaded at start-up for `issuer`. */
export function givenKeys(issuer: TrustedIssuer, jwks: ValidatedJwks, fetchedAt: number = Date.now()): IssuerKeys {
  const jwksUrl = issuer.kind === 'cognito' ? issuer.jwksUrl : null;
  return { issuer, jwksUrl, loaded: { jwks, source: { kind: 'network' }, startedAt: fetchedAt }, failure: null };
}
