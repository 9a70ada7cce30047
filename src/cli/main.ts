import { Command, CommanderError } from 'commander';
import { ExitCode, messageOf, PostgraphileCognitoError } from '../errors';
import * as log from '../log';
import { checkArgv } from './argv';
import { argsCommand, argsFailureOutput } from './commands/args';
import { doctorCommand } from './commands/doctor';
import { initCommand } from './commands/init';
import { demoCommand } from './commands/demo';
import { keysCommand } from './commands/keys';
import { loginCommand } from './commands/login';
import { pemCommand } from './commands/pem';
import { runCommand } from './commands/run';
import { verifyCommand } from './commands/verify';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

// Commander's own errors get our prefix, like every other error line.
const OUTPUT = { outputError: (text: string, write: (text: string) => void) => write(`postgraphile-cognito: ${text}`) };

export function buildProgram(): Command {
  const program = new Command('postgraphile-cognito')
    .description('Run PostGraphile v4 or v5 behind Amazon Cognito (or any OpenID Connect issuer): fetch the keys, verify tokens, hand every claim to PostgreSQL.')
    .version(version)
    .exitOverride()
    .configureOutput(OUTPUT)
    .showSuggestionAfterError(true)
    .hook('preAction', (_program, command) => {
      if (command.opts().quiet === true) log.setQuiet(true);
    });
  program.addHelpText(
    'after',
    `
Configuration comes from flags, then environment variables, then the cognito
section of .postgraphilerc.js in the working directory. PostGraphile's own
arguments go after --.

Trusted issuers: every pool in --user-pool-id (both of its issuer forms,
ORIGINAL and UPDATED) and every OpenID Connect issuer in --issuer; the rc
file's cognito.pools and cognito.issuers give each its own settings. A
token's iss picks one; any other is refused. See docs/issuers.md.

New here? \`postgraphile-cognito demo\` starts a local issuer, PostgreSQL and
PostGraphile, and prints tokens and curl commands to try: no AWS account needed.

Examples:
  $ npx postgraphile-cognito demo
  $ npx postgraphile-cognito --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --allowed-roles app_user -- -c postgres:///app
  $ npx postgraphile-cognito --user-pool-id local_AbC123 --endpoint http://127.0.0.1:9229 --client-id '*' --allowed-roles '*' -- -c postgres:///app
  $ npx postgraphile-cognito --user-pool-id eu-west-1_Staff1,eu-west-1_Shop2 --client-id 1staff,2shop --allowed-roles app_user -- -c postgres:///app
  $ npx postgraphile-cognito --issuer https://login.example.com/realms/app --audience account --role-claim realm_access,roles --allowed-roles app_user -- -c postgres:///app
  $ npx postgraphile-cognito keys --user-pool-id eu-west-1_AbCdEf123
  $ npx postgraphile-cognito pem --user-pool-id eu-west-1_AbCdEf123 --all --out keys.pem
  $ npx postgraphile-cognito verify --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 "$TOKEN"
  $ npx postgraphile-cognito doctor --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --allowed-roles app_user -- -c postgres:///app --default-role app_anonymous
  $ npx postgraphile-cognito init --pm2 --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --allowed-roles app_user -- --default-role app_anonymous
  $ TOKEN=$(npx postgraphile-cognito login --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 --username alice@example.com)

Exit codes: 0 ok, 1 unexpected error, 2 usage or configuration,
3 JWKS unavailable or invalid (and no usable cached copy), or Cognito's
sign-in endpoint unreachable (login), 4 token refused (verify, doctor
--token), 5 sign-in refused (login: wrong password, unknown user);
\`doctor\` exits 1 when a check fails; \`run\` exits with PostGraphile's
own code, \`demo\` with 130 after Ctrl-C.`,
  );
  for (const command of [runCommand(), argsCommand(), keysCommand(), pemCommand(), verifyCommand(), doctorCommand(), initCommand(), loginCommand(), demoCommand()]) {
    command.exitOverride().configureOutput(OUTPUT);
    program.addCommand(command, command.name() === 'run' ? { isDefault: true } : {});
  }
  return program;
}

const TOP_LEVEL_FLAGS = ['-h', '--help', '-V', '--version'];

/**
 * `run` is the default command. Naming it explicitly before commander parses
 * keeps everything after `--` for PostGraphile: otherwise commander would take
 * `-- --help` as a request for our own top-level help.
 */
export function withDefaultCommand(program: Command, args: readonly string[]): string[] {
  const commands = [...program.commands.map((c) => c.name()), 'help'];
  const first = args[0];
  if (first !== undefined && (commands.includes(first) || TOP_LEVEL_FLAGS.includes(first))) return [...args];
  return ['run', ...args];
}

export async function main(argv: readonly unknown[]): Promise<void> {
  // `postgraphile-cognito --help | head -1` closes the pipe early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.ok);
    throw error;
  });
  const words = argv.slice(2);
  try {
    const args = checkArgv(words, process.env);
    const program = buildProgram();
    await program.parseAsync([String(argv[0]), String(argv[1]), ...withDefaultCommand(program, args)]);
  } catch (error) {
    const code = exitCodeFor(error);
    process.exitCode = code;
    // A failed `args` must leave its scripts something PostGraphile refuses, never an empty list.
    if (code !== ExitCode.ok && words[0] === 'args') process.stdout.write(argsFailureOutput(words.slice(1).map(String)));
    // Under pm2's cluster mode an open IPC channel keeps a failed process alive, and its log
    // lines travel over that channel: give them a moment, then exit. Elsewhere the process
    // ends at once on its own, as this timer does not hold it.
    setTimeout(() => process.exit(code), 250).unref();
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
    // `help` exits 0 for a known command and 1 for an unknown one (`help nope`): a usage error.
    if (error.code === 'commander.help') return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    // Commander has printed the error itself.
    if (error.code === 'commander.unknownOption' || error.code === 'commander.excessArguments') {
      process.stderr.write("  hint: PostGraphile's own options go after --, e.g. postgraphile-cognito run --user-pool-id eu-west-1_AbC123 -- -c postgres:///app\n");
    }
    return ExitCode.usage;
  }
  if (error instanceof PostgraphileCognitoError) {
    log.error(error.message, error.hint);
    return error.exitCode;
  }
  log.error(`unexpected: ${messageOf(error)}`, 'please report this at the project issue tracker, with the command you ran');
  if (process.env.DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  return ExitCode.unexpected;
}
