import * as path from 'node:path';
import { CognitoConfig, cognitoPools, defaultCacheDir, NO_ROLE_CLAIM, pluginFlagName, TrustedIssuer } from '../config';
import { algorithmOf, pemOf, selectKeys, UsableKey } from '../jwks';

// Claims Cognito always sends as arrays; PostGraphile's --jwt-role needs a string.
const ARRAY_CLAIMS = new Set(['cognito:groups', 'cognito:roles']);

export interface ArgsInput {
  config: CognitoConfig;
  keys: readonly UsableKey[];
  /** Arguments for PostGraphile given after `--`, passed on untouched. */
  userArgs?: readonly string[];
  /** Absolute path or module name of our server plugin; null leaves it out. */
  pluginPath: string | null;
  /** `options.plugins` from the rc file, which a `--plugins` flag would otherwise replace. */
  rcPlugins?: unknown;
  /** Folder that relative plugin paths (`./my-plugin.js`) are relative to. */
  cwd?: string;
}

/**
 * The PostGraphile argument list: the one `run` launches and `args` prints.
 * `--plugins` (when used) comes first, as PostGraphile requires; the user's
 * own arguments come last, so theirs win over ours.
 */
export function buildPostGraphileArgs({ config, keys, userArgs = [], pluginPath, rcPlugins, cwd }: ArgsInput): string[] {
  const { plugins: userPlugins, rest } = extractPlugins(userArgs);
  // PostGraphile require()s plugins from its own folder, so a relative path must become absolute.
  const absolute = (spec: string) => (cwd && /^\.\.?[\\/]/.test(spec) ? path.resolve(cwd, spec) : spec);
  const others = (userPlugins ?? (pluginPath ? pluginList(rcPlugins) : [])).map(absolute);
  const args: string[] = [];
  if (pluginPath) {
    args.push('--plugins', dedupe([pluginPath, ...others]).join(','));
  } else if (userPlugins) {
    args.push('--plugins', others.join(','));
  }
  // PostGraphile's own check (used only without the plugin) knows one key and one issuer: the first.
  const key = secretKey(config, keys);
  const issuer = firstIssuer(config);
  args.push(
    '--jwt-secret',
    pemFor(key),
    '--jwt-verify-algorithms',
    algorithmOf(key.jwk),
    '--jwt-verify-issuer',
    issuer.issuer,
    '--jwt-verify-audience',
    audience(issuer),
    '--jwt-verify-clock-tolerance',
    String(config.clockTolerance),
    '--jwt-role',
    jwtRolePath(issuer.roleClaim),
    ...(pluginPath ? pluginFlags(config) : []),
    ...rest,
  );
  return args;
}

/**
 * The configuration as the plugin's own flags, so the list carries it to the
 * plugin: under `run` and in a PostGraphile started by hand alike. Every
 * setting is spelled out, defaults included, because a flag is the only way
 * to override an environment variable or rc value back to the default. Empty
 * lists and an unset role cannot be flags, and cannot be given as flags to
 * postgraphile-cognito either. The default cache folder is left out: the
 * plugin works out the same one from the same environment, and a list pasted
 * onto another machine should use that machine's.
 */
