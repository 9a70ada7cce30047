import { Command } from 'commander';
import { printable, printableJson } from '../../printable';
import { addConfigOptions, settingsFromOptions } from '../options';
import { prepare } from '../../launch';

export function keysCommand(): Command {
  const command = new Command('keys')
    .description("list the user pool's signing keys: kid, alg, kty, use")
    .option('--json', 'print a JSON array instead of a table');
  addConfigOptions(command, 'pool');
  command.addHelpText(
    'after',
    `
Examples:
  $ npx postgraphile-cognito keys --user-pool-id eu-west-1_AbCdEf123
  $ COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 npx postgraphile-cognito keys --json | jq -r '.[].kid'`,
  );
  command.action(async (opts: Record<string, unknown>) => {
    const { jwks } = await prepare(settingsFromOptions(opts));
    const rows = jwks.keys.map(({ jwk }) => ({ kid: jwk.kid, alg: jwk.alg ?? '', kty: jwk.kty, use: jwk.use ?? '' }));
    if (opts.json) {
      process.stdout.write(`${printableJson(rows, 2)}\n`);
      return;
    }
    // A kid is whatever the endpoint served: never raw on a terminal.
    const table = [['KID', 'ALG', 'KTY', 'USE'], ...rows.map((r) => [printable(r.kid), r.alg || '-', r.kty, r.use || '-'])];
    const widths = [0, 1, 2].map((i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) {
      process.stdout.write(`${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')}\n`);
    }
  });
  return command;
}
