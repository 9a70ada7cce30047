import { Command } from 'commander';
import * as log from '../../log';
import { locatePostGraphile, postgraphileArgsFor, prepare, shellLine } from '../../launch';
import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';

export function argsCommand(): Command {
  const command = new Command('args')
    .description('print the PostGraphile arguments that `run` uses, for your own scripts')
    .argument('[postgraphileArgs...]', 'PostGraphile arguments, after --')
    .option('--json', 'print a JSON array of strings instead of one shell-quoted line');
  addConfigOptions(command, 'all');
  command.addHelpText(
    'after',
    `
The list starts with --plugins (our verification plugin, merged with yours),
then --jwt-secret <PEM>, --jwt-verify-algorithms RS256, --jwt-verify-issuer,
--jwt-verify-audience, --jwt-verify-clock-tolerance and --jwt-role, then your
configuration as the plugin's own flags (--cognito-user-pool-id, ...; defaults
left out), then your own arguments untouched. A PostGraphile started from it
checks tokens exactly as \`run\` does.

Examples:
  $ export COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123
  $ eval "npx postgraphile $(postgraphile-cognito args -- -c postgres:///app)"
  $ postgraphile-cognito args --json -- -c postgres:///app > pg-args.json`,
  );
  command.action(async (operands: string[], opts: Record<string, unknown>, self: Command) => {
    const postgraphileArgs = postgraphileArgsAfterDash(self, operands);
    const prepared = await prepare(settingsFromOptions(opts), undefined, { server: true });
    for (const warning of prepared.warnings) log.warn(warning);
    // The list is for `npx postgraphile`, which finds the project's PostGraphile: refuse a v5 as run does.
    // (Plugins are not checked: they need to load where the list is used, not here.)
    locatePostGraphile(process.cwd());
    const args = postgraphileArgsFor(prepared, postgraphileArgs);
    process.stdout.write(opts.json ? `${JSON.stringify(args, null, 2)}\n` : `${shellLine(args)}\n`);
  });
  return command;
}
