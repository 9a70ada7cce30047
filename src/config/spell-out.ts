import { defaultCacheDir, NO_ROLE_CLAIM } from './resolve';
import { CognitoConfig, SettingKey } from './types';

/**
 * The configuration spelled out as settings, for a server in another
 * process to read back exactly (as the v4 plugin's --cognito-* flags, or in
 * the v5 preset's -P name). Defaults are included, because an explicit
 * setting is the only way to beat an environment variable or rc value there.
 * Left out: what cannot be a setting (an empty list, an unset role), `kid`
 * (it only picks the PEM here), and the default cache folder, which the
 * other side works out from its own environment: a list pasted onto another
 * machine should use that machine's.
 */
export function spellOut(config: CognitoConfig, env: NodeJS.ProcessEnv = process.env): [SettingKey, string][] {
  const list = (value: readonly string[] | '*') => (value === '*' ? value : value.join(','));
  const settings: [SettingKey, string | null][] = [
    ['userPoolId', config.userPoolId],
    ['endpoint', config.endpoint],
    ['tokenUse', config.tokenUse],
    ['roleClaim', config.roleClaim?.join(',') ?? NO_ROLE_CLAIM],
    ['clockTolerance', String(config.clockTolerance)],
    ['offline', String(config.offline)],
    ['clientId', config.clientIds.length > 0 ? list(config.clientIds) : null],
    ['allowedRoles', config.roleClaim && config.allowedRoles.length > 0 ? list(config.allowedRoles) : null],
    ['authenticatedRole', config.authenticatedRole],
    ['anonymousRole', config.anonymousRole],
    ['cacheDir', config.cacheDir !== defaultCacheDir(env) ? config.cacheDir : null],
  ];
  return settings.filter((entry): entry is [SettingKey, string] => entry[1] !== null);
}
