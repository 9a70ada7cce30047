import { RsaJwk } from './validate';

/** The PEM (SPKI "PUBLIC KEY") of one RSA JWK. */
export function pemOf(jwk: RsaJwk): string {
  // Loaded on first use: 30 ms and 10 MiB that keys, verify and doctor never need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const jwkToPem = require('jwk-to-pem') as typeof import('jwk-to-pem');
  return jwkToPem({ kty: 'RSA', n: jwk.n, e: jwk.e });
}
