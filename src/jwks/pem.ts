import { SigningJwk } from './validate';

/** The PEM (SPKI "PUBLIC KEY") of one RSA or EC JWK. */
export function pemOf(jwk: SigningJwk): string {
  // Loaded on first use: 30 ms and 10 MiB that keys, verify and doctor never need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const jwkToPem = require('jwk-to-pem') as typeof import('jwk-to-pem');
  return jwkToPem(jwk.kty === 'RSA' ? { kty: 'RSA', n: jwk.n, e: jwk.e } : { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y });
}
