import { Command } from 'commander';
import * as fs from 'node:fs';
import { securityChoicesMissing, TrustedIssuer } from '../../config';
import { ExitCode, UsageError } from '../../errors';
import { checkToken, verifierOver } from '../../gate';
import { prepare } from '../../launch';
import * as log from '../../log';
import { printableJson } from '../../printable';
import { TokenRejectedError } from '../../verify';
import { describeTokenReport, TokenReport, unverifiedFacts } from '../token-report';
import { addConfigOptions, settingsFromOptions } from '../options';

export function verifyCommand(): Command {
  const command = new Command('verify')
    .description('check one token exactly as the server would, and say why it would be refused')
    .argument('<token>', 'the access or ID token ("Bearer " prefix allowed); - reads it from standard input')
    .option('--json', 'print { valid, reason?, detail?, kid?, tokenUse?, sub?, exp?, issuer?, role?, claims?, settings? }');
  addConfigOptions(command, 'all');
  command.addHelpText(
    'after',
    `
The token is checked with the same code and configuration as \`run\`: its iss
picks the trusted pool or OpenID issuer (any other is refused before any key
is fetched), then the signature by kid (RS256; ES256 for an OpenID issuer),
expiry, token_use and app client (a pool) or audience (an OpenID issuer),
scope, and the role from the role claim or the app client. Reasons: expired,
not_yet_valid, token_use, client, audience, scope, issuer, invalid_signature,
unknown_kid, algorithm, no_kid, claim_types, malformed, too_large, role,
keys_unavailable.

Exit codes: 0 valid, 4 refused, 2 usage or configuration, 3 JWKS unavailable.

Examples:
  $ npx postgraphile-cognito verify --user-pool-id eu-west-1_AbCdEf123 --client-id 1example23456789 "$TOKEN"
  $ npx postgraphile-cognito verify --issuer https://login.example.com/realms/app --audience api "$TOKEN"
  $ pbpaste | npx postgraphile-cognito verify --json - | jq .reason`,
  );
  command.action(async (tokenArgument: string, opts: Record<string, unknown>) => {
    const token = readToken(tokenArgument);
    const prepared = await prepare(settingsFromOptions(opts));
    const { config } = prepared;
    // Not fatal here: verify shows what such a server would do, which is to refuse (no client, no role is allowed).
    for (const missing of securityChoicesMissing(config)) log.warn(`run would refuse to start: no choice made for ${missing.what} (${missing.hint})`);
    const verifier = verifierOver(config, prepared.keys);
    let report: TokenReport;
    try {
      const verdict = await checkToken(verifier, token);
      const settings = { ...(verdict.role ? { role: verdict.role } : {}), ...verdict.settings };
      report = { valid: true, ...unverifiedFacts(token), issuer: verdict.issuer.issuer, role: verdict.role, claims: verdict.claims, settings };
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      report = { valid: false, reason: error.code, detail: error.reason, ...unverifiedFacts(token) };
    }
    process.stdout.write(opts.json ? `${printableJson(report, 2)}\n` : describeTokenReport(report, config, verdictIssuer(report, config)));
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

/** The trusted issuer a valid report came from, for its first line. */
function verdictIssuer(report: TokenReport, config: { issuers: readonly TrustedIssuer[] }): TrustedIssuer | null {
  return config.issuers.find((i) => i.issuer === report.issuer) ?? null;
}
