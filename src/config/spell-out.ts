import { homeCacheDir, NO_ROLE_CLAIM } from './resolve';
import { CognitoConfig, cognitoPools, SettingKey } from './types';

/**
 * The configuration spelled out as settings, for a server in another
 * process to read back exactly (as the v4 plugin's --cognito-* flags, or in
 * the v5 preset's -P name). Defaults are included, because an explicit
 * setting is the only way to beat an environment variable or rc value there.
 * Left out: what cannot be a setting (an empty list, an unset role), `kid`
 * (it only picks the PEM here), the rc file's own `pools` and `issuers`
 * (the other side reads the same file), and the default cache folder, which
 * the other side works out from its own environment: a list pasted onto
 * another machine should use that machine's.
 */
export function spellOut(config: CognitoConfig, env: NodeJS.ProcessEnv = process.env): [SettingKey, string][] {
  const { shared } = config;
  const list = (value: readonly string[] | '*') => (value === '*' ? value : value.join(','));
  // The endpoint of the named pools: a custom one, or AWS's when they all share one region.
  const endpoints = new Set(cognitoPools(config).filter((p) => shared.userPoolIds.includes(p.id)).map((p) => p.endpoint));
  const endpoint = shared.endpoint ?? (endpoints.size === 1 ? [...endpoints][0]! : null);
  // Without --role-claim, pools and OpenID issuers have different defaults: spelled out only when that cannot matter.
  const oidc = config.issuers.some((i) => i.kind === 'oidc');
  const clientRoles = Object.entries(shared.clientRoles);
  const settings: [SettingKey, string | null][] = [
    ['userPoolId', shared.userPoolIds.length > 0 ? shared.userPoolIds.join(',') : null],
    ['endpoint', endpoint],
    ['issuer', shared.oidcIssuers.length > 0 ? shared.oidcIssuers.join(',') : null],
    ['tokenUse', shared.tokenUse],
    ['roleClaim', shared.roleClaimGiven || !oidc ? (shared.roleClaim?.join(',') ?? NO_ROLE_CLAIM) : null],
    ['clockTolerance', String(config.clockTolerance)],
    ['offline', String(config.offline)],
    ['clientId', shared.clientIds.length > 0 ? list(shared.clientIds) : null],
    ['audience', shared.audiences.length > 0 ? list(shared.audiences) : null],
    ['allowedRoles', shared.allowedRoles.length > 0 && (shared.roleClaim || clientRoles.length > 0 || oidc) ? list(shared.allowedRoles) : null],
    ['authenticatedRole', shared.authenticatedRole],
    ['anonymousRole', config.anonymousRole],
    ['tokenCache', String(config.tokenCache)],
    ['scope', shared.scopes.length > 0 ? shared.scopes.join(',') : null],
    ['clientRoles', clientRoles.length > 0 ? clientRoles.map(([client, role]) => `${client}=${role}`).join(',') : null],
    // Without a home folder here there is no default to leave out.
    ['cacheDir', config.cacheDir !== homeCacheDir(env) ? config.cacheDir : null],
  ];
  return settings.filter((entry): entry is [SettingKey, string] => entry[1] !== null);
}
