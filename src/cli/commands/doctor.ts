import { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors';
import { MAX_ROWS } from '../../doctor/limits';
import { checkTokenAsServer, readToken, reportTokenRequest } from '../token-check';

import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';

export function doctorCommand(): Command {
  const command = new Command('doctor')
    .description('check the configuration, the JWKS, the database and its roles, each with a hint to fix it')
    .argument('[postgraphileArgs...]', 'PostGraphile arguments, after --; -c/--connection and -r/--default-role are read')
    .option('--token <token>', 'instead of the checks: verify this token as the server would and run what a request with it does (- reads standard input)')
    .option('--sql <statement>', 'with --token: run this statement as the request would, and print its rows')
    .option('--json', 'print { ok, checks: [{ name, status, detail, hint }] } instead of text (with --token: verify --json with a request)');
  addConfigOptions(command, 'all');
  command.addHelpText(
    'after',
    `
Checks, each reported as PASS, WARN, FAIL or SKIP (when it needs one that failed):
  configuration       flags, environment and .postgraphilerc.js, as run reads them
  OpenID configuration  for --issuer: the discovery document, its issuer and jwks_uri
  JWKS                fetched and validated as run does; its kids; --kid is one of them
  JWKS cache headers  Cache-Control, Expires and Age of the answer
  JWKS copy on disk   saved by the fetch; what run falls back on (with --offline: the only check)
  issuer form of ...  for a pool on AWS: whether its tokens use the ORIGINAL or the
                      UPDATED issuer (the UPDATED host serves keys only once switched)
With several pools or issuers, or a pool on AWS (two issuer forms), each JWKS
check names whose it is.
  database            connects within 5 s; the PostgreSQL version
  role ...            the default, authenticated and allowed roles exist and the
                      connecting role may SET ROLE to each
  connecting role     a warning if it is a superuser or has BYPASSRLS, which row-level
                      security does not apply to

The database is the one PostGraphile would use: -c after --, else the rc file's
options.connection, else DATABASE_URL, else the PG* variables (PostGraphile v4
reads them in that order). The default role is --default-role after --, else
options.defaultRole. Passwords are never printed.

With --token it checks that token as \`verify\` does (the same code as the
server), then opens the same database and, in a transaction that is always
rolled back, does what PostGraphile does for the request: the claim settings
and the role, with set_config(..., true). It reports the role the request
runs as (whether it exists and the connecting role may switch to it),
current_user, each jwt.claims.* setting as SQL reads it, and for each table
and view of the schemas (-s after --, else options.schema, else public) its
row-level security and the policies that apply to that role. --sql runs one
statement there too and prints up to ${MAX_ROWS} rows: what the policies let through.
A statement that ends the transaction is refused.

Exit codes: 0 when nothing failed (warnings allowed), 1 when a check failed
(with --token: the request would fail), 4 the token is refused, 2 for a
usage error.

Examples:
  $ npx postgraphile-cognito doctor --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --allowed-roles app_user -- -c postgres:///app --default-role app_anonymous
  $ DATABASE_URL=postgres:///app npx postgraphile-cognito doctor --client-id '*' --allowed-roles app_user,app_admin
  $ npx postgraphile-cognito doctor --json -- -c "$DATABASE_URL" | jq '.checks[] | select(.status == "fail")'
  $ npx postgraphile-cognito doctor --client-id 1example23456789 --allowed-roles app_user --token "$TOKEN" --sql 'select * from note' -- -c postgres:///app --default-role app_anonymous
  $ npx postgraphile-cognito login --username alice@example.com | npx postgraphile-cognito doctor --token - --json`,
  );
  command.action(async (operands: string[], opts: Record<string, unknown>, self: Command) => {
    const postgraphileArgs = postgraphileArgsAfterDash(self, operands);
    const sql = typeof opts.sql === 'string' ? opts.sql : null;
    if (typeof opts.token === 'string') {
      const check = await checkTokenAsServer(settingsFromOptions(opts), readToken(opts.token));
      await reportTokenRequest(check, { postgraphileArgs, sql }, opts.json === true);
      return;
    }
    if (sql !== null) throw new UsageError('--sql needs --token: it runs as the request of that token', 'add --token "$TOKEN" (or --token - to read it from standard input)');
    // Loaded when used: doctor brings PostgreSQL's client, which run and the others do not need first.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { allPassed, formatJson, formatText, runDoctor } = require('../../doctor') as typeof import('../../doctor');
    const checks = await runDoctor({ flags: settingsFromOptions(opts), postgraphileArgs, env: process.env, cwd: process.cwd() });
    process.stdout.write(opts.json ? formatJson(checks) : formatText(checks));
    process.exitCode = allPassed(checks) ? ExitCode.ok : ExitCode.checkFailed;
  });
  return command;
}
