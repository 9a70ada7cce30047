import { Command } from 'commander';
import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';
import { loadRcFile } from '../../config';
import { FRESH_COPY_MS } from '../../jwks';
import { assertConnectionGiven } from '../../postgraphile';
import { launchWithPlugin, prepare } from '../prepare';

export function runCommand(): Command {
  const command = new Command('run')
    .description('launch PostGraphile v4 with Cognito verification (the default command)')
    .argument('[postgraphileArgs...]', 'PostGraphile arguments, after --');
  addConfigOptions(command, 'all');
  command.addHelpText(
    'after',
    `
PostGraphile runs in this same process: its output, exit code and signals are
its own, and pm2 or --cluster-workers manage the real server. It is the
project's own PostGraphile when that is v4, else the bundled 4.14.

Examples:
  $ npx postgraphile-cognito --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 -- -c postgres:///app
  $ COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 postgraphile-cognito run -- -c "$DATABASE_URL" --default-role app_anonymous
  $ postgraphile-cognito run --allowed-roles app_user,app_admin --authenticated-role app_user -- -c postgres:///app`,
  );
  command.action(async (operands: string[], opts: Record<string, unknown>, self: Command) => {
    const postgraphileArgs = postgraphileArgsAfterDash(self, operands);
    const rc = loadRcFile(process.cwd());
    assertConnectionGiven(rc, postgraphileArgs, process.env);
    // A restart finds a recent copy of the keys on disk: start from it, and let the plugin refresh it once serving.
    launchWithPlugin(await prepare(settingsFromOptions(opts), { env: process.env, rc }, { freshForMs: FRESH_COPY_MS }), postgraphileArgs);
  });
  return command;
}
