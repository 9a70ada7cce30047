import { KeyNotFoundError, UsageError } from '../errors';
import { printable } from '../printable';
import { UsableKey } from './validate';

export interface KeySelector {
  kid?: string | null;
  /** The `kid` in the header of a token the user gave (`pem --for-token`). */
  tokenKid?: string | null;
  all?: boolean;
}

/**
 * Picks keys as `pem` and `args` do. Without a selector a single key is taken;
 * with several, the user must choose, because nothing in a JWKS says which key
 * signs which token type.
 */
export function selectKeys(keys: readonly UsableKey[], selector: KeySelector): UsableKey[] {
  const kids = keys.map((k) => printable(k.jwk.kid)).join(', ');
  const given = (value: unknown) => value !== undefined && value !== null && value !== false;
  const chosen = [selector.kid, selector.tokenKid, selector.all].filter(given).length;
  if (chosen > 1) throw new UsageError('use only one of --kid, --for-token and --all');
  if (selector.all) return [...keys];
  if (given(selector.tokenKid)) {
    const key = keys.find((k) => k.jwk.kid === selector.tokenKid);
    if (!key) {
      throw new KeyNotFoundError(
        // The kid comes from a token anyone can write: never raw on a terminal.
        `the token's kid "${printable(selector.tokenKid)}" is not in this pool's JWKS (kids: ${kids})`,
        'the token comes from another user pool or region, or the pool rotated its keys',
      );
    }
    return [key];
  }
  if (given(selector.kid)) {
    const key = keys.find((k) => k.jwk.kid === selector.kid);
    if (!key) {
      throw new KeyNotFoundError(`no key with kid "${printable(selector.kid)}" in the JWKS`, `the pool's kids are: ${kids}`);
    }
    return [key];
  }
  if (keys.length === 1) return [keys[0]!];
  throw new UsageError(
    `the JWKS has ${keys.length} keys (kids: ${kids}) and nothing says which one you need`,
    'choose with --kid KID, or --for-token JWT to take the key that signed a token of the type you use, or --all for every key',
  );
}
