import type { CognitoConfig } from '../config';
import { IssuerKeys, KeyCache } from '../jwks';
import { TokenVerifier, TrustedVerifier } from '../verify';

/**
 * A verifier over keys already loaded, that never fetches: `verify` checks a
 * token against exactly the keys a server would start with. An issuer with no
 * keys (a pool's UPDATED form not in use) refuses its tokens as keys unavailable.
 */
export function verifierOver(config: Pick<CognitoConfig, 'issuers' | 'clockTolerance'>, keys: readonly IssuerKeys[]): TrustedVerifier {
  const byIssuer = new Map(keys.map((k) => [k.issuer.issuer, k]));
  return new TrustedVerifier(
    config.issuers.map((issuer) => {
      const loaded = byIssuer.get(issuer.issuer)?.loaded ?? null;
      const cache = new KeyCache(async () => {
        if (!loaded) throw new Error('no keys');
        return loaded.jwks;
      });
      if (loaded) cache.prime(loaded.jwks, loaded.startedAt);
      return new TokenVerifier(issuer, cache, config.clockTolerance);
    }),
  );
}
