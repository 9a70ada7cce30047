import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import { assertKnownKeys, FLAG_NAMES, isPlainObject, RcFile, Sourced, mergeSources } from './sources';
import {
  CognitoConfig,
  CognitoIssuer,
  ISSUER_ENTRY_KEYS,
  IssuerRules,
  OidcIssuer,
  POOL_ENTRY_KEYS,
  RawSettings,
  SettingKey,
  SharedSettings,
  SigningAlgorithm,
  TOKEN_USES,
  TokenUse,
  TrustedIssuer,
} from './types';
import { defaultEndpoint, discoveryUrl, poolIssuerUrls } from './urls';
import { ANY, asBoolean, asChoice, asList, asPairs, asString, describe, parseHttpUrl } from './values';

export { ANY } from './values';
export const DEFAULT_ROLE_CLAIM = 'cognito:groups';
export const DEFAULT_CLOCK_TOLERANCE = 5;
export const DEFAULT_TOKEN_USE: TokenUse = 'access';
/** `--role-claim none`: no claim chooses the role. */
export const NO_ROLE_CLAIM = 'none';
const MAX_CLOCK_TOLERANCE = 300;
/** Verified tokens kept (each verdict at most once): --token-cache. */
export const DEFAULT_TOKEN_CACHE = 10_000;
const MAX_TOKEN_CACHE = 1_000_000;
/** Cognito signs with RS256 only; an OpenID issuer may also use ES256 (the key's kty and alg must match). */
const COGNITO_ALGORITHMS: readonly SigningAlgorithm[] = Object.freeze(['RS256']);
const OIDC_ALGORITHMS: readonly SigningAlgorithm[] = Object.freeze(['RS256', 'ES256']);

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const AWS_POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d+)_([A-Za-z0-9]+)$/;
const CUSTOM_POOL_ID = /^([A-Za-z0-9-]+)_([A-Za-z0-9]+)$/;
const CLIENT_ID = /^[A-Za-z0-9_+-]+$/;

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

type Settings = Partial<Record<SettingKey, Sourced<unknown>>>;

/** A pool or issuer to trust, with the settings its rc entry gives (none for one named only by a flag). */
interface Entry {
  id: string;
  own: Settings;
}

/**
 * Resolves flags > environment > rc file > defaults into one frozen
 * configuration, or throws a ConfigError that says what to change. The
 * top-level settings apply to every pool (--user-pool-id a,b and the rc
 * file's `pools`) and every OpenID issuer (--issuer and `issuers`); an rc
 * entry's own settings win over them for that pool or issuer.
 */
