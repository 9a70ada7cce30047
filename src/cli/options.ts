import { Command } from 'commander';
import { UsageError } from '../errors';
import { DEFAULT_CLOCK_TOLERANCE, DEFAULT_ROLE_CLAIM, DEFAULT_TOKEN_CACHE, ENV_NAMES, FLAG_NAMES, RawSettings, SETTING_KEYS, SettingKey } from '../config';

type Group = 'pool' | 'signIn' | 'all';

/** What each setting means; its flag, environment variables and rc key come from the config module. */
const SETTING_HELP: Record<SettingKey, { value: string; text: string }> = {
  userPoolId: { value: 'ids', text: 'Cognito user pool id(s), comma-separated, e.g. eu-west-1_AbCdEf123; tokens of either issuer form (ORIGINAL cognito-idp, UPDATED issuer-cognito-idp) are accepted (required, unless --issuer)' },
  region: { value: 'region', text: 'AWS region (default: the pool id prefix)' },
  endpoint: { value: 'url', text: 'Cognito endpoint, for emulators such as cognito-local; its pools have one issuer, {url}/{pool} (default: AWS)' },
  clientId: { value: 'ids', text: "app client id(s) accepted, comma-separated, or '*' for every app client of the pool (required by run, args and init)" },
  tokenUse: { value: 'use', text: 'which Cognito tokens are accepted: access, id or any (default: "access")' },
  issuer: { value: 'urls', text: 'OpenID Connect issuer URL(s), comma-separated, exactly as in its tokens\' iss; keys from the jwks_uri of {url}/.well-known/openid-configuration' },
  audience: { value: 'auds', text: "for --issuer: audience(s) accepted in aud, comma-separated, or '*' for no audience check (required by run, args and init)" },
  roleClaim: { value: 'path', text: `claim holding the PostgreSQL role, PostGraphile path syntax such as realm_access,roles; none for no role claim (default: "${DEFAULT_ROLE_CLAIM}" for pools, none for --issuer)` },
  allowedRoles: { value: 'roles', text: "roles the role claim or a client role may name, comma-separated, or '*' for any; others are refused (required unless the role claim is none)" },
  authenticatedRole: { value: 'role', text: 'role for a valid token without a usable role claim (default: the anonymous role)' },
  tokenCache: { value: 'tokens', text: `verdicts on verified tokens kept in memory until each token's exp, so a repeated token is not verified again; 0 turns it off (default: ${DEFAULT_TOKEN_CACHE})` },
  anonymousRole: { value: 'role', text: "role for requests without a token; on v4 it is PostGraphile's --default-role unless that is given (default: the connecting role)" },
  scope: { value: 'scopes', text: 'a token must carry at least one of these in its scope, else 403 (reason scope); ID tokens carry none' },
  clientRoles: { value: 'pairs', text: 'CLIENT=ROLE,...: the role of an app client\'s tokens that name no role (machine clients); each role must be an allowed role' },
  clockTolerance: { value: 'seconds', text: `leeway for exp and nbf (default: ${DEFAULT_CLOCK_TOLERANCE})` },
  kid: { value: 'kid', text: 'the key pem prints (default: pem asks when there are several)' },
  cacheDir: { value: 'dir', text: 'JWKS (and OpenID configuration) cache on disk, used when they cannot be fetched (default: $XDG_CACHE_HOME/postgraphile-cognito, else ~/.cache/postgraphile-cognito)' },
  offline: { value: '', text: 'use the cached JWKS and OpenID configurations only, without touching the network' },
};

/** The settings that find the keys (of pools and OpenID issuers): every command that fetches them takes these. */
const POOL_SETTINGS: readonly SettingKey[] = ['userPoolId', 'region', 'endpoint', 'issuer', 'cacheDir', 'offline'];
/** The settings that find the pool's sign-in endpoint and app client: `login` takes these. */
const SIGN_IN_SETTINGS: readonly SettingKey[] = ['userPoolId', 'region', 'endpoint', 'clientId'];

/** Adds the configuration flags; each says its environment variables and rc key. */
export function addConfigOptions(command: Command, group: Group): Command {
  // Values are validated by resolveConfig, like their environment and rc forms, for one kind of message.
  for (const key of group === 'all' ? SETTING_KEYS : group === 'signIn' ? SIGN_IN_SETTINGS : POOL_SETTINGS) {
    const { value, text } = SETTING_HELP[key];
    const sources = [...ENV_NAMES[key].map((name) => `env ${name}`), `rc cognito.${key}`].join(', ');
    // A switch (--offline) takes no value.
    command.option(value ? `${FLAG_NAMES[key]} <${value}>` : FLAG_NAMES[key], `${text} [${sources}]`);
  }
  // Read by the program's preAction hook (main.ts), before any command says anything.
  return command.option('--quiet', 'print errors only: no progress lines or warnings from postgraphile-cognito');
}

/** Commander's parsed options, as raw settings for resolveConfig. */
export function settingsFromOptions(opts: Record<string, unknown>): RawSettings {
  const settings: Record<string, string> = {};
  for (const key of SETTING_KEYS) {
    const value = opts[key];
    if (typeof value === 'string') settings[key] = value;
    else if (value === true) settings[key] = 'true';
  }
  return settings as RawSettings;
}

/**
 * PostGraphile's arguments must follow `--`; a stray word before it is most
 * likely a mistyped command (`keyz`), which must not reach PostGraphile.
 */
export function postgraphileArgsAfterDash(command: Command, operands: readonly string[]): string[] {
  // rawArgs is the argv commander parsed; it is not in commander's type definitions.
  const rawOf = (c: Command | null) => (c as unknown as { rawArgs?: string[] } | null)?.rawArgs;
  const raw = rawOf(command.parent) ?? rawOf(command) ?? [];
  const dash = raw.indexOf('--');
  const afterDash = dash >= 0 ? raw.slice(dash + 1) : [];
  const stray = operands.slice(0, operands.length - afterDash.length);
  if (stray.length > 0) {
    const commands = (command.parent?.commands ?? [command]).map((c) => c.name()).join(', ');
    throw new UsageError(
      `unknown command or argument "${stray[0]}"`,
      `the commands are ${commands}; PostGraphile's own arguments go after --, e.g. postgraphile-cognito run -- -c postgres:///app`,
    );
  }
  return [...afterDash];
}
