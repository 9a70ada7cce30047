import jwt from 'jsonwebtoken';
import type { TrustedIssuer } from '../config/types';
import { algorithmOf, KeyCache } from '../jwks';
import { decodeJwt, DecodedJwt, JsonObject } from './decode';
import { TokenRejectedError } from './rejection';

/** Verified claims: frozen, and only ever a JSON object. */
export type Claims = Readonly<Record<string, unknown>>;

/**
 * One trusted issuer's verification: the rules of aws-jwt-verify's verifier
 * on our key cache, and stricter where it is lax. Common to every issuer:
 * the algorithm is one the issuer signs with and the key's own (RS256 with
 * an RSA key, ES256 with a P-256 key; never `none` or HS*), the key is the
 * header kid's, exp/nbf, and iss exactly; then each family's own rules:
 * token_use and app client for a Cognito pool, aud for an OpenID issuer;
 * then the required scope.
 */
export class TokenVerifier {
  constructor(
    readonly issuer: TrustedIssuer,
    private readonly keys: KeyCache,
    private readonly clockTolerance: number,
  ) {}

  /** `decoded` saves decoding again when the caller has (see TrustedVerifier). */
  async verify(token: string, decoded: DecodedJwt = decodeJwt(token)): Promise<Claims> {
    const { issuer } = this;
    const { header, payload: unverified } = decoded;
    const alg = header.alg;
    if (typeof alg !== 'string' || !(issuer.algorithms as readonly string[]).includes(alg)) {
      throw new TokenRejectedError('algorithm', `algorithm is not ${issuer.algorithms.join(' or ')}`);
    }
    // RFC 7515 4.1.11: a critical extension the verifier does not understand must be refused; we understand none.
    if (header.crit !== undefined) throw new TokenRejectedError('malformed', 'unsupported critical header');
    if (typeof header.kid !== 'string' || header.kid === '') throw new TokenRejectedError('no_kid', 'no kid in the token header');
    // Claim types before the signature (on the unverified payload): a refusal either way, and
    // jsonwebtoken's own type errors would otherwise surface only as an unnamed failure.
    checkClaimTypes(unverified, issuer.kind);

    const key = await this.keys.getUsableKey(header.kid);
    if (!key) {
      if (!this.keys.hasKeys) throw new TokenRejectedError('keys_unavailable', 'the JWKS has not been loaded');
      throw new TokenRejectedError('unknown_kid', `unknown kid (not a key of ${issuer.kind === 'cognito' ? 'this user pool' : 'this issuer'})`);
    }
    // The key decides the algorithm: an RSA key never verifies an ES256 token, nor an EC key an RS256 one.
    if (algorithmOf(key.jwk) !== alg) throw new TokenRejectedError('algorithm', `algorithm ${alg} does not match the key (${key.jwk.kty})`);

    let verified: unknown;
    try {
      verified = jwt.verify(token, key.keyObject, { algorithms: [alg as jwt.Algorithm], clockTolerance: this.clockTolerance });
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
    // Picked by this iss before; checked again on the verified payload, never echoing it.
    if (payload.iss !== issuer.issuer) throw new TokenRejectedError('issuer', `issuer is not ${issuer.issuer}`);
    if (issuer.kind === 'cognito') checkCognito(issuer, payload);
    else checkAudience(issuer.audiences, payload);
    checkScope(issuer.scopes, payload);
    return Object.freeze({ ...payload });
  }
}

function checkCognito(pool: Extract<TrustedIssuer, { kind: 'cognito' }>, payload: JsonObject): void {
  const tokenUse = payload.token_use;
  if (tokenUse !== 'access' && tokenUse !== 'id') throw new TokenRejectedError('token_use', 'token_use is neither access nor id');
  if (pool.tokenUse !== 'any' && tokenUse !== pool.tokenUse) {
    throw new TokenRejectedError('token_use', `token_use is ${tokenUse}, but only ${pool.tokenUse} tokens are accepted`);
  }
  if (pool.clientIds !== '*') {
    const client = tokenUse === 'id' ? payload.aud : payload.client_id;
    const clients: unknown[] = Array.isArray(client) ? client : [client];
    const allowed = pool.clientIds;
    if (!clients.some((c) => typeof c === 'string' && allowed.includes(c))) {
      throw new TokenRejectedError('client', `app client is not allowed (checked ${tokenUse === 'id' ? 'aud' : 'client_id'})`);
    }
  }
}

function checkAudience(audiences: readonly string[] | '*', payload: JsonObject): void {
  if (audiences === '*') return;
  const aud: unknown[] = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.some((a) => typeof a === 'string' && audiences.includes(a))) throw new TokenRejectedError('audience', 'audience is not allowed (checked aud)');
}

/** The token's scopes: `scope` (Cognito, RFC 9068), else `scp` (Entra ID, Okta), space-separated or a list. */
export function scopesOf(payload: JsonObject): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === 'string') return raw.split(/\s+/).filter((s) => s !== '');
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}

/** With required scopes, at least one must be in the token: ID tokens carry none, so they are refused too. */
function checkScope(required: readonly string[], payload: JsonObject): void {
  if (required.length === 0) return;
  const granted = scopesOf(payload);
  if (!required.some((s) => granted.includes(s))) {
    throw new TokenRejectedError('scope', `no required scope (needs one of ${required.join(', ')})`);
  }
}

/** The registered claims must have their JWT types, as aws-jwt-verify's assertJwtPayload demands. */
function checkClaimTypes(payload: JsonObject, kind: TrustedIssuer['kind']): void {
  const bad = (claim: string) => new TokenRejectedError('claim_types', `the ${claim} claim has the wrong type`);
  if (payload.exp === undefined) throw new TokenRejectedError('claim_types', 'no exp claim');
  // Finite: exp 1e400 parses as Infinity, a token that would never expire.
  for (const claim of ['exp', 'nbf', 'iat', 'auth_time']) {
    const value = payload[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) throw bad(claim);
  }
  const strings = kind === 'cognito' ? ['iss', 'sub', 'token_use', 'client_id', 'scope', 'jti', 'username', 'cognito:username'] : ['iss', 'sub', 'client_id', 'azp', 'scope', 'jti'];
  for (const claim of strings) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') throw bad(claim);
  }
  const stringOrList = (value: unknown) => typeof value === 'string' || (Array.isArray(value) && value.every((a) => typeof a === 'string'));
  if (payload.aud !== undefined && !stringOrList(payload.aud)) throw bad('aud');
  if (kind === 'oidc' && payload.scp !== undefined && !stringOrList(payload.scp)) throw bad('scp');
  const groups = payload['cognito:groups'];
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) throw bad('cognito:groups');
}
