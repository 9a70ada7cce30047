import { Command } from 'commander';
import { describeStartup } from '../../jwks';
import * as log from '../../log';
import { setHandover } from '../../plugin/handover';
import { assertPluginsLoadable, launchInProcess, locatePostGraphile, pluginsIn } from '../../postgraphile';
import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';
import { isPostGraphileWorker, postgraphileArgsFor, prepare } from '../prepare';

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
    const prepared = await prepare(settingsFromOptions(opts));
    const quiet = isPostGraphileWorker();
    if (!quiet) for (const warning of prepared.warnings) log.warn(warning);
    const install = locatePostGraphile(process.cwd());
    const args = postgraphileArgsFor(prepared, postgraphileArgs);
    assertPluginsLoadable(install, pluginsIn(args));
    const { config, jwks, source, fetchedAt } = prepared;
    if (!quiet) log.info(`${describeStartup(config, prepared)}; PostGraphile ${install.version} (${install.origin})`);
    setHandover({ config, jwks, fetchedAt, source });
    launchInProcess(install, args, process.argv);
  });
  return command;
}
