import type { Client } from 'pg';
import { messageOf } from '../errors';
import { connectAsPostGraphile, describeDatabaseError } from './database';
import { MAX_ROWS } from './limits';
import type { Sourced } from './target';


/** What a request with a verified token does in PostgreSQL, as the plugin hands it to PostGraphile v4. */
export interface RequestInput {
  connection: Sourced | null;
  env: NodeJS.ProcessEnv;
  /** `jwt.claims`, `jwt.claims.<name>` …, as checkToken made them. */
  settings: Readonly<Record<string, string>>;
  /** The role the token asks for (role claim or --authenticated-role); null: PostGraphile's default role. */
  tokenRole: string | null;
  /** Where tokenRole came from, for the report. */
  tokenRoleSource: string;
  defaultRole: Sourced | null;
  schemas: readonly string[];
  /** One statement to run as the request would, after the settings. */
  sql: string | null;
}

export interface RoleReport {
  /** null: no role is set, so the request runs as the connecting role itself. */
  name: string | null;
  source: string;
  exists: boolean;
  /** Whether the connecting role may SET ROLE to it. */
  canSwitch: boolean;
  /** Superuser or BYPASSRLS: row-level security does not apply. */
  bypassesRls: boolean;
  /** PostgreSQL's own error when the request would fail to switch. */
  error?: string;
}

export interface PolicyReport {
  name: string;
  command: string;
  permissive: boolean;
  roles: string[];
  using: string | null;
  withCheck: string | null;
}

export interface TableReport {
  schema: string;
  table: string;
  rowSecurity: boolean;
  forced: boolean;
  /** The request's role owns it (without FORCE), so its policies do not apply. */
  ownedByRole: boolean;
  canSelect: boolean;
  /** The policies that apply to the request's role (its own, its groups', PUBLIC's). */
  policies: PolicyReport[];
}

export type SqlReport =
  | { ok: true; statement: string; command: string; rowCount: number | null; columns: string[]; rows: (string | null)[][]; more: number }
  | { ok: false; statement: string; error: string; hint?: string };

export type RequestReport =
  | { ok: false; database: { ok: false; where: string; detail: string; hint: string } }
  | {
      /** The request would run: the role switch worked and --sql (if any) ran. */
      ok: boolean;
      database: { ok: true; where: string; connectingRole: string };
      role: RoleReport;
      currentUser: string;
      /** Each setting as `current_setting(name, true)` reads it inside the request. */
      settings: { name: string; value: string | null }[];
      schemas: readonly string[];
      tables: TableReport[];
      sql?: SqlReport;
    };

/** Statements that would end the transaction this all runs in; refused so it is always rolled back. */
const ENDS_TRANSACTION = /^\s*(commit|end|rollback|abort|prepare\s+transaction|commit\s+prepared|rollback\s+prepared)\b/i;

/**
 * Opens the database PostGraphile would use and, in a transaction that is
 * always rolled back, does what PostGraphile v4 does per request: one
 * `select set_config(…, true), …` with the claim settings and then the role,
 * then reports what the request sees. Never throws for a database problem.
 */
export async function simulateRequest(input: RequestInput): Promise<RequestReport> {
  const opened = await connectAsPostGraphile(input.connection, input.env);
  if (!opened.ok) return { ok: false, database: opened };
  const { client, where } = opened;
  try {
    return await inTransaction(client, where, input);
  } catch (error) {
    return { ok: false, database: { ok: false, where, ...describeDatabaseError(error) } };
  } finally {
    await client.query('rollback').catch(() => {});
    await client.end().catch(() => {});
  }
}

async function inTransaction(client: Client, where: string, input: RequestInput): Promise<RequestReport> {
  const me = await client.query<{ user: string; version_num: string }>(`select current_user as user, current_setting('server_version_num') as version_num`);
  const connectingRole = me.rows[0]!.user;
  const privilege = Number(me.rows[0]!.version_num) >= 160000 ? 'SET' : 'MEMBER';
  const roleName = input.tokenRole ?? input.defaultRole?.value ?? null;
  const source = input.tokenRole !== null ? input.tokenRoleSource : input.defaultRole ? `PostGraphile's default role, from ${input.defaultRole.source}` : 'no role set: the request runs as the connecting role';
  const role: RoleReport = { name: roleName, source, exists: true, canSwitch: true, bypassesRls: false };
  if (roleName !== null) {
    const found = await client.query<{ can_switch: boolean; bypass: boolean }>(
      `select pg_has_role(current_user, r.oid, $2) as can_switch, r.rolsuper or r.rolbypassrls as bypass from pg_roles r where r.rolname = $1`,
      [roleName, privilege],
    );
    role.exists = found.rows.length === 1;
    role.canSwitch = found.rows[0]?.can_switch ?? false;
    role.bypassesRls = found.rows[0]?.bypass ?? false;
  } else {
    const self = await client.query<{ bypass: boolean }>(`select rolsuper or rolbypassrls as bypass from pg_roles where rolname = current_user`);
    role.bypassesRls = self.rows[0]?.bypass ?? false;
  }

  await client.query('begin');
  // PostGraphile v4 sets the plugin's settings first and the role last, all transaction-local.
  const pairs = Object.entries(input.settings);
  const withRole = roleName === null ? pairs : [...pairs, ['role', roleName] as [string, string]];
  await client.query('savepoint request');
  try {
    await applySettings(client, withRole);
  } catch (error) {
    // What the request would get (e.g. role "x" does not exist); the claims still show.
    role.error = messageOf(error);
    await client.query('rollback to savepoint request');
    await applySettings(client, pairs);
  }

  const current = await client.query<{ user: string }>('select current_user as user');
  const names = pairs.map(([name]) => name);
  const read = await client.query<{ name: string; value: string | null }>(`select n as name, current_setting(n, true) as value from unnest($1::text[]) with ordinality as t(n, i) order by i`, [names]);
  // The request role's view, also when the switch failed; a role that does not exist gets PUBLIC's policies only.
  const viewer: Viewer = role.error === undefined ? { kind: 'current' } : role.exists && roleName !== null ? { kind: 'role', name: roleName } : { kind: 'public' };
  const tables = await tablesOf(client, input.schemas, viewer);

  const ok = role.error === undefined;
  const report: RequestReport = {
    ok,
    database: { ok: true, where, connectingRole },
    role,
    currentUser: current.rows[0]!.user,
    settings: read.rows,
    schemas: input.schemas,
    tables,
  };
  if (input.sql !== null) {
    report.sql = ok ? await runStatement(client, input.sql) : { ok: false, statement: input.sql, error: 'not run: the request would fail before it', hint: 'fix the role first' };
    report.ok = ok && report.sql.ok;
  }
  return report;
}