export function pluginFlags(config: CognitoConfig): string[] {
  const { shared } = config;
  const flags: string[] = [];
  const add = (key: Parameters<typeof pluginFlagName>[0], value: string) => flags.push(pluginFlagName(key), value);
  const list = (value: readonly string[] | '*') => (value === '*' ? value : value.join(','));
  if (shared.userPoolIds.length > 0) add('userPoolId', shared.userPoolIds.join(','));
  // The endpoint of the named pools: a custom one, or AWS's when they all share one region.
  const endpoints = new Set(cognitoPools(config).filter((p) => shared.userPoolIds.includes(p.id)).map((p) => p.endpoint));
  const endpoint = shared.endpoint ?? (endpoints.size === 1 ? [...endpoints][0]! : null);
  if (endpoint) add('endpoint', endpoint);
  if (shared.oidcIssuers.length > 0) add('issuer', shared.oidcIssuers.join(','));
  add('tokenUse', shared.tokenUse);
  // Without --role-claim, pools and OpenID issuers have different defaults: spelled out only when that cannot matter.
  const oidc = config.issuers.some((i) => i.kind === 'oidc');
  if (shared.roleClaimGiven || !oidc) add('roleClaim', shared.roleClaim?.join(',') ?? NO_ROLE_CLAIM);
  add('clockTolerance', String(config.clockTolerance));
  add('offline', String(config.offline));
  if (shared.clientIds.length > 0) add('clientId', list(shared.clientIds));
  if (shared.audiences.length > 0) add('audience', list(shared.audiences));
  if (shared.allowedRoles.length > 0 && (shared.roleClaim || Object.keys(shared.clientRoles).length > 0 || oidc)) add('allowedRoles', list(shared.allowedRoles));
  if (shared.authenticatedRole) add('authenticatedRole', shared.authenticatedRole);
  if (shared.scopes.length > 0) add('scope', shared.scopes.join(','));
  const clientRoles = Object.entries(shared.clientRoles);
  if (clientRoles.length > 0) add('clientRoles', clientRoles.map(([client, role]) => `${client}=${role}`).join(','));
  // The default folder is this machine's home: a list pasted elsewhere should use that machine's.
  if (config.cacheDir !== defaultCacheDir(process.env)) flags.push(pluginFlagName('cacheDir'), config.cacheDir);
  return flags;
}

/** The key's PEM: the one saved with a cached copy, else made now. */
function pemFor(key: UsableKey): string {
  return key.pem ?? pemOf(key.jwk);
}

/**
 * The key whose PEM goes into --jwt-secret: --kid when given, else the first.
 * With the plugin loaded every key of every issuer verifies; the PEM matters
 * only to PostGraphile's own check, used when the plugin is not.
 */
function secretKey(config: CognitoConfig, keys: readonly UsableKey[]): UsableKey {
  return config.kid ? selectKeys(keys, { kid: config.kid })[0]! : keys[0]!;
}

/** The first trusted issuer: the one PostGraphile's own check is told about. */
function firstIssuer(config: CognitoConfig): TrustedIssuer {
  return config.issuers[0]!;
}

/**
 * PostGraphile requires `aud: postgraphile` unless told otherwise. ID tokens
 * carry the app client id in `aud`; access tokens carry none, so for them the
 * audience check is turned off ('') and the plugin checks `client_id`. An
 * OpenID issuer's tokens carry its audience.
 */
function audience(issuer: TrustedIssuer): string {
  if (issuer.kind === 'oidc') return issuer.audiences === '*' ? '' : issuer.audiences.join(',');
  return issuer.tokenUse === 'id' && issuer.clientIds !== '*' && issuer.clientIds.length > 0 ? issuer.clientIds.join(',') : '';
}

/** PostGraphile's own --jwt-role (used only without the plugin); with no role claim, a claim Cognito never sends. */
function jwtRolePath(roleClaim: readonly string[] | null): string {
  if (roleClaim === null) return NO_ROLE_CLAIM;
  return roleClaim.length === 1 && ARRAY_CLAIMS.has(roleClaim[0]!) ? `${roleClaim[0]},0` : roleClaim.join(',');
}

/** Takes `--plugins X` / `--plugins=X` out of the user's arguments, wherever it stands. */
function extractPlugins(userArgs: readonly string[]): { plugins: string[] | null; rest: string[] } {
  const rest: string[] = [];
  let plugins: string[] | null = null;
  for (let i = 0; i < userArgs.length; i++) {
    const arg = userArgs[i]!;
    if (arg === '--plugins' && i + 1 < userArgs.length) {
      plugins = [...(plugins ?? []), ...splitList(userArgs[++i]!)];
    } else if (arg.startsWith('--plugins=')) {
      plugins = [...(plugins ?? []), ...splitList(arg.slice('--plugins='.length))];
    } else {
      rest.push(arg);
    }
  }
  return { plugins, rest };
}

function pluginList(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((p): p is string => typeof p === 'string');
  if (typeof raw === 'string') return splitList(raw);
  return [];
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}

/** POSIX shell quoting: safe words bare, everything else in single quotes (newlines kept). */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_\-+=/.,:@%]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}

/** The plugin names in an argument list built above (after `--plugins`). */
export function pluginsIn(args: readonly string[]): string[] {
  return args[0] === '--plugins' && args[1] ? splitList(args[1]) : [];
}
