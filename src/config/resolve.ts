import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import { FLAG_NAMES, RcFile, Sourced, mergeSources } from './sources';
import { CognitoConfig, RawSettings, SettingKey, TOKEN_USES, TokenUse } from './types';
import { defaultEndpoint, isLoopbackHost, poolUrls, redact } from './urls';

export const DEFAULT_ROLE_CLAIM = 'cognito:groups';
export const DEFAULT_CLOCK_TOLERANCE = 5;
export const DEFAULT_TOKEN_USE: TokenUse = 'access';
/** `--client-id '*'`, `--allowed-roles '*'`: the explicit choice to accept any. */
export const ANY = '*';
/** `--role-claim none`: no claim chooses the role. */
export const NO_ROLE_CLAIM = 'none';
const MAX_CLOCK_TOLERANCE = 300;

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const AWS_POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d+)_([A-Za-z0-9]+)$/;
const CUSTOM_POOL_ID = /^([A-Za-z0-9-]+)_([A-Za-z0-9]+)$/;

export interface ConfigWarning {
  /** `pool` concerns finding the keys (every command says it); `verification` concerns checking tokens. */
  about: 'pool' | 'verification';
  text: string;
}

export interface ResolvedConfig {
  config: CognitoConfig;
  /** Things worth saying once at start-up; never fatal. */
  warnings: ConfigWarning[];
}

export interface ConfigInput {
  flags?: RawSettings;
  /** How flags are named in messages; the plugin's are `--cognito-…`. */
  flagLabel?: (key: SettingKey) => string;
  env?: NodeJS.ProcessEnv;
  rc?: RcFile | null;
}

/**
 * Resolves flags > environment > rc file > defaults into one frozen
 * configuration, or throws a ConfigError that says what to change.
 */
