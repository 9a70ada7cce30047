import { Command } from 'commander';
import * as fs from 'node:fs';
import { securityChoicesMissing } from '../../config';
import { ExitCode, UsageError } from '../../errors';
import { checkToken } from '../../gate';
import { KeyCache } from '../../jwks';
import { prepare } from '../../launch';
import * as log from '../../log';
import { printableJson } from '../../printable';
import { CognitoVerifier, TokenRejectedError } from '../../verify';
import { describeTokenReport, TokenReport, unverifiedFacts } from '../token-report';
import { addConfigOptions, settingsFromOptions } from '../options';

export function verifyCommand(): Command {
  const command = new Command('verify')
    .description('check one token exactly as the server would, and say why it would be refused')
    .argument('<token>', 'the access or ID token ("Bearer " prefix allowed); - reads it from standard input')
    .option('--json', 'print { valid, reason?, detail?, kid?, tokenUse?, sub?, exp?, role?, claims?, settings? }');
  addConfigOptions(command, 'all');
  command.addHelpText(
    'after',
    `
The token is checked with the same code and configuration as \`run\`: the
signature by kid, RS256, issuer, expiry, token_use, app client, and the role
from the role claim. Reasons: expired, not_yet_valid, token_use, client,
issuer, invalid_signature, unknown_kid, algorithm, no_kid, claim_types,
malformed, too_large, role.

Exit codes: 0 valid, 4 refused, 2 usage or configuration, 3 JWKS unavailable.

Examples:
  $ npx postgraphile-cognito verify --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 "$TOKEN"
  $ pbpaste | npx postgraphile-cognito verify --json - | jq .reason`,
  );
  command.action(async (tokenArgument: string, opts: Record<string, unknown>) => {
    const token = readToken(tokenArgument);
    const prepared = await prepare(settingsFromOptions(opts));
    const { config } = prepared;
    // Not fatal here: verify shows what such a server would do, which is to refuse (no client, no role is allowed).
    for (const missing of securityChoicesMissing(config)) log.warn(`run would refuse to start: no choice made for ${missing.what} (${missing.hint})`);
    const cache = new KeyCache(async () => prepared.jwks);
    cache.prime(prepared.jwks, prepared.fetchedAt);
    const verifier = new CognitoVerifier(config, cache);
    let report: TokenReport;
    try {
      const verdict = await checkToken(config, verifier, token);
      const settings = { ...(verdict.role ? { role: verdict.role } : {}), ...verdict.settings };
      report = { valid: true, ...unverifiedFacts(token), role: verdict.role, claims: verdict.claims, settings };
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      report = { valid: false, reason: error.code, detail: error.reason, ...unverifiedFacts(token) };
    }
    process.stdout.write(opts.json ? `${printableJson(report, 2)}\n` : describeTokenReport(report, config));
    process.exitCode = report.valid ? ExitCode.ok : ExitCode.invalidToken;
  });
  return command;
}

function readToken(argument: string): string {
  const raw = argument === '-' ? fs.readFileSync(0, 'utf8') : argument;
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  if (token === '') {
    throw new UsageError('no token given', argument === '-' ? 'standard input was empty' : 'pass the token as the argument, or - to read it from standard input');
  }
  return token;
}
