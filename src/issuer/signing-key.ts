import { generateKeyPairSync, KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** The public half as a Cognito JWKS publishes it. */
export interface PublicJwk {
  kty: 'RSA';
  kid: string;
  n: string;
  e: string;
  alg: 'RS256';
  use: 'sig';
}

/** An RSA key pair that signs RS256 tokens with its kid in the header, as a Cognito pool key does. */
export class SigningKey {
  readonly privateKey: KeyObject;
  readonly jwk: PublicJwk;

  constructor(readonly kid: string) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { n, e } = publicKey.export({ format: 'jwk' });
    if (typeof n !== 'string' || typeof e !== 'string') throw new Error('node did not export the key modulus and exponent');
    this.privateKey = privateKey;
    this.jwk = { kty: 'RSA', kid, n, e, alg: 'RS256', use: 'sig' };
  }

  /**
   * Signs `payload` as it is. jsonwebtoken's `options` may add claims (issuer, expiresIn) or
   * change the header; an option set to undefined is left out (`keyid: undefined`: no kid).
   */
  sign(payload: Record<string, unknown>, options: jwt.SignOptions = {}): string {
    const merged: jwt.SignOptions = { algorithm: 'RS256', keyid: this.kid, ...options };
    for (const name of Object.keys(merged) as (keyof jwt.SignOptions)[]) if (merged[name] === undefined) delete merged[name];
    return jwt.sign(payload, this.privateKey, merged);
  }
}
