import jwt from 'jsonwebtoken';
import { CognitoConfig } from '../config';
import { KeyCache } from '../jwks';
import { Claims } from './claims';

/** Longest token accepted; Cognito tokens are a few kilobytes even with many groups. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** Why a token was refused: callers and tests tell refusals apart by this, not by the message. */
export type RejectionCode =
  | 'malformed'
  | 'too_large'
  | 'algorithm'
  | 'no_kid'
  | 'unknown_kid'
  | 'keys_unavailable'
  | 'invalid_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'claim_types'
  | 'token_use'
  | 'client'
  | 'role';

const STATUS: Partial<Record<RejectionCode, 401 | 503>> = { expired: 401, keys_unavailable: 503 };

/**
 * A token was refused. `statusCode` follows PostGraphile: 401 for an expired
 * token, 403 for any other refusal (503 while no signing key could be loaded).
 * The message goes to the client and names the reason, never token content.
 */
export class TokenRejectedError extends Error {
  readonly statusCode: 401 | 403 | 503;
  constructor(
    readonly code: RejectionCode,
    readonly reason: string,
  ) {
    const statusCode = STATUS[code] ?? 403;
    super(statusCode === 401 ? 'jwt expired' : statusCode === 503 ? 'signing keys are not available yet' : `jwt rejected: ${reason}`);
    this.name = 'TokenRejectedError';
    this.statusCode = statusCode;
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
    if (typeof token !== 'string' || token.length === 0) throw new TokenRejectedError('malformed', 'empty token');
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejectedError('too_large', 'token too large');
    let decoded: jwt.Jwt | null;
    try {
      decoded = jwt.decode(token, { complete: true });
    } catch {
      decoded = null;
    }
    if (!decoded || typeof decoded.payload !== 'object') throw new TokenRejectedError('malformed', 'malformed token');
    const { header } = decoded;
    if (header.alg !== 'RS256') throw new TokenRejectedError('algorithm', 'algorithm is not RS256');
    if (typeof header.kid !== 'string' || header.kid === '') throw new TokenRejectedError('no_kid', 'no kid in the token header');
    // Claim types before the signature (on the unverified payload): a refusal either way, and
    // jsonwebtoken's own type errors would otherwise surface only as an unnamed failure.
    checkClaimTypes(decoded.payload as jwt.JwtPayload);

    const key = await this.keys.getKey(header.kid);
    if (!key) {
      if (!this.keys.hasKeys) throw new TokenRejectedError('keys_unavailable', 'the JWKS has not been loaded');
      throw new TokenRejectedError('unknown_kid', 'unknown kid (not a key of this user pool)');
    }

    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, { algorithms: ['RS256'], clockTolerance: config.clockTolerance }) as jwt.JwtPayload;
    } catch (error) {
      // jsonwebtoken has classes for time errors only; its other failures differ by message.
      if (error instanceof jwt.TokenExpiredError) throw new TokenRejectedError('expired', 'token expired');
      if (error instanceof jwt.NotBeforeError) throw new TokenRejectedError('not_yet_valid', 'token not yet valid (nbf)');
      if (error instanceof Error && error.message === 'invalid signature') {
        throw new TokenRejectedError('invalid_signature', 'invalid signature');
      }
      throw new TokenRejectedError('malformed', 'token could not be verified');
    }
    if (typeof payload !== 'object' || payload === null) throw new TokenRejectedError('malformed', 'payload is not a claim set');
    // The expected issuer is public (the pool's URL); the token's own iss is not echoed.
    if (payload.iss !== config.issuer) throw new TokenRejectedError('issuer', `issuer is not this user pool's (expected ${config.issuer})`);

    const tokenUse = payload.token_use;
    if (tokenUse !== 'access' && tokenUse !== 'id') throw new TokenRejectedError('token_use', 'token_use is neither access nor id');
    if (config.tokenUse !== 'any' && tokenUse !== config.tokenUse) {
      throw new TokenRejectedError('token_use', `token_use is ${tokenUse}, but only ${config.tokenUse} tokens are accepted`);
    }
    if (config.clientIds.length > 0) {
      const client = tokenUse === 'id' ? payload.aud : payload.client_id;
      const clients: unknown[] = Array.isArray(client) ? client : [client];
      if (!clients.some((c) => typeof c === 'string' && config.clientIds.includes(c))) {
        throw new TokenRejectedError('client', `app client is not allowed (checked ${tokenUse === 'id' ? 'aud' : 'client_id'})`);
      }
    }
    return Object.freeze({ ...payload });
  }
}

/**
 * "kid abc, sub 1234-…" for a log line about a token that may be forged: the
 * token itself is never logged, and these two values only when they look like
 * ids (no control characters or log injection).
 */
export function describeToken(token: string): string {
  let kid: unknown;
  let sub: unknown;
  try {
    const decoded = jwt.decode(token, { complete: true });
    kid = decoded?.header.kid;
    sub = typeof decoded?.payload === 'object' ? decoded.payload.sub : undefined;
  } catch {
    /* not a JWT: both unknown */
  }
  return `kid ${printable(kid)}, sub ${printable(sub)}`;
}

/**
 * A value from an unverified token, fit for a log line or a terminal: as it
 * is when it looks like an id, else "(not shown)"; "none" when absent. No
 * control characters or escape sequences get through.
 */
export function printable(value: unknown): string {
  if (value === undefined) return 'none';
  return typeof value === 'string' && /^[A-Za-z0-9._:@+=/-]{1,128}$/.test(value) ? value : '(not shown)';
}

/** The registered claims must have their JWT types, as aws-jwt-verify's assertJwtPayload demands. */
function checkClaimTypes(payload: jwt.JwtPayload): void {
  const bad = (claim: string) => new TokenRejectedError('claim_types', `the ${claim} claim has the wrong type`);
  if (payload.exp === undefined) throw new TokenRejectedError('claim_types', 'no exp claim');
  // Finite: exp 1e400 parses as Infinity, a token that would never expire.
  for (const claim of ['exp', 'nbf', 'iat', 'auth_time'] as const) {
    const value = (payload as Record<string, unknown>)[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) throw bad(claim);
  }
  for (const claim of ['iss', 'sub', 'token_use', 'client_id', 'scope', 'jti'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') throw bad(claim);
  }
  const { aud } = payload;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) throw bad('aud');
}
