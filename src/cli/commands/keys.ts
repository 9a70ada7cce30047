import { Command } from 'commander';
import { printable, printableJson } from '../../printable';
import { addConfigOptions, settingsFromOptions } from '../options';
import { prepare } from '../../launch';

export function keysCommand(): Command {
  const command = new Command('keys')
    .description("list the signing keys of each user pool (both issuer forms) and OpenID issuer: kid, alg, kty, use")
    .option('--json', 'print a JSON array instead of a table');
  addConfigOptions(command, 'pool');
  command.addHelpText(
    'after',
    `
With several key sets (pools, a pool's UPDATED issuer form, OpenID issuers) an
ISSUER column says whose each key is; a pool's UPDATED form is listed when it
serves keys, that is when the pool is switched to it.

Examples:
  $ npx postgraphile-cognito keys --user-pool-id eu-west-1_AbCdEf123
  $ npx postgraphile-cognito keys --issuer https://login.example.com/realms/app
  $ COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 npx postgraphile-cognito keys --json | jq -r '.[].kid'`,
  );
  command.action(async (opts: Record<string, unknown>) => {
    const { keys } = await prepare(settingsFromOptions(opts));
    const sets = keys.filter((k) => k.loaded);
    const rows = sets.flatMap(({ issuer, loaded }) =>
      loaded!.jwks.keys.map(({ jwk }) => ({ kid: jwk.kid, alg: jwk.alg ?? '', kty: jwk.kty, use: jwk.use ?? '', issuer: issuer.issuer })),
    );
    if (opts.json) {
      process.stdout.write(`${printableJson(rows, 2)}\n`);
      return;
    }
    // A kid is whatever the endpoint served: never raw on a terminal.
    const several = sets.length > 1;
    const table = [
      ['KID', 'ALG', 'KTY', 'USE', ...(several ? ['ISSUER'] : [])],
      ...rows.map((r) => [printable(r.kid), r.alg || '-', r.kty, r.use || '-', ...(several ? [r.issuer] : [])]),
    ];
    const last = table[0]!.length - 1;
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) {
      process.stdout.write(`${row.map((cell, i) => (i < last ? cell.padEnd(widths[i]!) : cell)).join('  ')}\n`);
    }
  });
  return command;
}
