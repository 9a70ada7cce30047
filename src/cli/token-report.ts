import { CognitoConfig } from '../config';
import { describeAge } from '../jwks';
import { printable } from '../printable';
import { Claims, decodeJwtHeader, decodeJwtPayload, RejectionCode } from '../verify';

/** What `verify` prints, as text or (this object) as JSON. */
export interface TokenReport {
  valid: boolean;
  reason?: RejectionCode;
  detail?: string;
  kid?: string;
  tokenUse?: string;
  sub?: string;
  exp?: number;
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

/** The report as a few aligned lines. */
export function describeTokenReport(report: TokenReport, config: Pick<CognitoConfig, 'userPoolId'>, now: number = Date.now()): string {
  const lines = [report.valid ? `VALID for user pool ${config.userPoolId}` : `INVALID: ${report.reason} (${report.detail})`];
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
  }
  return `${lines.join('\n')}\n`;
}
