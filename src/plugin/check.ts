import { CognitoConfig } from '../config';
import { Claims, claimsToSettings, decideRole } from './claims';
import { CognitoVerifier, TokenRejectedError } from './verify';

/** What a request with this token runs as. */
export interface Verdict {
  claims: Claims;
  /** The role set for the request; null leaves PostGraphile's --default-role. */
  role: string | null;
  /** `jwt.claims`, `jwt.claims.<name>` …, not including `role`. */
  settings: Record<string, string>;
}

/**
 * The whole decision on one token, shared by the plugin (per request) and
 * `verify`: verified as AWS's verifier does, then the role from the role
 * claim, within the allowed roles. Throws TokenRejectedError.
 */
export async function checkToken(config: CognitoConfig, verifier: CognitoVerifier, token: string): Promise<Verdict> {
  const claims = await verifier.verify(token);
  const decision = decideRole(claims, config.roleClaim, config.allowedRoles);
  if (decision.kind === 'refuse') throw new TokenRejectedError('role', decision.reason);
  const role = decision.kind === 'role' ? decision.role : config.authenticatedRole;
  return { claims, role, settings: claimsToSettings(claims) };
}
