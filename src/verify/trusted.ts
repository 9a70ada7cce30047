import type { TrustedIssuer } from '../config/types';
import { printable } from '../printable';
import { decodeJwt, DecodedJwt } from './decode';
import { TokenRejectedError } from './rejection';
import { Claims, TokenVerifier } from './verifier';

/** A verified token, with the issuer that vouched for it and the app client it names. */
export interface VerifiedToken {
  claims: Claims;
  issuer: TrustedIssuer;
  /** The kid of the key that verified it. */
  kid: string;
  /** The app client the token was issued to (Cognito: client_id or an ID token's aud; OpenID: client_id, else azp); null if none. */
  client: string | null;
}

/** How many expected issuers a refusal names before "and N more". */
const NAMED_ISSUERS = 4;

/**
 * The entry of `byIssuer` that the token's (unverified) iss names, with the
 * decoded token; a malformed token, or one naming an issuer not in it, is
 * refused here, before any key is looked up or fetched.
 */
export function pickByIssuer<T>(byIssuer: ReadonlyMap<string, T>, token: string): { picked: T; decoded: DecodedJwt } {
  const decoded = decodeJwt(token);
  const iss = decoded.payload.iss;
  const picked = typeof iss === 'string' ? byIssuer.get(iss) : undefined;
  if (picked === undefined) throw new TokenRejectedError('issuer', `issuer ${describeIss(iss)} is not trusted (expected ${describeExpected([...byIssuer.keys()])})`);
  return { picked, decoded };
}

/** The trusted issuer a token names, else its refusal (malformed, issuer): what is decided before any key is fetched. */
export function trustedIssuerOf(issuers: readonly TrustedIssuer[], token: string): TrustedIssuer {
  return pickByIssuer(new Map(issuers.map((issuer) => [issuer.issuer, issuer])), token).picked;
}

/**
 * Every trusted issuer's verifier, by exact `iss`. The token's (unverified)
 * iss picks one before any key is looked up or fetched, so a token naming an
 * issuer nobody trusts costs no network traffic; the picked verifier then
 * checks everything, iss again included, with that issuer's keys only.
 */
export class TrustedVerifier {
  private readonly byIssuer: ReadonlyMap<string, TokenVerifier>;

  constructor(verifiers: readonly TokenVerifier[]) {
    this.byIssuer = new Map(verifiers.map((v) => [v.issuer.issuer, v]));
  }

  /** The verifier for an issuer URL, if trusted. */
  verifierFor(iss: string): TokenVerifier | undefined {
    return this.byIssuer.get(iss);
  }

  async verify(token: string): Promise<VerifiedToken> {
    const { picked: verifier, decoded } = pickByIssuer(this.byIssuer, token);
    const claims = await verifier.verify(token, decoded);
    // The verifier refused anything without a string kid.
    return { claims, issuer: verifier.issuer, kid: decoded.header.kid as string, client: clientOf(claims, verifier.issuer) };
  }
}

/** The expected issuers for a refusal, the first few by name. */
function describeExpected(all: readonly string[]): string {
  const named = all.slice(0, NAMED_ISSUERS).join(', ');
  return all.length > NAMED_ISSUERS ? `${named} and ${all.length - NAMED_ISSUERS} more` : named;
}

/** The token's iss for a message: anyone can write it, so only ever made printable. */
function describeIss(iss: unknown): string {
  if (iss === undefined) return '(none)';
  return typeof iss === 'string' ? `"${printable(iss)}"` : printable(iss);
}

/** Which app client a verified token was issued to. */
export function clientOf(claims: Claims, issuer: TrustedIssuer): string | null {
  const pick = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  if (issuer.kind === 'cognito') {
    if (claims.token_use === 'id') return pick(Array.isArray(claims.aud) ? claims.aud[0] : claims.aud);
    return pick(claims.client_id);
  }
  return pick(claims.client_id) ?? pick(claims.azp);
}
