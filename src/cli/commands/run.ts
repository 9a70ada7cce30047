import { Command } from 'commander';
import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';
import { FRESH_COPY_MS } from '../../jwks';
import { runServer } from '../../launch';

export function runCommand(): Command {
  const command = new Command('run')
    .description('launch PostGraphile (v4, or the project\'s v5) with Cognito verification (the default command)')
    .argument('[postgraphileArgs...]', 'PostGraphile arguments, after --');
  addConfigOptions(command, 'all');
  command.addHelpText(
    'after',
    `
PostGraphile runs in this same process: its output, exit code and signals are
its own, and pm2 or --cluster-workers manage the real server. It is the
project's own PostGraphile, v4 or v5, else the bundled 4.14. For v5 (Node.js 22
or newer) it adds our preset to one -P with yours (else amber, without a
graphile.config), and reads the settings makeCognitoPreset() has there first.

Examples:
  $ npx postgraphile-cognito --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --allowed-roles app_user -- -c postgres:///app
  $ export COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 COGNITO_CLIENT_ID=1example23456789 COGNITO_ALLOWED_ROLES=app_user
  $ npx postgraphile-cognito run -- -c "$DATABASE_URL" --default-role app_anonymous
  $ npx postgraphile-cognito run --client-id '*' --allowed-roles app_user,app_admin --authenticated-role app_user -- -c postgres:///app`,
  );
  command.action(async (operands: string[], opts: Record<string, unknown>, self: Command) => {
    const postgraphileArgs = postgraphileArgsAfterDash(self, operands);
    // A restart finds a recent copy of the keys on disk: start from it, and let the plugin refresh it once serving.
    await runServer(settingsFromOptions(opts), postgraphileArgs, { freshForMs: FRESH_COPY_MS });
  });
  return command;
}
