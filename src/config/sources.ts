import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import { describeRcFailure } from './rc-error';
import { RawSettings, SETTING_KEYS, SettingKey } from './types';

/** Where a setting came from, used to name it in error messages. */
export interface Origin {
  kind: 'flag' | 'env' | 'rc' | 'default';
  /** e.g. `--user-pool-id`, `COGNITO_USER_POOL_ID`, `cognito.userPoolId in .postgraphilerc.js` */
  label: string;
}

export interface Sourced<T> {
  value: T;
  origin: Origin;
}

export const FLAG_NAMES: Record<SettingKey, string> = {
  region: '--region',
  userPoolId: '--user-pool-id',
  clientId: '--client-id',
  tokenUse: '--token-use',
  endpoint: '--endpoint',
  issuer: '--issuer',
  audience: '--audience',
  roleClaim: '--role-claim',
  kid: '--kid',
  clockTolerance: '--clock-tolerance',
  allowedRoles: '--allowed-roles',
  authenticatedRole: '--authenticated-role',
  anonymousRole: '--anonymous-role',
  tokenCache: '--token-cache',
  scope: '--scope',
  clientRoles: '--client-roles',
  cacheDir: '--cache-dir',
  offline: '--offline',
};

/**
 * The same settings as PostGraphile flags, added by our plugin so that the
 * list `args` prints carries the configuration to the plugin too:
 * `--user-pool-id` becomes `--cognito-user-pool-id`. `kid` only picks the
 * PEM `pem` prints, so the plugin has no flag for it.
 */
export const PLUGIN_FLAG_KEYS: readonly SettingKey[] = SETTING_KEYS.filter((key) => key !== 'kid');

export function pluginFlagName(key: SettingKey): string {
  return `--cognito-${FLAG_NAMES[key].slice(2)}`;
}

/** Where commander 2 (PostGraphile's) stores a plugin flag: `--cognito-user-pool-id` -> `cognitoUserPoolId`. */
export function pluginFlagProperty(key: SettingKey): string {
  return `cognito${key[0]!.toUpperCase()}${key.slice(1)}`;
}

/** Environment variables per setting, in order of preference. */
export const ENV_NAMES: Record<SettingKey, readonly string[]> = {
  region: ['COGNITO_REGION', 'AWS_REGION'],
  userPoolId: ['COGNITO_USER_POOL_ID'],
  clientId: ['COGNITO_CLIENT_ID'],
  tokenUse: ['COGNITO_TOKEN_USE'],
  endpoint: ['AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER', 'AWS_ENDPOINT_URL'],
  issuer: ['OIDC_ISSUER'],
  audience: ['OIDC_AUDIENCE'],
  roleClaim: ['COGNITO_ROLE_CLAIM'],
  kid: [],
  clockTolerance: ['COGNITO_CLOCK_TOLERANCE'],
  allowedRoles: ['COGNITO_ALLOWED_ROLES'],
  authenticatedRole: ['COGNITO_AUTHENTICATED_ROLE'],
  anonymousRole: ['COGNITO_ANONYMOUS_ROLE'],
  tokenCache: ['POSTGRAPHILE_COGNITO_TOKEN_CACHE'],
  scope: ['COGNITO_SCOPE'],
  clientRoles: ['COGNITO_CLIENT_ROLES'],
  cacheDir: ['POSTGRAPHILE_COGNITO_CACHE_DIR'],
  offline: ['POSTGRAPHILE_COGNITO_OFFLINE'],
};

export interface RcFile {
  filepath: string;
  /** The `cognito` section, checked for unknown keys. */
  cognito: RawSettings;
  /** `cognito.pools` and `cognito.issuers`, as written: lists of per-pool and per-issuer entries, checked by resolveConfig. */
  pools?: unknown;
  issuers?: unknown;
  /** PostGraphile's own `options` section, untouched. */
  options: Record<string, unknown>;
}

// PostGraphile does require.resolve(cwd + '/.postgraphilerc'): the extensionless
// file first (as JavaScript), then .js, then .json. Read the same file it reads.
export const RC_PLACES: readonly string[] = ['.postgraphilerc', '.postgraphilerc.js', '.postgraphilerc.json'];

