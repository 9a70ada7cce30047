import { Command } from 'commander';
import { UsageError } from '../../errors';
import { DEFAULT_ANONYMOUS_ROLE, DEFAULT_AUTHENTICATED_ROLE, ECOSYSTEM_FILE, GRAPHILE_CONFIG_FILE, init, knownPostGraphileFlags, LOGIN_ROLE, RC_FILE, SCHEMA_FILE } from '../../init';
import * as log from '../../log';
import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';

export function initCommand(): Command {
  const command = new Command('init')
    .description(`write ${RC_FILE} (in a PostGraphile v5 project ${GRAPHILE_CONFIG_FILE}) from these flags, and with --pm2 a pm2 ${ECOSYSTEM_FILE}`)
    .argument('[postgraphileArgs...]', "PostGraphile arguments, after --: they become the rc file's options (v5: the config's pgServices, grafserv, grafast)")
    .option('--pm2', `also write ${ECOSYSTEM_FILE}, which runs node_modules/.bin/postgraphile-cognito run under pm2`)
    .option('--instances <n>', 'with --pm2: pm2 cluster mode with n instances (default: fork mode, one instance)')
    .option('--sql', `also write ${SCHEMA_FILE}: the login role, the app roles, their grants, and a table with a row-level-security policy`)
    .option('--force', `replace an existing ${RC_FILE} (${GRAPHILE_CONFIG_FILE}), ${ECOSYSTEM_FILE} or ${SCHEMA_FILE}`);
  addConfigOptions(command, 'all');
  command.addHelpText(
    'after',
    `
The cognito section gets the flags you give (and tokenUse, always); the
options section gets PostGraphile's arguments after --. Without -c the file
reads process.env.DATABASE_URL, so no password lands in it. init knows these
PostGraphile flags and refuses others, by name:
  ${knownPostGraphileFlags().join(', ')}
It never replaces a file without --force, and writes nothing if it refuses.

In a package with "type": "module" the files are .postgraphilerc and
ecosystem.config.cjs instead, as .js files there cannot be CommonJS.

In a project whose PostGraphile is v5, init writes ${GRAPHILE_CONFIG_FILE} instead:
extends [PostGraphileAmberPreset, makeCognitoPreset({ the flags you give })],
and v5's own flags after -- go where v5's CLI puts them:
  -c/--connection URL         pgServices[0] connectionString (default:
                              process.env.DATABASE_URL)
  -S/--superuser-connection   its superuserConnectionString
  -s/--schema a,b             its schemas (default: public)
  -p/--port, -n/--host        grafserv port and host
  --subscriptions             grafserv websockets, and the service's pubsub
  -e/--allow-explain          grafast explain
  -w/--watch                  grafserv watch
Other flags are refused by name: v5 has no --default-role (give
--anonymous-role; without it, requests without a token run as the
connecting role) and no JWT flags (the preset verifies tokens). A
graphile.config.* that v5 reads before .mjs (.js, .cjs, ...) is refused
even with --force. v5 needs Node.js 22: start the server, and pm2, under
it (the ecosystem file says how pm2 picks its Node).

--sql also writes ${SCHEMA_FILE}, a starting schema that matches the rc file:
the login role ${LOGIN_ROLE} (LOGIN, NOINHERIT, not a superuser, no BYPASSRLS,
and no password: set one with psql's \\password, so none lands in a file),
the anonymous role (--default-role after --, else --anonymous-role, default
${DEFAULT_ANONYMOUS_ROLE}; on v5 --anonymous-role only),
the authenticated role (--authenticated-role, default ${DEFAULT_AUTHENTICATED_ROLE}) and
--allowed-roles, granted to ${LOGIN_ROLE}, and a table note (in the first -s
schema, else public) whose policy lets each user see only rows whose
owner_sub is their token's sub (jwt.claims.sub, as run sets it). Both
defaults are written into the rc file (or ${GRAPHILE_CONFIG_FILE}) too.

Examples:
  $ npx postgraphile-cognito init --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --allowed-roles app_user -- --default-role app_anonymous
  $ npx postgraphile-cognito init --pm2 --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --allowed-roles app_user -- -s app_public --port 5000
  $ DATABASE_URL=postgres:///app pm2 start ecosystem.config.js
  $ npx postgraphile-cognito init --pm2 --instances 2 --force --user-pool-id eu-west-1_AbCdEf123 --client-id '*' --role-claim none
  $ npx postgraphile-cognito init --sql --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --allowed-roles app_admin
  $ npx postgraphile-cognito init --pm2 --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --allowed-roles app_user --anonymous-role app_anonymous -- -s app_public -p 5000   # in a v5 project
  $ psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -f ${SCHEMA_FILE} && psql "$ADMIN_DATABASE_URL" -c '\\password ${LOGIN_ROLE}'`,
  );
  command.action((operands: string[], opts: Record<string, unknown>, self: Command) => {
    const postgraphileArgs = postgraphileArgsAfterDash(self, operands);
    const result = init({
      dir: process.cwd(),
      flags: settingsFromOptions(opts),
      postgraphileArgs,
      pm2: opts.pm2 === true,
      instances: typeof opts.instances === 'string' ? parseInstances(opts.instances) : null,
      sql: opts.sql === true,
      force: opts.force === true,
    });
    for (const line of result.summary) log.info(`wrote ${line}`);
    for (const warning of result.warnings) log.warn(warning);
    const ecosystem = result.written.find((name) => name.startsWith('ecosystem.'));
    const start = (ecosystem ? `pm2 start ${ecosystem}` : 'npx postgraphile-cognito run') + (result.postgraphileMajor === 5 ? ' (under Node.js 22)' : '');
    if (opts.sql === true) {
      log.info(`next: psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -f ${SCHEMA_FILE}; psql "$ADMIN_DATABASE_URL" -c '\\password ${LOGIN_ROLE}'`);
      log.info(`then: export DATABASE_URL=postgres://${LOGIN_ROLE}:PASSWORD@HOST:5432/DATABASE; ${start}`);
    } else {
      log.info(`next: ${result.connectionFromEnv ? `export DATABASE_URL=postgres://..., then ${start}` : start}`);
    }
  });
  return command;
}

function parseInstances(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1) throw new UsageError(`--instances ${text} is not a number of instances`, 'use a whole number such as 2');
  return n;
}
