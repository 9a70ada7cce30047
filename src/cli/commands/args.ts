import { Command } from 'commander';
import * as log from '../../log';
import { shellLine } from '../../postgraphile';
import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';
import { postgraphileArgsFor, prepare } from '../prepare';

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
own arguments untouched. The plugin reads its settings from the environment or
.postgraphilerc.js, so configure it there when you launch PostGraphile yourself.

Examples:
  $ export COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123
  $ eval "npx postgraphile $(postgraphile-cognito args -- -c postgres:///app)"
  $ postgraphile-cognito args --json -- -c postgres:///app > pg-args.json`,
  );
  command.action(async (operands: string[], opts: Record<string, unknown>, self: Command) => {
    const postgraphileArgs = postgraphileArgsAfterDash(self, operands);
    const prepared = await prepare(settingsFromOptions(opts));
    for (const warning of prepared.warnings) log.warn(warning);
    const args = postgraphileArgsFor(prepared, postgraphileArgs);
    process.stdout.write(opts.json ? `${JSON.stringify(args, null, 2)}\n` : `${shellLine(args)}\n`);
  });
  return command;
}
