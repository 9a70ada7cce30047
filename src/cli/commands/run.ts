import { Command, Help } from 'commander';
import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';
import { FRESH_COPY_MS } from '../../jwks';
import { runServer } from '../../launch';
import { DEFAULT_TIMING } from '../../timing';

const FETCH_DEADLINE_S = DEFAULT_TIMING.startupFetchDeadlineMs / 1000;
/** How the start goes, with the waits users get (src/timing.ts), not the tests' shortened ones. */
const STARTUP = new Help().boxWrap(
  "PostGraphile starts at once, and every trusted issuer's keys load alongside it (an OpenID issuer's after its discovery document; " +
    `a pool's UPDATED form is only probed), from a copy on disk younger than ${FRESH_COPY_MS / 60_000} minutes, else fetched. ` +
    `Requests without a token are served as soon as PostGraphile is up; one with a token waits for its issuer's keys: up to ${FETCH_DEADLINE_S} s, ` +
    `about ${2 * FETCH_DEADLINE_S} s for an OpenID issuer (its discovery, then its keys). Once the keys are in, one line per pool or issuer ` +
    "says which issuer form a pool's tokens use. A pool or issuer with no keys and no usable copy on disk ends the process with " +
    'exit 3, PostGraphile with it. With --cluster-workers (v4) the keys load first, and the workers start from the copy saved on disk.',
  78,
);

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
  $ npx postgraphile-cognito run --client-id '*' --allowed-roles app_user,app_admin --authenticated-role app_user -- -c postgres:///app
  $ npx postgraphile-cognito run --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789,2machine --scope api/read \\
      --allowed-roles app_user,app_worker --client-roles 2machine=app_worker -- -c postgres:///app

${STARTUP}`,
  );
  command.action(async (operands: string[], opts: Record<string, unknown>, self: Command) => {
    const postgraphileArgs = postgraphileArgsAfterDash(self, operands);
    // A restart finds a recent copy of the keys on disk: start from it, and let the plugin refresh it once serving.
    await runServer(settingsFromOptions(opts), postgraphileArgs, { freshForMs: FRESH_COPY_MS });
  });
  return command;
}