export function resolveConfig({ flags = {}, env = {}, rc = null, flagLabel = (key) => FLAG_NAMES[key] }: ConfigInput): ResolvedConfig {
  const warnings: ConfigWarning[] = [];
  const warn = (about: ConfigWarning['about'], text: string) => {
    if (!warnings.some((w) => w.text === text)) warnings.push({ about, text });
  };
  const top = mergeSources(flags, env, rc, flagLabel);
  const shared = resolveShared(top);

  const file = rc ? path.basename(rc.filepath) : '';
  const pools = mergeEntries(
    shared.userPoolIds,
    rcEntries(rc?.pools, 'pools', POOL_ENTRY_KEYS, 'userPoolId', file),
    (id) => id,
  );
  const oidc = mergeEntries(shared.oidcIssuers, rcEntries(rc?.issuers, 'issuers', ISSUER_ENTRY_KEYS, 'issuer', file), (id) => id);
  if (pools.length === 0 && oidc.length === 0) {
    throw new ConfigError(
      'no user pool id given',
      `pass ${flagLabel('userPoolId')} eu-west-1_AbCdEf123, set COGNITO_USER_POOL_ID, or add cognito: { userPoolId } to .postgraphilerc.js; for an OpenID Connect provider, ${flagLabel('issuer')} URL`,
    );
  }

  const issuers: TrustedIssuer[] = [
    ...pools.flatMap((entry) => resolvePool(entry, top, flagLabel, warn)),
    ...oidc.map((entry) => resolveOidc(entry, top)),
  ];
  const byIssuer = new Map<string, TrustedIssuer>();
  for (const issuer of issuers) {
    const twin = byIssuer.get(issuer.issuer);
    if (twin) {
      throw new ConfigError(`the issuer ${issuer.issuer} is trusted twice (as ${describeSource(twin)} and as ${describeSource(issuer)})`, 'name each pool or issuer once');
    }
    byIssuer.set(issuer.issuer, issuer);
  }

  if (pools.length === 0) {
    for (const key of ['clientId', 'tokenUse', 'region', 'endpoint'] as const) {
      if (top[key]) warn('verification', `${top[key]!.origin.label} is ignored: it applies to Cognito user pools, and none is configured`);
    }
  }
  if (oidc.length === 0 && top.audience) {
    warn('verification', `${top.audience.origin.label} is ignored: it applies to OpenID Connect issuers (${flagLabel('issuer')}); Cognito pools check ${flagLabel('clientId')}`);
  }
  if (top.allowedRoles && issuers.every((i) => i.roleClaim === null && Object.keys(i.clientRoles).length === 0)) {
    const claim = top.roleClaim ? ` (from ${top.roleClaim.origin.label})` : '';
    warn('verification', `${top.allowedRoles.origin.label} is ignored: the role claim is ${NO_ROLE_CLAIM}${claim}, so no token chooses a role`);
  }

  const kid = top.kid ? asString(top.kid).trim() || null : null;
  const cacheDir = top.cacheDir ? path.resolve(asString(top.cacheDir).trim()) : defaultCacheDir(env);
  const offline = top.offline ? asBoolean(top.offline) : false;
  const clockTolerance = top.clockTolerance ? asClockTolerance(top.clockTolerance) : DEFAULT_CLOCK_TOLERANCE;
  const tokenCache = top.tokenCache ? asTokenCache(top.tokenCache) : DEFAULT_TOKEN_CACHE;
  const anonymousRole = top.anonymousRole ? asString(top.anonymousRole).trim() || null : null;
  // SET ROLE NONE would run requests as the connecting user itself.
  if (anonymousRole !== null && anonymousRole.toLowerCase() === 'none') {
    throw new ConfigError(`"${anonymousRole}" (from ${top.anonymousRole!.origin.label}) is not a role: PostgreSQL takes it as SET ROLE NONE`, 'name a real role, such as app_anonymous');
  }

  const config: CognitoConfig = {
    issuers: Object.freeze(issuers.map((i) => Object.freeze(i))),
    shared: Object.freeze(shared),
    kid,
    clockTolerance,
    anonymousRole,
    tokenCache,
    cacheDir,
    offline,
  };
  return { config: Object.freeze(config), warnings };
}

/**
 * `$XDG_CACHE_HOME/postgraphile-cognito`, else `~/.cache/postgraphile-cognito`;
 * null when there is no home folder to put it in (no HOME, and a user the
 * system has no entry for, as in a container run with `--user 12345`).
 */
export function homeCacheDir(env: NodeJS.ProcessEnv, homedir: () => string = os.homedir): string | null {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says to ignore a relative path.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'postgraphile-cognito');
  let home = env.HOME;
  if (!home) {
    try {
      home = homedir();
    } catch {
      return null;
    }
  }
  return home ? path.join(home, '.cache', 'postgraphile-cognito') : null;
}

/** The cache folder when none is given: {@link homeCacheDir}, else a ConfigError that says what to set. */
export function defaultCacheDir(env: NodeJS.ProcessEnv, homedir: () => string = os.homedir): string {
  const dir = homeCacheDir(env, homedir);
  if (dir === null) {
    throw new ConfigError(
      `no folder for the JWKS cache: HOME is unset, and this user${process.getuid ? ` (uid ${process.getuid()})` : ''} has no home folder in the system's user list`,
      'set HOME or XDG_CACHE_HOME, or pass --cache-dir DIR (env POSTGRAPHILE_COGNITO_CACHE_DIR)',
    );
  }
  return dir;
}

/** The top-level settings, each parsed once so a bad value is refused even if no pool uses it. */
function resolveShared(top: Settings): SharedSettings {
  const userPoolIds = dedupe(asList(top.userPoolId));
  const oidcIssuers = dedupe(asList(top.issuer));
  const endpoint = top.endpoint ? parseEndpoint(top.endpoint) : null;
  const region = top.region ? asString(top.region).trim() : null;
  const rules = resolveRules(top, top, top.roleClaim ? null : [DEFAULT_ROLE_CLAIM]);
  return {
    ...rules,
    userPoolIds,
    oidcIssuers,
    region,
    endpoint,
    clientIds: freezeChoice(asClientIds(top.clientId)),
    tokenUse: asTokenUse(top.tokenUse),
    audiences: freezeChoice(asChoice(top.audience)),
    roleClaimGiven: top.roleClaim !== undefined,
  };
}

