import { Command, Help } from 'commander';
import { UsageError } from '../../errors';
import { REJECTION_CODES } from '../../verify';
import { addConfigOptions, postgraphileArgsAfterDash, settingsFromOptions } from '../options';
import { checkTokenAsServer, readToken, reportTokenRequest } from '../token-check';

/** Every reason code, from the code's own list, so the help never misses one. */
const REASONS = new Help().boxWrap(`A refusal names its reason (--json: reason), one of: ${REJECTION_CODES.join(', ')}.`, 78);

export function verifyCommand(): Command {
  const command = new Command('verify')
    .description('check one token exactly as the server would, and say why it would be refused')
    .argument('<token>', 'the access or ID token ("Bearer " prefix allowed); - reads it from standard input')
    .argument('[postgraphileArgs...]', 'with --database: PostGraphile arguments, after --; -c, -r/--default-role and -s/--schema are read')
    .option('--database', 'also run what a request with this token does in the database, as doctor --token does')
    .option('--sql <statement>', 'with --database: run this statement as the request would, and print its rows')
    .option('--json', 'print { valid, reason?, detail?, hint?, kid?, tokenUse?, sub?, exp?, issuer?, role?, claims?, settings?, request? }');
  addConfigOptions(command, 'all');
  command.addHelpText(
    'after',
    `
The token is checked with the same code and configuration as \`run\`: its iss
picks the trusted pool or OpenID issuer (any other is refused before any key
is fetched), then the signature by kid (RS256; ES256 for an OpenID issuer),
expiry, token_use and app client (a pool) or audience (an OpenID issuer),
scope, and the role from the role claim or the app client.

${REASONS}

With --database it goes on as doctor --token does: the role, the claim
settings and the row-level-security policies, in the database PostGraphile
would use, in a transaction that is rolled back.

Exit codes: 0 valid, 4 refused, 2 usage or configuration, 3 JWKS
unavailable; with --database, 0 also means the request runs, and 1 that it
would fail.

Examples:
  $ npx postgraphile-cognito verify --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 "$TOKEN"
  $ pbpaste | npx postgraphile-cognito verify --json - | jq .reason
  $ npx postgraphile-cognito verify --client-id 1example23456789 --allowed-roles app_user --database --sql 'select * from note' "$TOKEN" -- -c postgres:///app --default-role app_anonymous`,
  );
  command.action(async (tokenArgument: string, operands: string[], opts: Record<string, unknown>, self: Command) => {
    const postgraphileArgs = postgraphileArgsAfterDash(self, operands);
    const sql = typeof opts.sql === 'string' ? opts.sql : null;
    if (opts.database !== true && (sql !== null || postgraphileArgs.length > 0)) {
      throw new UsageError(sql !== null ? '--sql needs --database' : "PostGraphile's arguments are only read with --database", 'add --database, or use doctor --token');
    }
    const check = await checkTokenAsServer(settingsFromOptions(opts), readToken(tokenArgument));
    await reportTokenRequest(check, opts.database === true ? { postgraphileArgs, sql } : null, opts.json === true);
  });
  return command;
}
