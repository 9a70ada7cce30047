import * as path from 'node:path';
import { CognitoConfig, NO_ROLE_CLAIM, pluginFlagName, spellOut } from '../config';
import { pemOf, selectKeys, UsableKey } from '../jwks';
import { splitList, takeOption } from './argv';

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
  const { values: userPlugins, rest } = takeOption(userArgs, ['--plugins']);
  // PostGraphile require()s plugins from its own folder, so a relative path must become absolute.
  const absolute = (spec: string) => (cwd && /^\.\.?[\\/]/.test(spec) ? path.resolve(cwd, spec) : spec);
  const others = (userPlugins ?? (pluginPath ? pluginList(rcPlugins) : [])).map(absolute);
  const args: string[] = [];
  if (pluginPath) {
    args.push('--plugins', dedupe([pluginPath, ...others]).join(','));
  } else if (userPlugins) {
    args.push('--plugins', others.join(','));
  }
  args.push(
    '--jwt-secret',
    pemFor(secretKey(config, keys)),
    '--jwt-verify-algorithms',
    'RS256',
    '--jwt-verify-issuer',
    config.issuer,
    '--jwt-verify-audience',
    audience(config),
    '--jwt-verify-clock-tolerance',
    String(config.clockTolerance),
    '--jwt-role',
    jwtRolePath(config.roleClaim),
    ...(pluginPath ? pluginFlags(config) : []),
    ...rest,
  );
  return args;
}

/** The configuration as the plugin's own flags, so the list carries it to the plugin, under `run` and in a PostGraphile started by hand alike. */
export function pluginFlags(config: CognitoConfig): string[] {
  return spellOut(config).flatMap(([key, value]) => [pluginFlagName(key), value]);
}

/** The key's PEM: the one saved with a cached copy, else made now. */
function pemFor(key: UsableKey): string {
  return key.pem ?? pemOf(key.jwk);
}

/**
 * The key whose PEM goes into --jwt-secret: --kid when given, else the first.
 * With the plugin loaded every key of the pool verifies; the PEM matters only
 * to PostGraphile's own check, used when the plugin is not.
 */
function secretKey(config: CognitoConfig, keys: readonly UsableKey[]): UsableKey {
  return config.kid ? selectKeys(keys, { kid: config.kid })[0]! : keys[0]!;
}

/**
 * PostGraphile requires `aud: postgraphile` unless told otherwise. ID tokens
 * carry the app client id in `aud`; access tokens carry none, so for them the
 * audience check is turned off ('') and the plugin checks `client_id`.
 */
function audience(config: CognitoConfig): string {
  return config.tokenUse === 'id' && config.clientIds !== '*' && config.clientIds.length > 0 ? config.clientIds.join(',') : '';
}

/** PostGraphile's own --jwt-role (used only without the plugin); with no role claim, a claim Cognito never sends. */
function jwtRolePath(roleClaim: readonly string[] | null): string {
  if (roleClaim === null) return NO_ROLE_CLAIM;
  return roleClaim.length === 1 && ARRAY_CLAIMS.has(roleClaim[0]!) ? `${roleClaim[0]},0` : roleClaim.join(',');
}

function pluginList(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((p): p is string => typeof p === 'string');
  if (typeof raw === 'string') return splitList(raw);
  return [];
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