/** A pool's settings: its rc entry's own, else the top-level ones. */
function resolvePool(entry: Entry, top: Settings, flag: (key: SettingKey) => string, warn: (about: ConfigWarning['about'], text: string) => void): CognitoIssuer[] {
  const get = (key: SettingKey) => entry.own[key] ?? top[key];
  const idSetting = entry.own.userPoolId ?? top.userPoolId;
  const userPoolId = entry.id;
  const at = (setting: Sourced<unknown> | undefined) => (setting ? ` (from ${setting.origin.label})` : '');
  const givenEndpoint = get('endpoint') ? parseEndpoint(get('endpoint')!) : null;
  // AWS's own endpoint for the pool's region, spelled out (as `args` does), is AWS: both issuer forms.
  const awsPrefix = AWS_POOL_ID.exec(userPoolId)?.[1];
  const customEndpoint = givenEndpoint !== null && awsPrefix !== undefined && givenEndpoint === defaultEndpoint(awsPrefix) ? null : givenEndpoint;

  const poolMatch = (customEndpoint ? CUSTOM_POOL_ID : AWS_POOL_ID).exec(userPoolId);
  if (!poolMatch) {
    throw new ConfigError(
      `user pool id "${userPoolId}"${at(idSetting)} is malformed`,
      customEndpoint
        ? 'expected {name}_{letters and digits}, e.g. local_AbC123'
        : `expected {region}_{letters and digits}, e.g. eu-west-1_AbCdEf123 (copy it from the Cognito console); for an emulator's pool, also set ${flag('endpoint')}`,
    );
  }
  const prefix = poolMatch[1]!;
  const prefixIsRegion = REGION.test(prefix);

  let region: string | null = prefixIsRegion ? prefix : null;
  const regionSetting = get('region');
  if (regionSetting) {
    const given = asString(regionSetting).trim();
    const fromAwsRegion = regionSetting.origin.label === 'AWS_REGION';
    if (!REGION.test(given)) {
      // AWS_REGION belongs to the whole AWS environment (emulators set it to "local"); only warn.
      if (!fromAwsRegion) {
        throw new ConfigError(`region "${given}"${at(regionSetting)} is not an AWS region`, 'use a region such as eu-west-1');
      }
      warn('pool', `AWS_REGION "${given}" is not an AWS region; ignoring it`);
    } else if (prefixIsRegion && given !== prefix) {
      if (!fromAwsRegion) {
        throw new ConfigError(
          `user pool id ${userPoolId} is in ${prefix}, but the region${at(regionSetting)} is ${given}`,
          `drop ${regionSetting.origin.label} (the region is taken from the pool id) or set it to ${prefix}`,
        );
      }
      // AWS_REGION is often set for other services; the pool id is authoritative.
      warn('pool', `AWS_REGION is ${given} but user pool ${userPoolId} is in ${prefix}; using ${prefix}`);
    } else if (!prefixIsRegion) {
      region = given;
    }
  }
  if (!customEndpoint && !region) {
    // Unreachable: AWS_POOL_ID guarantees a region prefix.
    throw new ConfigError(`cannot tell the region of user pool ${userPoolId}`, `pass ${flag('region')}`);
  }

  const clientIds = freezeChoice(asClientIds(get('clientId')));
  const rules = resolveRules(entry.own, top, get('roleClaim') ? null : [DEFAULT_ROLE_CLAIM]);
  checkClientRoles(rules, clientIds, get('clientRoles'));
  const tokenUse = asTokenUse(get('tokenUse'));
  const forms = poolIssuerUrls(userPoolId, region, customEndpoint);
  const endpoint = customEndpoint ?? defaultEndpoint(region!);
  return forms.map(({ form, issuer, jwksUrl }) => ({
    kind: 'cognito',
    id: userPoolId,
    issuer,
    form,
    jwksUrl,
    userPoolId,
    region,
    endpoint,
    clientIds,
    tokenUse,
    algorithms: COGNITO_ALGORITHMS,
    ...rules,
  }));
}

