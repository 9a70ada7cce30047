import jwt from 'jsonwebtoken';
import { CognitoConfig } from '../config';
import { KeyCache } from '../jwks';
import { decodeJwt, JsonObject } from './decode';
import { TokenRejectedError } from './rejection';

/** Verified claims: frozen, and only ever a JSON object. */
export type Claims = Readonly<Record<string, unknown>>;

type VerifierConfig = Pick<CognitoConfig, 'issuer' | 'tokenUse' | 'clientIds' | 'clockTolerance'>;

/** The verification rules of aws-jwt-verify's CognitoJwtVerifier, on our key cache, and stricter where it is lax. */
export class CognitoVerifier {
  constructor(
    private readonly config: VerifierConfig,
    private readonly keys: KeyCache,
  ) {}

  async verify(token: string): Promise<Claims> {
    const { config } = this;
    const { header, payload: unverified } = decodeJwt(token);
    if (header.alg !== 'RS256') throw new TokenRejectedError('algorithm', 'algorithm is not RS256');
    // RFC 7515 4.1.11: a critical extension the verifier does not understand must be refused; we understand none.
    if (header.crit !== undefined) throw new TokenRejectedError('malformed', 'unsupported critical header');
    if (typeof header.kid !== 'string' || header.kid === '') throw new TokenRejectedError('no_kid', 'no kid in the token header');
    // Claim types before the signature (on the unverified payload): a refusal either way, and
    // jsonwebtoken's own type errors would otherwise surface only as an unnamed failure.
    checkClaimTypes(unverified);

    const key = await this.keys.getKey(header.kid);
    if (!key) {
      if (!this.keys.hasKeys) throw new TokenRejectedError('keys_unavailable', 'the JWKS has not been loaded');
      throw new TokenRejectedError('unknown_kid', 'unknown kid (not a key of this user pool)');
    }

    let verified: unknown;
    try {
      verified = jwt.verify(token, key, { algorithms: ['RS256'], clockTolerance: config.clockTolerance });
    } catch (error) {
      // jsonwebtoken has classes for time errors only; its other failures differ by message.
      if (error instanceof jwt.TokenExpiredError) throw new TokenRejectedError('expired', 'token expired');
      if (error instanceof jwt.NotBeforeError) throw new TokenRejectedError('not_yet_valid', 'token not yet valid (nbf)');
      if (error instanceof Error && error.message === 'invalid signature') {
        throw new TokenRejectedError('invalid_signature', 'invalid signature');
      }
      throw new TokenRejectedError('malformed', 'token could not be verified');
    }
    // jsonwebtoken parsed the same text; the decoder above already refused anything but an object.
    if (typeof verified !== 'object' || verified === null || Array.isArray(verified)) {
      throw new TokenRejectedError('malformed', 'payload is not a claim set');
    }
    const payload = verified as JsonObject;
    // The expected issuer is public (the pool's URL); the token's own iss is not echoed.
    if (payload.iss !== config.issuer) throw new TokenRejectedError('issuer', `issuer is not this user pool's (expected ${config.issuer})`);

    const tokenUse = payload.token_use;
    if (tokenUse !== 'access' && tokenUse !== 'id') throw new TokenRejectedError('token_use', 'token_use is neither access nor id');
    if (config.tokenUse !== 'any' && tokenUse !== config.tokenUse) {
      throw new TokenRejectedError('token_use', `token_use is ${tokenUse}, but only ${config.tokenUse} tokens are accepted`);
    }
    if (config.clientIds !== '*') {
      const client = tokenUse === 'id' ? payload.aud : payload.client_id;
      const clients: unknown[] = Array.isArray(client) ? client : [client];
      const allowed = config.clientIds;
      if (!clients.some((c) => typeof c === 'string' && allowed.includes(c))) {
        throw new TokenRejectedError('client', `app client is not allowed (checked ${tokenUse === 'id' ? 'aud' : 'client_id'})`);
      }
    }
    return Object.freeze({ ...payload });
  }
}

/** The registered claims must have their JWT types, as aws-jwt-verify's assertJwtPayload demands. */
function checkClaimTypes(payload: JsonObject): void {
  const bad = (claim: string) => new TokenRejectedError('claim_types', `the ${claim} claim has the wrong type`);
  if (payload.exp === undefined) throw new TokenRejectedError('claim_types', 'no exp claim');
  // Finite: exp 1e400 parses as Infinity, a token that would never expire.
  for (const claim of ['exp', 'nbf', 'iat', 'auth_time']) {
    const value = payload[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) throw bad(claim);
  }
  for (const claim of ['iss', 'sub', 'token_use', 'client_id', 'scope', 'jti', 'username', 'cognito:username']) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') throw bad(claim);
  }
  const { aud } = payload;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) throw bad('aud');
  const groups = payload['cognito:groups'];
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) throw bad('cognito:groups');
}
