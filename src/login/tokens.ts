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

/** A JWT's exp in seconds, read without verifying (these tokens came straight from Cognito); null if none. */
export function expiryOf(token: string): number | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
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
