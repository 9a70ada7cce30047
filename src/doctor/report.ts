import type { Check, CheckStatus } from './check';

// Words, not symbols: they grep well and need no UTF-8 terminal.
const MARKS: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

/** Warnings pass; any failure fails. */
export function allPassed(checks: readonly Check[]): boolean {
  return !checks.some((c) => c.status === 'fail');
}

/** One line per check, its hint indented under it, then a count. */
export function formatText(checks: readonly Check[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${MARKS[c.status]}  ${c.name}: ${c.detail}`);
    if (c.hint && (c.status === 'fail' || c.status === 'warn')) lines.push(`      hint: ${c.hint}`);
  }
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const counts = `${count('pass')} passed, ${count('warn')} warning(s), ${count('fail')} failed, ${count('skip')} skipped`;
  lines.push('', `${allPassed(checks) ? 'ok' : 'not ok'}: ${counts}`);
  return `${lines.join('\n')}\n`;
}

/** `{ ok, checks }`, for scripts. */
export function formatJson(checks: readonly Check[]): string {
  return `${JSON.stringify({ ok: allPassed(checks), checks }, null, 2)}\n`;
}
