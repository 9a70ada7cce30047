import * as fs from 'node:fs';
import { RawSettings, securityChoicesMissing } from '../config';
import { ExitCode, UsageError } from '../errors';
import { decideRole } from '../claims';
import { checkToken, Verdict, verifierOver } from '../gate';
import { prepareConfig, Prepared, withKeys } from '../launch';
import * as log from '../log';
import { printableJson } from '../printable';
import { TokenRejectedError, trustedIssuerOf } from '../verify';
import { describeTokenReport, refusedReport, TokenReport, unverifiedFacts } from './token-report';

export interface TokenCheck {
  prepared: Prepared;
  report: TokenReport;
  /** null when the token is refused. */
  verdict: Verdict | null;
}

/**
 * One token checked with the same code and configuration as `run` (checkToken,
 * the plugin's own). A malformed token, or one whose iss names no trusted
 * issuer, is refused before any key is fetched, as the server refuses it.
 */
export async function checkTokenAsServer(flags: RawSettings, token: string): Promise<TokenCheck> {
  const configured = prepareConfig(flags);
  const { config } = configured;
  // Not fatal here: this shows what such a server would do, which is to refuse (no client, no role is allowed).
  // Said with the verdict, not before an exit 3 on the keys.
  const warnChoices = () => {
    for (const missing of securityChoicesMissing(config)) log.warn(`run would refuse to start: no choice made for ${missing.what} (${missing.hint})`);
  };
  const refused = (prepared: Prepared, error: unknown): TokenCheck => {
    if (!(error instanceof TokenRejectedError)) throw error;
    return { prepared, verdict: null, report: refusedReport(error, token, config) };
  };
  try {
    trustedIssuerOf(config.issuers, token);
  } catch (error) {
    warnChoices();
    return refused({ ...configured, keys: [] }, error);
  }
  const prepared = await withKeys(configured);
  warnChoices();
  const verifier = verifierOver(config, prepared.keys);
  try {
    const verdict = await checkToken(verifier, token);
    const settings = { ...(verdict.role ? { role: verdict.role } : {}), ...verdict.settings };
    return { prepared, verdict, report: { valid: true, ...unverifiedFacts(token), issuer: verdict.issuer.issuer, role: verdict.role, claims: verdict.claims, settings } };
  } catch (error) {
    return refused(prepared, error);
  }
}

/** Where the verdict's role came from: the role claim, the app client's role, or --authenticated-role. */
export function roleSource({ verdict }: TokenCheck): string {
  if (!verdict) return '';
  const { roleClaim, allowedRoles, authenticatedRole } = verdict.issuer;
  if (roleClaim && decideRole(verdict.claims, roleClaim, allowedRoles).kind === 'role') return `from the token's ${roleClaim.join(',')}`;
  return verdict.role === authenticatedRole ? '--authenticated-role' : '--client-roles';
}

/** A token argument: "Bearer " allowed; - reads standard input. */
export function readToken(argument: string): string {
  const raw = argument === '-' ? fs.readFileSync(0, 'utf8') : argument;
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  if (token === '') {
    throw new UsageError('no token given', argument === '-' ? 'standard input was empty' : 'pass the token as the argument, or - to read it from standard input');
  }
  return token;
}

/**
 * The token's report, then (when it is valid and the database is asked
 * about) what a request with it does in the database PostGraphile would use;
 * printed, with the exit code: 0 the request runs, 4 token refused, 1 the
 * request would fail.
 */
export async function reportTokenRequest(check: TokenCheck, database: { postgraphileArgs: readonly string[]; sql: string | null } | null, json: boolean): Promise<void> {
  const { report, verdict, prepared } = check;
  let request: import('../doctor/request').RequestReport | null = null;
  if (verdict && database) {
    // Loaded when used: PostgreSQL's client.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const doctor = require('../doctor') as typeof import('../doctor');
    const target = doctor.postgraphileTarget(database.postgraphileArgs, prepared.rc, process.env);
    request = await doctor.simulateRequest({
      connection: target.connection,
      env: process.env,
      settings: verdict.settings,
      tokenRole: verdict.role,
      tokenRoleSource: roleSource(check),
      // v4: PostGraphile's --default-role, else --anonymous-role (which run passes as it).
      defaultRole: target.defaultRole ?? (prepared.config.anonymousRole ? { value: prepared.config.anonymousRole, source: '--anonymous-role' } : null),
      schemas: target.schemas,
      sql: database.sql,
    });
    process.stdout.write(json ? `${printableJson({ ...report, request }, 2)}\n` : `${describeTokenReport(report, prepared.config, verdict.issuer)}${doctor.formatRequestText(request)}`);
  } else {
    process.stdout.write(json ? `${printableJson(report, 2)}\n` : describeTokenReport(report, prepared.config, verdict?.issuer ?? null));
  }
  process.exitCode = !report.valid ? ExitCode.invalidToken : request && !request.ok ? ExitCode.checkFailed : ExitCode.ok;
}
