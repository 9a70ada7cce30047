import { issuerDifference } from '../config';
import { printable } from '../printable';
import type { TokenSet } from './sign-in';

/** What `login --json` prints. Expiry comes from each token's exp: cognito-local sends no ExpiresIn. */
export interface TokenOutput {
  flow: TokenSet['flow'];
  tokenType: 'Bearer';
  accessToken: string;
  /** ISO time, or null when the token states no exp. */
  accessTokenExpiresAt: string | null;
  idToken: string;
  idTokenExpiresAt: string | null;
  /** null after a refresh: Cognito keeps the refresh token it had issued. */
  refreshToken: string | null;
  /** Seconds until the access token expires, as Cognito's ExpiresIn. */
  expiresIn: number | null;
}

/** A claim of a JWT, read without verifying (these tokens came straight from Cognito); undefined if none. */
function claimOf(token: string, name: string): unknown {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

/** A JWT's exp in seconds; null if none. */
export function expiryOf(token: string): number | null {
  const exp = claimOf(token, 'exp');
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
}

/**
 * A warning when the tokens name another issuer than the one run checks:
 * an emulator signs for the host it was started on (127.0.0.1 and localhost
 * differ), so --endpoint must be exactly that; and cognito-local signs in
 * whatever pool id it is given, with the client's own pool in the tokens.
 */
export function issuerMismatch(tokens: Pick<TokenSet, 'accessToken'>, expectedIssuers: readonly string[]): string | null {
  const iss = claimOf(tokens.accessToken, 'iss');
  if (typeof iss !== 'string' || expectedIssuers.includes(iss)) return null;
  const shown = printable(iss);
  const expected = `run, verify and doctor expect ${expectedIssuers.join(' or ')} and will refuse them`;
  const otherPool = expectedIssuers.map((e) => issuerDifference(iss, e)).find((d) => d?.only === 'pool');
  if (otherPool?.only === 'pool') return `the tokens are of user pool ${printable(otherPool.pool)} (issuer ${shown}), but ${expected}; check --user-pool-id`;
  const endpoint = shown.replace(/\/[^/]*$/, '');
  return `the tokens name the issuer ${shown}, but ${expected}; set --endpoint ${endpoint} (the issuer without the pool id)`;
}

export function tokenOutput(tokens: TokenSet, now: number = Date.now()): TokenOutput {
  const iso = (exp: number | null) => (exp === null || !Number.isFinite(new Date(exp * 1000).getTime()) ? null : new Date(exp * 1000).toISOString());
  const accessExp = expiryOf(tokens.accessToken);
  return {
    flow: tokens.flow,
    tokenType: 'Bearer',
    accessToken: tokens.accessToken,
    accessTokenExpiresAt: iso(accessExp),
    idToken: tokens.idToken,
    idTokenExpiresAt: iso(expiryOf(tokens.idToken)),
    refreshToken: tokens.refreshToken,
    expiresIn: accessExp === null ? null : Math.max(0, Math.round(accessExp - now / 1000)),
  };
}
