import { Command } from 'commander';
import { UsageError } from '../../errors';
import { CLIENT_SECRET_ENV } from '../../login/client';
import { addConfigOptions, settingsFromOptions } from '../options';

/**
 * login's own answer to an unknown --password… option: where the password
 * does come from. Only the name is said, never what follows it
 * (`--password=secret`), which commander's message would echo.
 */
class LoginCommand extends Command {
  unknownOption(flag: string): void {
    if (/^--pass/i.test(flag)) {
      // `--passwordhunter2` too may hold a password: a --password… option is named as --password.
      const name = /^--password/i.test(flag) ? '--password' : flag.replace(/=.*$/s, '');
      throw new UsageError(`unknown option '${name}'`, 'the password is never a flag: use --password-stdin, COGNITO_PASSWORD, or the prompt');
    }
    (Command.prototype as unknown as { unknownOption(this: Command, flag: string): void }).unknownOption.call(this, flag);
  }
}

export function loginCommand(): Command {
  const command = new LoginCommand('login')
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
    // Loaded when used: sign-in brings the HTTP client, which --help and the other commands do not need.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { login } = require('../../login') as typeof import('../../login');
    await login({
      flags: settingsFromOptions(opts),
      username: typeof opts.username === 'string' ? opts.username : null,
      passwordStdin: opts.passwordStdin === true,
      flow: String(opts.flow),
      clientSecret: typeof opts.clientSecret === 'string' ? opts.clientSecret : null,
      refresh: typeof opts.refresh === 'string' ? opts.refresh : null,
      id: opts.id === true,
      json: opts.json === true,
      env: process.env,
      cwd: process.cwd(),
    });
  });
  return command;
}
