import { Command, CommanderError } from 'commander';
import { ExitCode, PostgraphileCognitoError } from '../errors';
import * as log from '../log';
import { argsCommand } from './commands/args';
import { keysCommand } from './commands/keys';
import { pemCommand } from './commands/pem';
import { runCommand } from './commands/run';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

// Commander's own errors get our prefix, like every other error line.
const OUTPUT = { outputError: (text: string, write: (text: string) => void) => write(`postgraphile-cognito: ${text}`) };

export function buildProgram(): Command {
  const program = new Command('postgraphile-cognito')
    .description('Run PostGraphile v4 behind Amazon Cognito: fetch the pool keys, verify Cognito tokens, hand every claim to PostgreSQL.')
    .version(version)
    .exitOverride()
    .configureOutput(OUTPUT)
    .showSuggestionAfterError(true);
  program.addHelpText(
    'after',
    `
Configuration comes from flags, then environment variables, then the cognito
section of .postgraphilerc.js in the working directory. PostGraphile's own
arguments go after --.

Examples:
  $ npx postgraphile-cognito --user-pool-id eu-west-1_AbCdEf123 -- -c postgres:///app
  $ postgraphile-cognito keys --user-pool-id eu-west-1_AbCdEf123
  $ postgraphile-cognito pem --user-pool-id eu-west-1_AbCdEf123 --all --out keys.pem

Exit codes: 0 ok, 1 unexpected error, 2 usage or configuration,
3 JWKS unavailable or invalid; \`run\` exits with PostGraphile's own code.`,
  );
  for (const command of [runCommand(), argsCommand(), keysCommand(), pemCommand()]) {
    command.exitOverride().configureOutput(OUTPUT);
    program.addCommand(command, command.name() === 'run' ? { isDefault: true } : {});
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
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
  log.error(`unexpected: ${error instanceof Error ? error.message : String(error)}`, 'please report this at the project issue tracker, with the command you ran');
  if (process.env.DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  return ExitCode.unexpected;
}
