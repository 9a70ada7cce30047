import { printable } from '../printable';
import type { RequestReport, SqlReport, TableReport } from './request';
import { quoteIdent } from './roles';

const show = (text: string | null) => (text === null ? '(not set)' : printable(text, 400));

/** The request as a few labelled lines; problems as FAIL or WARN lines with a hint. */
export function formatRequestText(report: RequestReport): string {
  const lines = ['', 'request, as PostgreSQL runs it (in a transaction that is rolled back):'];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(13)} ${value}`);
  const more = (value: string) => lines.push(`  ${''.padEnd(13)} ${value}`);
  if (!report.database.ok) {
    row('database', `FAIL ${report.database.where}: ${report.database.detail}`);
    lines.push(`      hint: ${report.database.hint}`, '', 'not ok: the database cannot be reached');
    return `${lines.join('\n')}\n`;
  }
  if (!('role' in report)) return `${lines.join('\n')}\n`;
  const { role, database } = report;
  const user = database.connectingRole;
  row('database', `${database.where}, connected as ${printable(user)}`);
  const problems: { mark: 'FAIL' | 'WARN'; text: string; hint: string }[] = [];
  if (role.name === null) {
    row('role', `(none) ${role.source}`);
  } else {
    const name = printable(role.name);
    row('role', `${name} (${role.source})`);
    if (!role.exists) {
      more(`does not exist${role.error ? `: the request fails with "${printable(role.error)}"` : ''}`);
      problems.push({ mark: 'FAIL', text: `role ${name} does not exist`, hint: `create role ${quoteIdent(role.name)} nologin; grant ${quoteIdent(role.name)} to ${quoteIdent(user)}; (or fix the group, the role claim or --allowed-roles)` });
    } else if (!role.canSwitch || role.error) {
      more(`exists, but ${printable(user)} cannot SET ROLE to it${role.error ? `: the request fails with "${printable(role.error)}"` : ''}`);
      problems.push({ mark: 'FAIL', text: `${printable(user)} cannot switch to role ${name}`, hint: `grant ${quoteIdent(role.name)} to ${quoteIdent(user)};` });
    } else {
      more(`exists; ${printable(user)} can SET ROLE to it`);
    }
  }
  if (role.bypassesRls) {
    problems.push({ mark: 'WARN', text: `${printable(role.name ?? user)} is a superuser or has BYPASSRLS: no row-level security policy applies to this request`, hint: `alter role ${quoteIdent(role.name ?? user)} nosuperuser nobypassrls;` });
  }
  row('current_user', printable(report.currentUser));
  report.settings.forEach((s, i) => {
    const text = `${s.name} = ${show(s.value)}`;
    if (i === 0) row('settings', text);
    else more(text);
  });
  row('schemas', report.schemas.map((s) => printable(s)).join(', '));
  if (report.tables.length === 0) more('(no tables or views in these schemas)');
  for (const table of report.tables) lines.push(...describeTable(table, report.currentUser, role.bypassesRls));
  if (report.sql) lines.push(...describeSql(report.sql));
  for (const p of problems) lines.push('', `${p.mark}  ${p.text}`, `      hint: ${p.hint}`);
  const sqlFailed = report.sql && !report.sql.ok;
  lines.push('', report.ok ? `ok: the request runs as ${printable(report.currentUser)}` : `not ok: ${sqlFailed && role.error === undefined ? 'the statement failed' : 'the request would fail'}`);
  return `${lines.join('\n')}\n`;
}

function describeTable(table: TableReport, who: string, bypass: boolean): string[] {
  const name = `${printable(table.schema)}.${printable(table.table)}`;
  const grant = table.canSelect ? '' : `; ${printable(who)} has no SELECT on it`;
  if (!table.rowSecurity) return [`  table ${name}: no row-level security: every row its grants allow${grant}`];
  if (bypass) return [`  table ${name}: row-level security on, but it does not apply to ${printable(who)}${grant}`];
  if (table.ownedByRole && !table.forced) return [`  table ${name}: row-level security on, but ${printable(who)} owns it, so its policies do not apply (FORCE ROW LEVEL SECURITY would)${grant}`];
  if (table.policies.length === 0) return [`  table ${name}: row-level security on, and no policy applies to ${printable(who)}: it sees no rows${grant}`];
  const lines = [`  table ${name}: row-level security on; policies for ${printable(who)}${grant}:`];
  for (const p of table.policies) {
    const clauses = [p.using !== null ? `using (${printable(p.using, 400)})` : '', p.withCheck !== null ? `with check (${printable(p.withCheck, 400)})` : ''].filter(Boolean).join(' ');
    lines.push(`    ${printable(p.name)}: ${p.command}, ${p.permissive ? 'permissive' : 'restrictive'}, to ${p.roles.map((r) => printable(r)).join(', ')}${clauses ? `, ${clauses}` : ''}`);
  }
  return lines;
}

function describeSql(sql: SqlReport): string[] {
  const lines = [`  sql           ${printable(sql.statement.replace(/\s+/g, ' ').trim(), 200)}`];
  if (!sql.ok) {
    lines.push(`                FAIL ${printable(sql.error, 400)}`);
    if (sql.hint) lines.push(`      hint: ${printable(sql.hint, 400)}`);
    return lines;
  }
  const count = sql.rowCount ?? sql.rows.length;
  lines.push(`                ${sql.command} ${count} row${count === 1 ? '' : 's'}`);
  if (sql.columns.length === 0) return lines;
  const cells = [sql.columns, ...sql.rows.map((r) => r.map((c) => (c === null ? 'null' : c)))].map((r) => r.map((c) => printable(c, 60)));
  const widths = sql.columns.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  cells.forEach((r, i) => {
    lines.push(`    ${r.map((c, j) => c.padEnd(widths[j]!)).join(' | ').trimEnd()}`);
    if (i === 0) lines.push(`    ${widths.map((w) => '-'.repeat(w)).join('-+-')}`);
  });
  if (sql.more > 0) lines.push(`    (${sql.more} more rows not shown)`);
  return lines;
}
