import { CognitoConfig } from '../config';
import { Claims, claimsToSettings, decideRole, hasUnstorableText } from '../claims';
import { messageOf } from '../errors';
import * as log from '../log';
import { CognitoVerifier, TokenRejectedError } from '../verify';

/** What a request with this token runs as. */
export interface Verdict {
  claims: Claims;
  /** The role set for the request; null leaves the server's default role. */
  role: string | null;
  /** `jwt.claims`, `jwt.claims.<name>` …, not including `role`. */
  settings: Record<string, string>;
}

/**
 * The whole decision on one token, shared by both servers (per request) and
 * `verify`: verified as AWS's verifier does, claims PostgreSQL can store,
 * then the role from the role claim, within the allowed roles. Throws
 * TokenRejectedError.
 */
export async function checkToken(config: CognitoConfig, verifier: CognitoVerifier, token: string): Promise<Verdict> {
  try {
    return await decide(config, verifier, token);
  } catch (error) {
    if (error instanceof TokenRejectedError) throw error;
    // A defect of ours must not become a 500 carrying an internal message: refuse the token.
    log.error(`unexpected error while verifying a token, which is refused: ${messageOf(error)}`);
    throw new TokenRejectedError('malformed', 'token could not be verified');
  }
}

async function decide(config: CognitoConfig, verifier: CognitoVerifier, token: string): Promise<Verdict> {
  const claims = await verifier.verify(token);
  if (hasUnstorableText(claims)) {
    throw new TokenRejectedError('claim_text', 'a claim holds text PostgreSQL cannot store (a NUL character or an unpaired surrogate)');
  }
  const decision = decideRole(claims, config.roleClaim, config.allowedRoles);
  if (decision.kind === 'refuse') throw new TokenRejectedError('role', decision.reason);
  const role = decision.kind === 'role' ? decision.role : config.authenticatedRole;
  return { claims, role, settings: claimsToSettings(claims) };
}