export function resolveConfig({ flags = {}, env = {}, rc = null, flagLabel = (key) => FLAG_NAMES[key] }: ConfigInput): ResolvedConfig {
  const warnings: ConfigWarning[] = [];
  const s = mergeSources(flags, env, rc, flagLabel);
  const flag = flagLabel;
  const where = (key: SettingKey) => (s[key] ? ` (from ${s[key]!.origin.label})` : '');

  const poolSetting = s.userPoolId;
  if (!poolSetting) {
    throw new ConfigError(
      'no user pool id given',
      `pass ${flag('userPoolId')} eu-west-1_AbCdEf123, set COGNITO_USER_POOL_ID, or add cognito: { userPoolId } to .postgraphilerc.js`,
    );
  }
  const userPoolId = asString(poolSetting, 'userPoolId').trim();

  const endpointSetting = s.endpoint;
  const customEndpoint = endpointSetting ? parseEndpoint(asString(endpointSetting, 'endpoint'), where('endpoint')) : null;

  const poolMatch = (customEndpoint ? CUSTOM_POOL_ID : AWS_POOL_ID).exec(userPoolId);
  if (!poolMatch) {
    throw new ConfigError(
      `user pool id "${userPoolId}"${where('userPoolId')} is malformed`,
      customEndpoint
        ? 'expected {name}_{letters and digits}, e.g. local_AbC123'
        : `expected {region}_{letters and digits}, e.g. eu-west-1_AbCdEf123 (copy it from the Cognito console); for an emulator's pool, also set ${flag('endpoint')}`,
    );
  }
  const prefix = poolMatch[1]!;
  const prefixIsRegion = REGION.test(prefix);

  let region: string | null = prefixIsRegion ? prefix : null;
  const regionSetting = s.region;
  if (regionSetting) {
    const given = asString(regionSetting, 'region').trim();
    const fromAwsRegion = regionSetting.origin.label === 'AWS_REGION';
    if (!REGION.test(given)) {
      // AWS_REGION belongs to the whole AWS environment (emulators set it to "local"); only warn.
      if (!fromAwsRegion) {
        throw new ConfigError(`region "${given}"${where('region')} is not an AWS region`, 'use a region such as eu-west-1');
      }
      warnings.push({ about: 'pool', text: `AWS_REGION "${given}" is not an AWS region; ignoring it` });
    } else if (prefixIsRegion && given !== prefix) {
      if (!fromAwsRegion) {
        throw new ConfigError(
          `user pool id ${userPoolId} is in ${prefix}, but the region${where('region')} is ${given}`,
          `drop ${regionSetting.origin.label} (the region is taken from the pool id) or set it to ${prefix}`,
        );
      }
      // AWS_REGION is often set for other services; the pool id is authoritative.
      warnings.push({ about: 'pool', text: `AWS_REGION is ${given} but user pool ${userPoolId} is in ${prefix}; using ${prefix}` });
    } else if (!prefixIsRegion) {
      region = given;
    }
  }

  if (!customEndpoint && !region) {
    // Unreachable: AWS_POOL_ID guarantees a region prefix.
    throw new ConfigError(`cannot tell the region of user pool ${userPoolId}`, `pass ${flag('region')}`);
  }
  const endpoint = customEndpoint ?? defaultEndpoint(region!);

  const tokenUseRaw = s.tokenUse ? asString(s.tokenUse, 'tokenUse').trim().toLowerCase() : DEFAULT_TOKEN_USE;
  if (!(TOKEN_USES as readonly string[]).includes(tokenUseRaw)) {
    throw new ConfigError(
      `unknown token use "${tokenUseRaw}"${where('tokenUse')}`,
      'use access (the default), id, or any',
    );
  }
  const tokenUse = tokenUseRaw as TokenUse;

  const clientIds = asChoice(s.clientId, 'clientId');
  if (clientIds !== '*') {
    for (const id of clientIds) {
      if (!/^[A-Za-z0-9_+-]+$/.test(id)) {
        throw new ConfigError(`app client id "${id}"${where('clientId')} is malformed`, 'copy the app client id from the Cognito console; separate several with commas');
      }
    }
  }

  const roleClaimText = s.roleClaim ? asList(s.roleClaim, 'roleClaim') : [DEFAULT_ROLE_CLAIM];
  if (roleClaimText.length === 0) {
    throw new ConfigError(`the role claim${where('roleClaim')} is empty`, `use a claim name such as ${DEFAULT_ROLE_CLAIM}, or ${NO_ROLE_CLAIM} for no role claim`);
  }
  // `none`: no claim chooses the role; every valid token runs as the authenticated (or default) role.
  const roleClaim = roleClaimText.length === 1 && roleClaimText[0]!.toLowerCase() === NO_ROLE_CLAIM ? null : roleClaimText;

  const clockTolerance = s.clockTolerance ? asNumber(s.clockTolerance, where('clockTolerance')) : DEFAULT_CLOCK_TOLERANCE;

  const allowedRoles = asChoice(s.allowedRoles, 'allowedRoles');
  const authenticatedRole = s.authenticatedRole ? asString(s.authenticatedRole, 'authenticatedRole').trim() || null : null;
  const anonymousRole = s.anonymousRole ? asString(s.anonymousRole, 'anonymousRole').trim() || null : null;
  const namedRoles = allowedRoles === '*' ? [] : allowedRoles;
  const roles = [...namedRoles.map((r) => ['allowedRoles', r] as const), ['authenticatedRole', authenticatedRole] as const, ['anonymousRole', anonymousRole] as const];
  for (const [key, role] of roles) {
    // SET ROLE NONE would run requests as the connecting user itself.
    if (role !== null && role.toLowerCase() === 'none') {
      throw new ConfigError(`"${role}"${where(key)} is not a role: PostgreSQL takes it as SET ROLE NONE`, 'name a real role, such as app_user');
    }
  }
  if (roleClaim === null && s.allowedRoles) {
    warnings.push({ about: 'verification', text: `${s.allowedRoles.origin.label} is ignored: the role claim is ${NO_ROLE_CLAIM}${where('roleClaim')}, so no token chooses a role` });
  }
  const kid = s.kid ? asString(s.kid, 'kid').trim() || null : null;
  const cacheDir = s.cacheDir ? path.resolve(asString(s.cacheDir, 'cacheDir').trim()) : defaultCacheDir(env);
  const offline = s.offline ? asBoolean(s.offline) : false;

  const config: CognitoConfig = {
    region,
    userPoolId,
    clientIds: clientIds === '*' ? '*' : Object.freeze(clientIds),
    tokenUse,
    endpoint,
    roleClaim: roleClaim && Object.freeze(roleClaim),
    kid,
    clockTolerance,
    allowedRoles: allowedRoles === '*' ? '*' : Object.freeze(allowedRoles),
    authenticatedRole,
    anonymousRole,
    ...poolUrls(endpoint, userPoolId),
    cacheDir,
    offline,
  };
  return { config: Object.freeze(config), warnings };
}

