import type { TrustedIssuer } from '../config/types';
import { Claims, claimsToSettings, decideRole, hasUnstorableText, issuerSettings } from '../claims';
import { messageOf } from '../errors';
import * as log from '../log';
import { TokenRejectedError, TrustedVerifier } from '../verify';

/** What a request with this token runs as. */
export interface Verdict {
  claims: Claims;
  /** The role set for the request; null leaves the server's default role. */
  role: string | null;
  /** `jwt.claims`, `jwt.claims.<name>` …, `jwt.issuer.id` and `jwt.issuer.kind`; not including `role`. */
  settings: Readonly<Record<string, string>>;
  /** The trusted issuer (a pool's form, or an OpenID issuer) that vouched for the token. */
  issuer: TrustedIssuer;
  /** The kid of the issuer's key that verified it. */
  kid: string;
}

/**
 * The whole decision on one token, shared by both servers (per request) and
 * `verify`: the issuer its iss names, verified as AWS's verifier does, claims
 * PostgreSQL can store, then the role: the role claim within the allowed
 * roles, else the app client's role, else the authenticated role. Throws
 * TokenRejectedError.
 */
export async function checkToken(verifier: TrustedVerifier, token: string): Promise<Verdict> {
  try {
    return await decide(verifier, token);
  } catch (error) {
    if (error instanceof TokenRejectedError) throw error;
    // A defect of ours must not become a 500 carrying an internal message: refuse the token.
    log.error(`unexpected error while verifying a token, which is refused: ${messageOf(error)}`);
    throw new TokenRejectedError('malformed', 'token could not be verified');
  }
}

async function decide(verifier: TrustedVerifier, token: string): Promise<Verdict> {
  const { claims, issuer, kid, client } = await verifier.verify(token);
  if (hasUnstorableText(claims)) {
    throw new TokenRejectedError('claim_text', 'a claim holds text PostgreSQL cannot store (a NUL character or an unpaired surrogate)');
  }
  const decision = decideRole(claims, issuer.roleClaim, issuer.allowedRoles);
  if (decision.kind === 'refuse') throw new TokenRejectedError('role', decision.reason);
  const role = decision.kind === 'role' ? decision.role : clientRole(issuer, client) ?? issuer.authenticatedRole;
  return { claims, role, settings: Object.freeze({ ...claimsToSettings(claims), ...issuerSettings(issuer) }), issuer, kid };
}

/**
 * A machine client's own role (--client-roles), for its tokens that name no
 * role: client-credentials tokens carry no groups. Configuration keeps it
 * within the allowed roles; checked again here, as the allow-list is the rule.
 */
function clientRole(issuer: TrustedIssuer, client: string | null): string | null {
  if (client === null || !Object.prototype.hasOwnProperty.call(issuer.clientRoles, client)) return null;
  const role = issuer.clientRoles[client]!;
  if (issuer.allowedRoles !== '*' && !issuer.allowedRoles.includes(role)) {
    throw new TokenRejectedError('role', `the role of app client ${client} is not an allowed role`);
  }
  return role;
}
