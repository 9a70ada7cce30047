import { Command } from 'commander';
import { UsageError } from '../errors';
import { DEFAULT_CLOCK_TOLERANCE, DEFAULT_ROLE_CLAIM, RawSettings } from '../config';

type Group = 'pool' | 'all';

/** Adds the configuration flags; each says its environment variable and rc key. */
export function addConfigOptions(command: Command, group: Group): Command {
  command
    .option('--user-pool-id <id>', 'Cognito user pool id, e.g. eu-west-1_AbCdEf123 [env COGNITO_USER_POOL_ID, rc cognito.userPoolId]')
    .option('--region <region>', 'AWS region; defaults to the pool id prefix [env COGNITO_REGION, AWS_REGION; rc cognito.region]')
    .option(
      '--endpoint <url>',
      'Cognito endpoint, for emulators such as cognito-local; default https://cognito-idp.{region}.amazonaws.com [env AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, AWS_ENDPOINT_URL; rc cognito.endpoint]',
    );
  if (group === 'all') {
    command
      .option('--client-id <ids>', 'app client id(s) accepted, comma-separated; default: every client of the pool [env COGNITO_CLIENT_ID, rc cognito.clientId]')
      // Validated by resolveConfig, like the environment and rc values, for one kind of error message.
      .option('--token-use <use>', 'which tokens are accepted: access, id or any (default: "access") [env COGNITO_TOKEN_USE, rc cognito.tokenUse]')
      .option('--role-claim <path>', `claim holding the PostgreSQL role, PostGraphile path syntax (default: "${DEFAULT_ROLE_CLAIM}") [env COGNITO_ROLE_CLAIM, rc cognito.roleClaim]`)
      .option('--allowed-roles <roles>', 'roles the role claim may name, comma-separated; others are refused (default: any) [env COGNITO_ALLOWED_ROLES, rc cognito.allowedRoles]')
      .option('--authenticated-role <role>', 'role for a valid token without a usable role claim (default: PostGraphile --default-role) [env COGNITO_AUTHENTICATED_ROLE, rc cognito.authenticatedRole]')
      .option('--clock-tolerance <seconds>', `leeway for exp and nbf (default: ${DEFAULT_CLOCK_TOLERANCE}) [env COGNITO_CLOCK_TOLERANCE, rc cognito.clockTolerance]`)
      .option('--kid <kid>', 'key whose PEM goes into --jwt-secret (default: the first key) [rc cognito.kid]');
  }
  return command;
}

/** Commander's parsed options, as raw settings for resolveConfig. */
export function settingsFromOptions(opts: Record<string, unknown>): RawSettings {
  const pick = (key: string) => (typeof opts[key] === 'string' ? (opts[key] as string) : undefined);
  const settings: RawSettings = {};
  const entries: [keyof RawSettings, string | undefined][] = [
    ['userPoolId', pick('userPoolId')],
    ['region', pick('region')],
    ['endpoint', pick('endpoint')],
    ['clientId', pick('clientId')],
    ['tokenUse', pick('tokenUse')],
    ['roleClaim', pick('roleClaim')],
    ['allowedRoles', pick('allowedRoles')],
    ['authenticatedRole', pick('authenticatedRole')],
    ['clockTolerance', pick('clockTolerance')],
    ['kid', pick('kid')],
  ];
  for (const [key, value] of entries) if (value !== undefined) (settings as Record<string, string>)[key] = value;
  return settings;
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
    throw new UsageError(
      `unknown command or argument "${stray[0]}"`,
      "the commands are run, args, keys and pem; PostGraphile's own arguments go after --, e.g. postgraphile-cognito run -- -c postgres:///app",
    );
  }
  return [...afterDash];
}