/** Finds and reads the PostGraphile rc file in `cwd` (only there, as PostGraphile does). */
export function loadRcFile(cwd: string): RcFile | null {
  // Most runs have no rc file: then cosmiconfig (and the search for its own
  // configuration in package.json) is never loaded, 15-25 ms and 1-2 MiB less.
  if (!RC_PLACES.some((place) => fs.existsSync(path.join(cwd, place)))) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { cosmiconfigSync, defaultLoadersSync } = require('cosmiconfig') as typeof import('cosmiconfig');
  const explorer = cosmiconfigSync('postgraphile', {
    searchPlaces: [...RC_PLACES],
    searchStrategy: 'none',
    loaders: { noExt: defaultLoadersSync['.js'] },
    cache: false,
  });
  let result;
  try {
    result = explorer.search(cwd);
  } catch (error) {
    const where = (error as { filepath?: string }).filepath ?? path.join(cwd, '.postgraphilerc.*');
    const { line, reason, syntax } = describeRcFailure(error, where);
    throw new ConfigError(
      `could not read the rc file ${where}${line ? `:${line}` : ''}: ${syntax ? 'syntax error: ' : ''}${reason}`,
      line ? `fix line ${line} of that file, or move it away to run without it` : 'fix that file, or move it away to run without it',
    );
  }
  if (!result || result.isEmpty) return null;
  const file = path.basename(result.filepath);
  const config: unknown = result.config;
  if (!isPlainObject(config)) {
    throw new ConfigError(`${file} must export an object such as { options: {...}, cognito: {...} }`);
  }
  const options = isPlainObject(config.options) ? config.options : {};
  const rawCognito = config.cognito;
  if (rawCognito === undefined) return { filepath: result.filepath, cognito: {}, options };
  if (!isPlainObject(rawCognito)) {
    throw new ConfigError(`the cognito section of ${file} must be an object, like { userPoolId: 'eu-west-1_AbC123' }`);
  }
  const { pools, issuers, ...settings } = rawCognito;
  assertKnownKeys(settings, SETTING_KEYS, 'cognito', file, LIST_KEYS);
  return { filepath: result.filepath, cognito: settings as RawSettings, options, ...(pools !== undefined ? { pools } : {}), ...(issuers !== undefined ? { issuers } : {}) };
}

/** The rc file's lists of per-pool and per-issuer settings, next to the settings themselves. */
const LIST_KEYS = ['pools', 'issuers'];

/** Throws a ConfigError for a key not in `known`, suggesting the key it most likely means. */
export function assertKnownKeys(section: Record<string, unknown>, known: readonly string[], where: string, file: string, extra: readonly string[] = []): void {
  for (const key of Object.keys(section)) {
    if (known.includes(key)) continue;
    const all = [...known, ...extra];
    const near = all.find((k) => k.toLowerCase() === key.toLowerCase());
    throw new ConfigError(`unknown key ${where}.${key} in ${file}`, near ? `did you mean ${where}.${near}?` : `known keys: ${all.join(', ')}`);
  }
}

/** Picks each setting from flags, then environment, then rc file. */
export function mergeSources(
  flags: RawSettings,
  env: NodeJS.ProcessEnv,
  rc: RcFile | null,
  flagLabel: (key: SettingKey) => string = (key) => FLAG_NAMES[key],
): Partial<Record<SettingKey, Sourced<unknown>>> {
  const merged: Partial<Record<SettingKey, Sourced<unknown>>> = {};
  const rcName = rc ? path.basename(rc.filepath) : '';
  for (const key of SETTING_KEYS) {
    const flag = flags[key];
    if (flag !== undefined && flag !== '' && flag !== false) {
      merged[key] = { value: flag, origin: { kind: 'flag', label: flagLabel(key) } };
      continue;
    }
    const envName = ENV_NAMES[key].find((name) => env[name] !== undefined && env[name] !== '');
    if (envName) {
      merged[key] = { value: env[envName], origin: { kind: 'env', label: envName } };
      continue;
    }
    const fromRc = rc?.cognito[key];
    if (fromRc !== undefined && fromRc !== null && fromRc !== '') {
      merged[key] = { value: fromRc, origin: { kind: 'rc', label: `cognito.${key} in ${rcName}` } };
    }
  }
  return merged;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
