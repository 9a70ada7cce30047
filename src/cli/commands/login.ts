import { Command } from 'commander';
import * as fs from 'node:fs';
import { cognitoPools, loadRcFile, resolveConfig } from '../../config';
import { UsageError } from '../../errors';
import * as log from '../../log';
import { printable } from '../../printable';
import { addConfigOptions, settingsFromOptions } from '../options';

const CLIENT_SECRET_ENV = 'COGNITO_CLIENT_SECRET';

export function loginCommand(): Command {
  const command = new Command('login')
    .description('sign a user in to the user pool and print the access token (or the ID token, or all as JSON)')
    .option('--username <name>', 'the user to sign in (a pool that signs in by e-mail takes the e-mail address)')
    .option('--password-stdin', 'read the password from standard input (else COGNITO_PASSWORD, else a prompt that does not echo)')
    .option('--flow <flow>', 'auto (SRP, else the password flow when SRP is not offered), srp or password', 'auto')
    .option('--client-secret <secret>', `the app client's secret, if it has one: adds SECRET_HASH [env ${CLIENT_SECRET_ENV}]`)
    .option('--refresh <token>', 'new access and ID tokens from a refresh token instead of a password; - reads it from standard input')
    .option('--id', 'print the ID token instead of the access token')
    .option('--json', 'print { flow, tokenType, accessToken, accessTokenExpiresAt, idToken, idTokenExpiresAt, refreshToken, expiresIn }');
  addConfigOptions(command, 'signIn');
  command.addHelpText(
    'after',
    `
Signs in with the same configuration as every command (--user-pool-id,
--endpoint, the rc file's cognito section), with exactly one app client id.
The token goes to standard output, alone; everything else to standard error.

Flows: USER_SRP_AUTH (the password never leaves this machine; what app
clients allow by default) and USER_PASSWORD_AUTH (the app client must allow
ALLOW_USER_PASSWORD_AUTH). --flow auto tries SRP and falls back to the
password flow when the app client or the endpoint does not offer SRP
(cognito-local offers only the password flow). --refresh uses
REFRESH_TOKEN_AUTH.

The password is never a flag: it comes from standard input with
--password-stdin, else from COGNITO_PASSWORD, else from a prompt that does
not echo. It is never printed or logged.

Exit codes: 0 signed in; 5 sign-in refused (wrong password, unknown or
unconfirmed user, expired refresh token); 2 usage or configuration, or a
challenge login cannot answer (NEW_PASSWORD_REQUIRED, MFA); 3 Cognito
unreachable.

Examples:
  $ TOKEN=$(postgraphile-cognito login --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --username alice@example.com)
  $ printf '%s' "$PASSWORD" | postgraphile-cognito login --password-stdin --username alice@example.com --json > tokens.json
  $ postgraphile-cognito login --user-pool-id local_AbC123 --endpoint http://127.0.0.1:9229 --client-id abc --username alice@example.com --id
  $ jq -r .refreshToken tokens.json | postgraphile-cognito login --refresh - --client-id 1example23456789
  $ postgraphile-cognito doctor --token "$TOKEN" --sql 'select * from note'`,
  );
  command.action(async (opts: Record<string, unknown>) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { FLOW_CHOICES, issuerMismatch, readPassword, refresh, signIn, tokenOutput } = require('../../login') as typeof import('../../login');
    const flow = String(opts.flow);
    if (!(FLOW_CHOICES as readonly string[]).includes(flow)) throw new UsageError(`--flow ${flow} is not a flow`, 'use auto (the default), srp or password');
    if (opts.id === true && opts.json === true) throw new UsageError('--id and --json cannot be combined', '--json prints the ID token too');
    const refreshArgument = typeof opts.refresh === 'string' ? opts.refresh : null;
    if (refreshArgument === '-' && opts.passwordStdin === true) throw new UsageError('--refresh - and --password-stdin both read standard input', 'a refresh needs no password: drop --password-stdin');
    const username = typeof opts.username === 'string' && opts.username !== '' ? opts.username : null;

    const { config, warnings } = resolveConfig({ flags: settingsFromOptions(opts), env: process.env, rc: loadRcFile(process.cwd()) });
    for (const warning of warnings) if (warning.about === 'pool') log.warn(warning.text);
    // One pool signs in; several (or an OpenID issuer only) leave it unclear which.
    const pools = cognitoPools(config);
    if (pools.length !== 1) {
      throw new UsageError(
        pools.length === 0 ? 'login signs in to a Cognito user pool, and none is configured' : `login signs in to one user pool, but ${pools.length} are configured`,
        'pass --user-pool-id with the pool the user is in',
      );
    }
    const pool = pools[0]!;
    // '*' (any app client, for run) names none to sign in with.
    const clientIds = pool.clientIds === '*' ? [] : pool.clientIds;
    if (clientIds.length !== 1) {
      throw new UsageError(
        clientIds.length === 0 ? 'login needs the app client to sign in with' : `login signs in with one app client, but ${clientIds.length} are configured`,
        'pass --client-id ID (the Cognito console lists it under App clients)',
      );
    }
    const secretText = typeof opts.clientSecret === 'string' ? opts.clientSecret : process.env[CLIENT_SECRET_ENV];
    const client = { endpoint: pool.endpoint, userPoolId: pool.userPoolId, clientId: clientIds[0]!, clientSecret: secretText ? secretText : null };

    let tokens;
    if (refreshArgument !== null) {
      const refreshToken = (refreshArgument === '-' ? fs.readFileSync(0, 'utf8') : refreshArgument).trim();
      if (refreshToken === '') throw new UsageError('no refresh token given', refreshArgument === '-' ? 'standard input was empty' : 'pass the refresh token, or - to read it from standard input');
      tokens = await refresh({ ...client, refreshToken, username });
    } else {
      if (username === null) throw new UsageError('login needs --username', 'e.g. --username alice@example.com (a pool that signs in by e-mail takes the e-mail address)');
      const password = await readPassword({ fromStdin: opts.passwordStdin === true, env: process.env, username });
      tokens = await signIn({ ...client, username, password, flow: flow as 'auto', onFallback: (text) => log.info(text) });
    }
    const mismatch = issuerMismatch(tokens, config.issuers.filter((i) => i.kind === 'cognito' && i.id === pool.id).map((i) => i.issuer));
    if (mismatch) log.warn(mismatch);
    const output = tokenOutput(tokens);
    const until = output.accessTokenExpiresAt ? `; the access token expires at ${output.accessTokenExpiresAt}` : '';
    log.info(`${tokens.flow === 'refresh' ? 'refreshed the tokens' : `signed in ${printable(username ?? '')} with ${tokens.flow === 'srp' ? 'USER_SRP_AUTH' : 'USER_PASSWORD_AUTH'}`}${until}`);
    process.stdout.write(opts.json === true ? `${JSON.stringify(output, null, 2)}\n` : `${opts.id === true ? tokens.idToken : tokens.accessToken}\n`);
  });
  return command;
}
