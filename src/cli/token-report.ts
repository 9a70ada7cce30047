import { CognitoConfig, issuerDifference, TrustedIssuer } from '../config';
import { describeAge } from '../jwks';
import { printable } from '../printable';
import { Claims, decodeJwtHeader, decodeJwtPayload, RejectionCode, TokenRejectedError } from '../verify';

/** What `verify` prints, as text or (this object) as JSON. */
export interface TokenReport {
  valid: boolean;
  reason?: RejectionCode;
  detail?: string;
  /** For a refusal with an obvious fix: what to change. */
  hint?: string;
  kid?: string;
  tokenUse?: string;
  sub?: string;
  exp?: number;
  /** The trusted issuer's URL (the token's iss), when valid. */
  issuer?: string;
  /** The role a request would run as; null: PostGraphile's --default-role. */
  role?: string | null;
  claims?: Claims;
  /** Every PostgreSQL setting a request would get, `role` included. */
  settings?: Record<string, string>;
}

/** kid, token_use, sub and exp as the token states them; verified only when the report says valid. */
export function unverifiedFacts(token: string): Pick<TokenReport, 'kid' | 'tokenUse' | 'sub' | 'exp'> {
  const kid = decodeJwtHeader(token)?.kid;
  const payload = decodeJwtPayload(token) ?? {};
  const facts: Pick<TokenReport, 'kid' | 'tokenUse' | 'sub' | 'exp'> = {};
  if (typeof kid === 'string') facts.kid = kid;
  if (typeof payload.token_use === 'string') facts.tokenUse = payload.token_use;
  if (typeof payload.sub === 'string') facts.sub = payload.sub;
  if (typeof payload.exp === 'number' && Number.isFinite(payload.exp)) facts.exp = payload.exp;
  return facts;
}

/** A refused token's report: the reason, and a hint when the fix is plain from the token. */
export function refusedReport(error: TokenRejectedError, token: string, config: Pick<CognitoConfig, 'issuers'>): TokenReport {
  const facts = unverifiedFacts(token);
  const hint = refusalHint(error.code, token, facts.tokenUse, config);
  return { valid: false, reason: error.code, detail: error.reason, ...(hint ? { hint } : {}), ...facts };
}

/**
 * The flag that would accept a token refused for its token_use, or the
 * endpoint or pool id a Cognito token names when only that differs from a
 * trusted pool's issuer. Built from the unverified token, so made printable.
 */
function refusalHint(reason: RejectionCode, token: string, tokenUse: string | undefined, config: Pick<CognitoConfig, 'issuers'>): string | null {
  if (reason === 'token_use' && (tokenUse === 'id' || tokenUse === 'access')) {
    return `to accept ${tokenUse === 'id' ? 'ID' : 'access'} tokens, pass --token-use ${tokenUse} (or --token-use any for both)`;
  }
  if (reason !== 'issuer') return null;
  const iss = decodeJwtPayload(token)?.iss;
  if (typeof iss !== 'string') return null;
  for (const issuer of config.issuers) {
    const difference = issuer.kind === 'cognito' ? issuerDifference(iss, issuer.issuer) : null;
    if (difference?.only === 'endpoint') return `the token names the endpoint ${printable(difference.endpoint)}: use the endpoint the tokens name (--endpoint ${printable(difference.endpoint)})`;
    if (difference?.only === 'pool') return `the token is of user pool ${printable(difference.pool)}, not ${issuer.id}: check --user-pool-id`;
  }
  return null;
}

/** The report as a few aligned lines. */
export function describeTokenReport(report: TokenReport, config: Pick<CognitoConfig, 'issuers'>, issuer: TrustedIssuer | null = null, now: number = Date.now()): string {
  const source = issuer ?? config.issuers[0]!;
  const name = source.kind === 'cognito' ? `user pool ${source.id}${source.form === 'endpoint' ? '' : ` (${source.form.toUpperCase()} issuer)`}` : `OpenID issuer ${source.id}`;
  const lines = [report.valid ? `VALID for ${name}` : `INVALID: ${report.reason} (${report.detail})`];
  const row = (name: string, value: string) => lines.push(`  ${name.padEnd(10)} ${value}`);
  // kid, token_use, sub and the role come from the token, trusted or not: never raw on a terminal.
  row('kid', printable(report.kid));
  row('token_use', printable(report.tokenUse));
  row('subject', printable(report.sub));
  const expiry = report.exp === undefined ? null : new Date(report.exp * 1000);
  if (expiry === null) {
    row('expires', '(no exp claim)');
  } else if (Number.isNaN(expiry.getTime())) {
    // Beyond what a date can hold (exp 1e20): say the number.
    row('expires', `exp ${report.exp} (not a date)`);
  } else {
    const ms = expiry.getTime() - now;
    row('expires', `${expiry.toISOString()} (${ms >= 0 ? `in ${describeAge(ms)}` : `${describeAge(-ms)} ago`})`);
  }
  if (report.valid) {
    row('role', report.role ? printable(report.role) : "(not set: PostGraphile's --default-role applies)");
    row('settings', Object.keys(report.settings ?? {}).join(', '));
  } else {
    lines.push('  (read from the token without trusting it, since it was refused)');
    if (report.hint) lines.push(`  hint: ${report.hint}`);
  }
  return `${lines.join('\n')}\n`;
}
