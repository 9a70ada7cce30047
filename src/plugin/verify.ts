import jwt from 'jsonwebtoken';
import { CognitoConfig } from '../config';
import { KeyCache } from '../jwks';
import { Claims } from './claims';

/** Longest token accepted; Cognito tokens are a few kilobytes even with many groups. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * A token was refused. `statusCode` follows PostGraphile: 401 for an expired
 * token, 403 for any other refusal (503 while no signing key could be loaded).
 * The message goes to the client and names the reason, never token content.
 */
export class TokenRejectedError extends Error {
  constructor(
    readonly statusCode: 401 | 403 | 503,
    readonly reason: string,
  ) {
    super(statusCode === 401 ? 'jwt expired' : statusCode === 503 ? 'signing keys are not available yet' : `jwt rejected: ${reason}`);
    this.name = 'TokenRejectedError';
  }
}

/** The verification rules of aws-jwt-verify's CognitoJwtVerifier, on our key cache. */
export class CognitoVerifier {
  constructor(
    private readonly config: CognitoConfig,
    private readonly keys: KeyCache,
  ) {}

  async verify(token: string): Promise<Claims> {
    const { config } = this;
    if (typeof token !== 'string' || token.length === 0) throw reject('empty token');
    if (token.length > MAX_TOKEN_LENGTH) throw reject('token too large');
    let decoded: jwt.Jwt | null;
    try {
      decoded = jwt.decode(token, { complete: true });
    } catch {
      decoded = null;
    }
    if (!decoded || typeof decoded.payload !== 'object') throw reject('malformed token');
    const { header } = decoded;
    if (header.alg !== 'RS256') throw reject('algorithm is not RS256');
    if (typeof header.kid !== 'string' || header.kid === '') throw reject('no kid in the token header');

    const key = await this.keys.getKey(header.kid);
    if (!key) {
      if (!this.keys.hasKeys) throw new TokenRejectedError(503, 'the JWKS has not been loaded');
      throw reject('unknown kid (not a key of this user pool)');
    }

    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, {
        algorithms: ['RS256'],
        issuer: config.issuer,
        clockTolerance: config.clockTolerance,
      }) as jwt.JwtPayload;
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new TokenRejectedError(401, 'token expired');
      if (error instanceof jwt.NotBeforeError) throw reject('token not yet valid (nbf)');
      const message = error instanceof Error ? error.message : '';
      if (/issuer/.test(message)) throw reject("issuer is not this user pool's");
      if (/signature/.test(message)) throw reject('invalid signature');
      throw reject('token could not be verified');
    }
    if (typeof payload !== 'object' || payload === null) throw reject('payload is not a claim set');
    if (typeof payload.exp !== 'number') throw reject('no exp claim');

    const tokenUse = payload.token_use;
    if (tokenUse !== 'access' && tokenUse !== 'id') throw reject('token_use is neither access nor id');
    if (config.tokenUse !== 'any' && tokenUse !== config.tokenUse) {
      throw reject(`token_use is ${tokenUse}, but only ${config.tokenUse} tokens are accepted`);
    }
    if (config.clientIds.length > 0) {
      const client = tokenUse === 'id' ? payload.aud : payload.client_id;
      const clients = Array.isArray(client) ? client : [client];
      if (!clients.some((c) => typeof c === 'string' && config.clientIds.includes(c))) {
        throw reject(`app client is not allowed (checked ${tokenUse === 'id' ? 'aud' : 'client_id'})`);
      }
    }
    return Object.freeze({ ...payload });
  }
}

function reject(reason: string): TokenRejectedError {
  return new TokenRejectedError(403, reason);
}
