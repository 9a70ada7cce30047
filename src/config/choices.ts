import { ConfigError } from '../errors';
import { FLAG_NAMES } from './sources';
import { CognitoConfig, issuerSources, SettingKey, TrustedIssuer } from './types';
import { ANY } from './values';
import { NO_ROLE_CLAIM } from './resolve';

/** A security choice not made: what it is, and how to make it. */
export interface MissingChoice {
  what: string;
  hint: string;
}

/**
 * The security choices a server must be given before it verifies anything,
 * for every pool and issuer, as aws-jwt-verify requires its clientId: which
 * app clients (a pool) or audiences (an OpenID issuer), and (when a claim or
 * an app client chooses the role) which roles. An empty result means all are made.
 */
export function securityChoicesMissing(config: Pick<CognitoConfig, 'issuers'>, flag: (key: SettingKey) => string = (key) => FLAG_NAMES[key]): MissingChoice[] {
  const sources = issuerSources(config);
  // With one pool or issuer, the messages stay short; with several, each names its own.
  const of = (issuer: TrustedIssuer) => (sources.length === 1 ? '' : ` of ${issuer.kind === 'cognito' ? `user pool ${issuer.id}` : `issuer ${issuer.id}`}`);
  const entry = sources.length === 1 ? '' : ' (or in its entry of the rc file\'s pools or issuers)';
  const missing: MissingChoice[] = [];
  for (const issuer of sources) {
    if (issuer.kind === 'cognito' && issuer.clientIds !== ANY && issuer.clientIds.length === 0) {
      missing.push({
        what: `the app client${of(issuer)}`,
        hint: `pass ${flag('clientId')} with your app client id(s), or ${flag('clientId')} '${ANY}' to accept every app client of the pool${entry}`,
      });
    }
    if (issuer.kind === 'oidc' && issuer.audiences !== ANY && issuer.audiences.length === 0) {
      missing.push({
        what: `the audience${of(issuer)}`,
        hint: `pass ${flag('audience')} with the audience(s) its tokens carry in aud, or ${flag('audience')} '${ANY}' to check no audience${entry}`,
      });
    }
    const clientRoles = Object.keys(issuer.clientRoles).length > 0;
    if ((issuer.roleClaim !== null || clientRoles) && issuer.allowedRoles !== ANY && issuer.allowedRoles.length === 0) {
      const chooser = issuer.roleClaim ? `the role claim ${issuer.roleClaim.join(',')}` : `${flag('clientRoles')}`;
      missing.push({
        what: `the roles ${chooser}${of(issuer)} may name`,
        hint: `pass ${flag('allowedRoles')} app_user,app_admin, or ${flag('allowedRoles')} '${ANY}' to allow any role${issuer.roleClaim ? `, or ${flag('roleClaim')} ${NO_ROLE_CLAIM} for no role claim` : ''}${entry}`,
      });
    }
  }
  return missing;
}

/** Throws a ConfigError (exit 2) naming every security choice not made, and how to make it. */
export function requireSecurityChoices(config: Pick<CognitoConfig, 'issuers'>, flag?: (key: SettingKey) => string): void {
  const missing = securityChoicesMissing(config, flag);
  if (missing.length === 0) return;
  throw new ConfigError(
    `no choice made for ${missing.map((m) => m.what).join(', nor for ')}: tokens are not verified without ${missing.length === 1 ? 'it' : 'them'}`,
    missing.map((m) => m.hint).join('; and '),
  );
}