/** `$XDG_CACHE_HOME/postgraphile-cognito`, else `~/.cache/postgraphile-cognito`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says to ignore a relative path.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'postgraphile-cognito');
}

function asBoolean(setting: Sourced<unknown>): boolean {
  const { value } = setting;
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${setting.origin.label} must be true or false, not ${typeof value === 'string' ? `"${value}"` : describe(value)}`, 'use true or false (1 and 0 work too)');
}

function parseEndpoint(raw: string, where: string): string {
  let url: URL;
  // Never echo credentials someone put in the URL.
  const text = redact(raw);
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`endpoint "${text}"${where} is not a URL`, 'use a URL such as http://127.0.0.1:9229 or leave it unset for AWS');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`endpoint "${text}"${where} must use http or https, not ${url.protocol.replace(':', '')}`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `endpoint "${text}"${where} uses plain http to ${url.hostname}`,
      'plain http is only allowed to this machine (localhost, 127.0.0.1, ::1); use https',
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`endpoint "${text}"${where} must not carry a query, fragment or credentials`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function asString(setting: Sourced<unknown>, key: SettingKey): string {
  if (typeof setting.value === 'string') return setting.value;
  if (typeof setting.value === 'number' && key === 'clockTolerance') return String(setting.value);
  throw new ConfigError(`${setting.origin.label} must be a string, not ${describe(setting.value)}`);
}

/** A comma list (flag, environment) or an array of strings (rc file). */
function asList(setting: Sourced<unknown> | undefined, key: SettingKey): string[] {
  if (!setting) return [];
  const parts = Array.isArray(setting.value)
    ? setting.value.map((item) => {
        if (typeof item !== 'string') {
          throw new ConfigError(`${setting.origin.label} must list strings, not ${describe(item)}`);
        }
        return item;
      })
    : asString(setting, key).split(',');
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** A list, or `'*'` alone: the explicit choice to accept any. */
function asChoice(setting: Sourced<unknown> | undefined, key: 'clientId' | 'allowedRoles'): string[] | '*' {
  const list = asList(setting, key);
  if (!list.includes(ANY)) return list;
  if (list.length > 1) {
    throw new ConfigError(`${setting!.origin.label} mixes '${ANY}' with names`, `'${ANY}' accepts any and stands alone; list the names without it, or give only '${ANY}'`);
  }
  return ANY;
}

/** A security choice not made: what it is, and how to make it. */
export interface MissingChoice {
  what: string;
  hint: string;
}

/**
 * The security choices a server must be given before it verifies anything,
 * as aws-jwt-verify requires its clientId: which app clients, and (when a
 * claim chooses the role) which roles. An empty result means all are made.
 */
export function securityChoicesMissing(
  config: Pick<CognitoConfig, 'clientIds' | 'roleClaim' | 'allowedRoles'>,
  flag: (key: SettingKey) => string = (key) => FLAG_NAMES[key],
): MissingChoice[] {
  const missing: MissingChoice[] = [];
  if (config.clientIds !== ANY && config.clientIds.length === 0) {
    missing.push({
      what: 'the app client',
      hint: `pass ${flag('clientId')} with your app client id(s), or ${flag('clientId')} '${ANY}' to accept every app client of the pool`,
    });
  }
  if (config.roleClaim !== null && config.allowedRoles !== ANY && config.allowedRoles.length === 0) {
    missing.push({
      what: `the roles the role claim ${config.roleClaim.join(',')} may name`,
      hint: `pass ${flag('allowedRoles')} app_user,app_admin, or ${flag('allowedRoles')} '${ANY}' to allow any role, or ${flag('roleClaim')} ${NO_ROLE_CLAIM} for no role claim`,
    });
  }
  return missing;
}

/** Throws a ConfigError (exit 2) naming every security choice not made, and how to make it. */
export function requireSecurityChoices(config: Pick<CognitoConfig, 'clientIds' | 'roleClaim' | 'allowedRoles'>, flag?: (key: SettingKey) => string): void {
  const missing = securityChoicesMissing(config, flag);
  if (missing.length === 0) return;
  throw new ConfigError(
    `no choice made for ${missing.map((m) => m.what).join(', nor for ')}: tokens are not verified without ${missing.length === 1 ? 'it' : 'them'}`,
    missing.map((m) => m.hint).join('; and '),
  );
}

function asNumber(setting: Sourced<unknown>, where: string): number {
  const text = typeof setting.value === 'number' ? String(setting.value) : asString(setting, 'clockTolerance').trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0 || value > MAX_CLOCK_TOLERANCE) {
    throw new ConfigError(
      `clock tolerance "${text}"${where} must be a number of seconds from 0 to ${MAX_CLOCK_TOLERANCE}`,
      `the default is ${DEFAULT_CLOCK_TOLERANCE}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}
