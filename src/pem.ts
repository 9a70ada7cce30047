import { KeyNotFoundError, UsageError } from './errors';
import { RsaJwk, UsableKey } from './jwks';

/** The PEM (SPKI "PUBLIC KEY") of one RSA JWK. */
export function pemOf(jwk: RsaJwk): string {
  // Loaded on first use: 30 ms and 10 MiB that keys, verify and doctor never need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const jwkToPem = require('jwk-to-pem') as typeof import('jwk-to-pem');
  return jwkToPem({ kty: 'RSA', n: jwk.n, e: jwk.e });
}

export interface KeySelector {
  kid?: string | null;
  /** A JWT whose header `kid` names the key. */
  forToken?: string | null;
  all?: boolean;
}

/**
 * Picks keys as `pem` and `args` do. Without a selector a single key is taken;
 * with several, the user must choose, because nothing in a JWKS says which key
 * signs which token type.
 */
export function selectKeys(keys: readonly UsableKey[], selector: KeySelector): UsableKey[] {
  const kids = keys.map((k) => k.jwk.kid);
  const given = (value: unknown) => value !== undefined && value !== null && value !== false;
  const chosen = [selector.kid, selector.forToken, selector.all].filter(given).length;
  if (chosen > 1) throw new UsageError('use only one of --kid, --for-token and --all');
  if (selector.all) return [...keys];
  if (given(selector.forToken)) {
    const kid = kidOfToken(selector.forToken!);
    const key = keys.find((k) => k.jwk.kid === kid);
    if (!key) {
      throw new KeyNotFoundError(
        `the token's kid "${kid}" is not in this pool's JWKS (kids: ${kids.join(', ')})`,
        'the token comes from another user pool or region, or the pool rotated its keys',
      );
    }
    return [key];
  }
  if (given(selector.kid)) {
    const key = keys.find((k) => k.jwk.kid === selector.kid);
    if (!key) {
      throw new KeyNotFoundError(`no key with kid "${selector.kid}" in the JWKS`, `the pool's kids are: ${kids.join(', ')}`);
    }
    return [key];
  }
  if (keys.length === 1) return [keys[0]!];
  throw new UsageError(
    `the JWKS has ${keys.length} keys (kids: ${kids.join(', ')}) and nothing says which one you need`,
    'choose with --kid KID, or --for-token JWT to take the key that signed a token of the type you use, or --all for every key',
  );
}

/** Reads the `kid` from a JWT header without verifying anything. */
export function kidOfToken(token: string): string {
  const header = decodeJwtHeader(token);
  if (!header || typeof header.kid !== 'string' || header.kid === '') {
    throw new UsageError('--for-token is not a JWT with a kid in its header', 'pass a Cognito access or ID token (three base64url parts separated by dots)');
  }
  return header.kid;
}

/** The parsed JWT header, or null when `token` is not shaped like a JWT. */
export function decodeJwtHeader(token: string): Record<string, unknown> | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[0] ?? '')) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header) ? (header as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
