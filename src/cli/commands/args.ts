import { Command } from 'commander';
import * as log from '../../log';
import { planServer, postgraphileArgsFor, prepare, shellLine } from '../../launch';
import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';

/**
 * What a failed \`args\` prints on stdout instead of the list: an option
 * PostGraphile refuses ("unknown option"), so a script that ignores the exit
 * code (eval "npx postgraphile $(postgraphile-cognito args)") stops there
 * rather than starting PostGraphile with no token check at all.
 */
export const ARGS_FAILED = '--postgraphile-cognito-args-failed';

/** The stdout of a failed \`args\`, in the form asked for; \`words\` are the arguments after \`args\`. */
export function argsFailureOutput(words: readonly string[]): string {
  const dash = words.indexOf('--');
  const ours = dash >= 0 ? words.slice(0, dash) : words;
  return ours.includes('--json') ? `${JSON.stringify([ARGS_FAILED], null, 2)}\n` : `${ARGS_FAILED}\n`;
}

export function argsCommand(): Command {
  const command = new Command('args')
    .description('print the PostGraphile arguments that `run` uses, for your own scripts')
    .argument('[postgraphileArgs...]', 'PostGraphile arguments, after --')
    .option('--json', 'print a JSON array of strings instead of one shell-quoted line');
  addConfigOptions(command, 'all');
  command.addHelpText(
    'after',
    `
For PostGraphile v4 (the project's, else the bundled one), the list starts
with --plugins (our verification plugin, merged with yours), then your
configuration as the plugin's own flags (--cognito-user-pool-id, ..., defaults
included), then your own arguments untouched. No --jwt-* flag: the plugin
verifies every token (\`pem\` prints a key, if you need one). args still loads
the keys, and fails (exit 3) when there are none.

For a project on PostGraphile v5, it is one -P: your presets (or amber, when
there is no graphile.config), then our preset, with the whole configuration in
its name (…/preset.js:cfg_…), then your own arguments untouched.

Either way, a PostGraphile started from it checks tokens exactly as \`run\` does.

On failure it exits non-zero and prints only ${ARGS_FAILED},
which PostGraphile refuses as an unknown option (with --json: a list of that
one word): a script that misses the exit code still starts no server.

Examples:
  $ export COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 COGNITO_CLIENT_ID=1example23456789 COGNITO_ALLOWED_ROLES=app_user
  $ args=$(npx postgraphile-cognito args -- -c "$DATABASE_URL") || exit
  $ eval "npx postgraphile $args"
  $ npx postgraphile-cognito args --json -- -c "$DATABASE_URL" > pg-args.json || exit`,
  );
  command.action(async (operands: string[], opts: Record<string, unknown>, self: Command) => {
    const postgraphileArgs = postgraphileArgsAfterDash(self, operands);
    // The list is for `npx postgraphile`, which finds the project's PostGraphile, v4 or v5, as run does.
    const plan = await planServer(postgraphileArgs, { checkNode: false });
    const prepared = await prepare(settingsFromOptions(opts), plan.sources, { server: true });
    for (const warning of prepared.warnings) log.warn(warning);
    // (Plugins are not checked: they need to load where the list is used, not here.)
    const args = postgraphileArgsFor(prepared, postgraphileArgs, plan);
    process.stdout.write(opts.json ? `${JSON.stringify(args, null, 2)}\n` : `${shellLine(args)}\n`);
  });
  return command;
}