function resolveOidc(entry: Entry, top: Settings): OidcIssuer {
  const idSetting = entry.own.issuer ?? top.issuer;
  const where = idSetting ? ` (from ${idSetting.origin.label})` : '';
  // Exactly as given: the document's issuer and each token's iss must equal it to the character.
  const issuer = entry.id;
  parseHttpUrl(issuer, 'issuer', where, 'https://login.example.com/realms/app');
  const audienceSetting = entry.own.audience ?? top.audience;
  const rules = resolveRules(entry.own, top, null);
  checkClientRoles(rules, '*', entry.own.clientRoles ?? top.clientRoles);
  return {
    kind: 'oidc',
    id: issuer,
    issuer,
    discoveryUrl: discoveryUrl(issuer),
    audiences: freezeChoice(asChoice(audienceSetting)),
    algorithms: OIDC_ALGORITHMS,
    ...rules,
  };
}

/**
 * The rules every issuer has, from `own` (an rc entry) else `top`;
 * `defaultClaim` is the family's role claim when none is given: Cognito's
 * groups for a pool, none for an OpenID issuer (no claim is standard there).
 */
function resolveRules(own: Settings, top: Settings, defaultClaim: readonly string[] | null): IssuerRules {
  const get = (key: SettingKey) => own[key] ?? top[key];
  const at = (setting: Sourced<unknown> | undefined) => (setting ? ` (from ${setting.origin.label})` : '');
  const claimSetting = get('roleClaim');
  let roleClaim: readonly string[] | null = defaultClaim;
  if (claimSetting) {
    const text = asList(claimSetting);
    if (text.length === 0) {
      throw new ConfigError(`the role claim${at(claimSetting)} is empty`, `use a claim name such as ${DEFAULT_ROLE_CLAIM}, or ${NO_ROLE_CLAIM} for no role claim`);
    }
    // `none`: no claim chooses the role; every valid token runs as the authenticated (or default) role.
    roleClaim = text.length === 1 && text[0]!.toLowerCase() === NO_ROLE_CLAIM ? null : text;
  }
  const allowedSetting = get('allowedRoles');
  const allowedRoles = asChoice(allowedSetting);
  const authSetting = get('authenticatedRole');
  const authenticatedRole = authSetting ? asString(authSetting).trim() || null : null;
  const namedRoles = allowedRoles === ANY ? [] : allowedRoles;
  for (const [setting, role] of [...namedRoles.map((r) => [allowedSetting, r] as const), [authSetting, authenticatedRole] as const]) {
    // SET ROLE NONE would run requests as the connecting user itself.
    if (role !== null && role.toLowerCase() === 'none') {
      throw new ConfigError(`"${role}"${at(setting)} is not a role: PostgreSQL takes it as SET ROLE NONE`, 'name a real role, such as app_user');
    }
  }
  const scopeSetting = get('scope');
  const scopes = asList(scopeSetting).flatMap((s) => s.split(/\s+/)).filter((s) => s !== '');
  const clientRoles: Record<string, string> = {};
  for (const [client, role] of asPairs(get('clientRoles'))) {
    if (client in clientRoles) throw new ConfigError(`app client ${client} is given two roles${at(get('clientRoles'))}`, 'give each app client one role');
    clientRoles[client] = role;
  }
  return {
    roleClaim: roleClaim && Object.freeze([...roleClaim]),
    allowedRoles: freezeChoice(allowedRoles),
    authenticatedRole,
    scopes: Object.freeze(dedupe(scopes)),
    clientRoles: Object.freeze(clientRoles),
  };
}

/**
 * A machine client's role must be an allowed one (so `--allowed-roles` stays
 * the one list of roles tokens reach), must not be `none`, and must belong
 * to an accepted app client, or it could never apply.
 */
function checkClientRoles(rules: IssuerRules, clientIds: readonly string[] | '*', setting: Sourced<unknown> | undefined): void {
  const at = setting ? ` (from ${setting.origin.label})` : '';
  for (const [client, role] of Object.entries(rules.clientRoles)) {
    if (role.toLowerCase() === 'none') throw new ConfigError(`"${role}"${at} is not a role: PostgreSQL takes it as SET ROLE NONE`, 'name a real role, such as app_worker');
    if (rules.allowedRoles !== ANY && rules.allowedRoles.length > 0 && !rules.allowedRoles.includes(role)) {
      throw new ConfigError(`the role ${role} of app client ${client}${at} is not an allowed role`, `add ${role} to --allowed-roles: client roles stay within the allowed roles`);
    }
    if (clientIds !== ANY && !clientIds.includes(client)) {
      throw new ConfigError(`app client ${client}${at} has a role, but is not an accepted app client`, `add ${client} to --client-id, or drop its role`);
    }
  }
}

/**
 * The entries of an rc list (`pools` or `issuers`): plain objects with known
 * keys and an id, each setting labelled with where it stands.
 */
