import { Command } from 'commander';
import { UsageError } from '../../errors';
import { DEFAULT_DEMO_PORT } from '../../demo/ports';

export function demoCommand(): Command {
  const command = new Command('demo')
    .description('try it with no AWS account: a local Cognito-compatible issuer, PostgreSQL with row-level security, and PostGraphile')
    .option('--port <port>', `port for GraphQL on 127.0.0.1; 0 picks a free one (default: ${DEFAULT_DEMO_PORT}, or a free one when it is taken)`)
    .option('--database-url <url>', 'use this PostgreSQL (creates schema demo and demo_* roles in it) instead of an embedded one [env DATABASE_URL]')
    .option('--print-sql', "print the SQL of the demo's roles and schema, to load into your own database, and exit; nothing is started");
  command.addHelpText(
    'after',
    `
Tokens come from a local issuer that serves a pool's JWKS like Cognito does;
PostGraphile starts through the same code as \`run\`, with only the endpoint
pointing at that issuer. Without --database-url, an embedded PostgreSQL runs
with its data in a temporary folder, deleted on exit. Ctrl-C stops everything
(exit 130).

Examples:
  $ npx postgraphile-cognito demo
  $ npx postgraphile-cognito demo --port 0 --database-url postgres://postgres:secret@localhost/scratch
  $ npx postgraphile-cognito demo --print-sql > demo.sql`,
  );
  command.action(async (opts: Record<string, unknown>) => {
    if (opts.printSql === true) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { printableSchemaSql } = require('../../demo/schema') as typeof import('../../demo/schema');
      process.stdout.write(printableSchemaSql());
      return;
    }
    const fromEnv = process.env.DATABASE_URL?.trim();
    // Loaded when used: the demo brings PostgreSQL's client and the issuer, which other commands do not need.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runDemo } = require('../../demo') as typeof import('../../demo');
    await runDemo({
      port: typeof opts.port === 'string' ? parsePort(opts.port) : null,
      databaseUrl: typeof opts.databaseUrl === 'string' ? opts.databaseUrl : fromEnv ? fromEnv : null,
      databaseUrlFrom: typeof opts.databaseUrl === 'string' ? '--database-url' : 'DATABASE_URL',
    });
  });
  return command;
}

function parsePort(text: string): number {
  const port = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || port > 65535) {
    throw new UsageError(`--port "${text}" is not a port number`, 'use a number from 1 to 65535, or 0 for any free port');
  }
  return port;
}