async function applySettings(client: Client, pairs: readonly (readonly [string, string])[]): Promise<void> {
  if (pairs.length === 0) return;
  const calls = pairs.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ');
  await client.query(`select ${calls}`, pairs.flat());
}

/** Whose policies: the request's current_user, a role it could not switch to, or (a missing role) PUBLIC alone. */
type Viewer = { kind: 'current' } | { kind: 'role'; name: string } | { kind: 'public' };

/** Tables, views and the like of the schemas, each with the policies that apply to the viewer. */
async function tablesOf(client: Client, schemas: readonly string[], viewer: Viewer): Promise<TableReport[]> {
  const who = viewer.kind === 'current' ? 'current_user' : '$2::name';
  const params = viewer.kind === 'role' ? [schemas, viewer.name] : [schemas];
  // pg_has_role does not know PUBLIC; has_table_privilege does.
  const owned = viewer.kind === 'public' ? 'false' : `pg_has_role(${who}, c.relowner, 'USAGE')`;
  const canSelect = `has_table_privilege(${viewer.kind === 'public' ? "'public'" : who}, c.oid, 'SELECT')`;
  const member = viewer.kind === 'public' ? 'false' : `exists (select 1 from pg_roles r where r.rolname = any(p.roles) and pg_has_role(${who}, r.oid, 'USAGE'))`;
  const tables = await client.query<{ schema: string; table: string; rls: boolean; forced: boolean; owned: boolean; can_select: boolean }>(
    `select n.nspname as schema, c.relname as table, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
            ${owned} as owned, ${canSelect} as can_select
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'f')
      order by 1, 2`,
    params,
  );
  const policies = await client.query<{ schema: string; table: string; name: string; command: string; permissive: string; roles: string[]; using: string | null; with_check: string | null }>(
    `select p.schemaname as schema, p.tablename as table, p.policyname as name, p.cmd as command, p.permissive, p.roles::text[] as roles,
            p.qual as using, p.with_check
       from pg_policies p
      where p.schemaname = any($1::text[])
        and ('public' = any(p.roles) or ${member})
      order by 1, 2, 3`,
    params,
  );
  return tables.rows.map((t) => ({
    schema: t.schema,
    table: t.table,
    rowSecurity: t.rls,
    forced: t.forced,
    ownedByRole: t.owned,
    canSelect: t.can_select,
    policies: policies.rows
      .filter((p) => p.schema === t.schema && p.table === t.table)
      .map((p) => ({ name: p.name, command: p.command, permissive: p.permissive === 'PERMISSIVE', roles: p.roles, using: p.using, withCheck: p.with_check })),
  }));
}

/** The user's statement, alone (the extended protocol refuses several), within the statement timeout. */
async function runStatement(client: Client, statement: string): Promise<SqlReport> {
  if (ENDS_TRANSACTION.test(statement.replace(/^(\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*/, ''))) {
    return { ok: false, statement, error: 'a statement that ends the transaction is not run: everything here is rolled back', hint: 'pass the statement a request would run, e.g. --sql "select * from note"' };
  }
  await client.query('savepoint statement');
  try {
    // queryMode extended: one statement only, so nothing can commit what follows it.
    const result = await client.query({ text: statement, rowMode: 'array', queryMode: 'extended' } as unknown as { text: string; rowMode: 'array' });
    const rows = (result.rows as unknown[][]).map((row) => row.map(cell));
    return {
      ok: true,
      statement,
      command: result.command,
      rowCount: result.rowCount,
      columns: result.fields.map((f) => f.name),
      rows: rows.slice(0, MAX_ROWS),
      more: Math.max(0, rows.length - MAX_ROWS),
    };
  } catch (error) {
    await client.query('rollback to savepoint statement').catch(() => {});
    const pg = error as { code?: string; hint?: string };
    const hint = pg.code === '42601' && /multiple commands/i.test(messageOf(error)) ? '--sql takes one statement' : pg.hint;
    return { ok: false, statement, error: pg.code ? `${pg.code}: ${messageOf(error)}` : messageOf(error), ...(hint ? { hint } : {}) };
  }
}

function cell(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