function rcEntries(raw: unknown, list: 'pools' | 'issuers', keys: readonly SettingKey[], idKey: 'userPoolId' | 'issuer', file: string): Entry[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new ConfigError(`cognito.${list} in ${file} must be a list of objects, not ${describe(raw)}`, list === 'pools' ? "e.g. pools: [{ userPoolId: 'eu-west-1_AbC123', clientId: '1example23456789' }]" : "e.g. issuers: [{ issuer: 'https://login.example.com/', audience: 'api' }]");
  }
  return raw.map((item: unknown, index) => {
    const where = `cognito.${list}[${index}]`;
    if (!isPlainObject(item)) throw new ConfigError(`${where} in ${file} must be an object, not ${describe(item)}`);
    assertKnownKeys(item, keys, where, file);
    const own: Settings = {};
    for (const key of keys) {
      const value = item[key];
      if (value !== undefined && value !== null && value !== '') own[key] = { value, origin: { kind: 'rc', label: `${where}.${key} in ${file}` } };
    }
    const idSetting = own[idKey];
    if (!idSetting) throw new ConfigError(`${where} in ${file} has no ${idKey}`, `every entry of cognito.${list} names its ${idKey === 'userPoolId' ? 'user pool id' : 'issuer URL'}`);
    return { id: asString(idSetting).trim(), own };
  });
}

/** The ids named at the top level, then the rc entries; an entry for a named id refines it, two entries for one id are refused. */
function mergeEntries(named: readonly string[], entries: Entry[], key: (id: string) => string): Entry[] {
  const merged = new Map<string, Entry>(named.map((id) => [key(id), { id, own: {} }]));
  const fromEntries = new Set<string>();
  for (const entry of entries) {
    const k = key(entry.id);
    if (fromEntries.has(k)) throw new ConfigError(`${entry.id} has two entries in the rc file`, 'merge them into one');
    fromEntries.add(k);
    merged.set(k, entry);
  }
  return [...merged.values()];
}

function describeSource(issuer: TrustedIssuer): string {
  return issuer.kind === 'cognito' ? `user pool ${issuer.id}` : `OpenID issuer ${issuer.id}`;
}

function parseEndpoint(setting: Sourced<unknown>): string {
  const url = parseHttpUrl(asString(setting), 'endpoint', ` (from ${setting.origin.label})`, 'http://127.0.0.1:9229 or leave it unset for AWS');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function asTokenUse(setting: Sourced<unknown> | undefined): TokenUse {
  if (!setting) return DEFAULT_TOKEN_USE;
  const text = asString(setting).trim().toLowerCase();
  if (!(TOKEN_USES as readonly string[]).includes(text)) {
    throw new ConfigError(`unknown token use "${text}" (from ${setting.origin.label})`, 'use access (the default), id, or any');
  }
  return text as TokenUse;
}

function asClientIds(setting: Sourced<unknown> | undefined): string[] | '*' {
  const clientIds = asChoice(setting);
  if (clientIds !== ANY) {
    for (const id of clientIds) {
      if (!CLIENT_ID.test(id)) {
        throw new ConfigError(`app client id "${id}" (from ${setting!.origin.label}) is malformed`, 'copy the app client id from the Cognito console; separate several with commas');
      }
    }
  }
  return clientIds;
}

function asClockTolerance(setting: Sourced<unknown>): number {
  const text = typeof setting.value === 'number' ? String(setting.value) : asString(setting, true).trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0 || value > MAX_CLOCK_TOLERANCE) {
    throw new ConfigError(
      `clock tolerance "${text}" (from ${setting.origin.label}) must be a number of seconds from 0 to ${MAX_CLOCK_TOLERANCE}`,
      `the default is ${DEFAULT_CLOCK_TOLERANCE}`,
    );
  }
  return value;
}

function asTokenCache(setting: Sourced<unknown>): number {
  const text = typeof setting.value === 'number' ? String(setting.value) : asString(setting, true).trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > MAX_TOKEN_CACHE) {
    throw new ConfigError(
      `token cache "${text}" (from ${setting.origin.label}) must be a whole number of tokens from 0 (off) to ${MAX_TOKEN_CACHE}`,
      `the default is ${DEFAULT_TOKEN_CACHE}`,
    );
  }
  return value;
}

function freezeChoice<T extends readonly string[] | '*'>(value: T): T {
  return (value === ANY ? value : Object.freeze([...value])) as T;
}

function dedupe(items: readonly string[]): string[] {
  return [...new Set(items)];
}
