import { Client, ClientConfig } from 'pg';
import { messageOf } from '../errors';
import type { Sourced } from './target';

/** A dead or silent server fails within seconds instead of hanging the doctor. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const STATEMENT_TIMEOUT_MS = 5_000;

/** A role as the connecting role sees it. */
export interface RoleFacts {
  /** Whether the connecting role may SET ROLE to it, as PostGraphile does per request. */
  readonly canSwitch: boolean;
  readonly superuser: boolean;
  readonly bypassRls: boolean;
}

export interface DatabaseFacts {
  /** The connecting role. */
  readonly user: string;
  readonly version: string;
  readonly versionNum: number;
  readonly superuser: boolean;
  readonly bypassRls: boolean;
  /** What pg_has_role checked: SET from PostgreSQL 16 (a grant may withhold it), else MEMBER. */
  readonly switchPrivilege: 'SET' | 'MEMBER';
  /** Each role asked about; missing from the map when it does not exist. */
  readonly roles: ReadonlyMap<string, RoleFacts>;
}

export type Opened =
  | { readonly ok: true; readonly where: string; readonly client: Client }
  | { readonly ok: false; readonly where: string; readonly detail: string; readonly hint: string };

/**
 * A connection as PostGraphile would make it (its connection string, else
 * the PG* variables with its defaults), with time limits. Never throws for a
 * database problem: it reports it. The caller ends the client.
 */
export async function connectAsPostGraphile(connection: Sourced | null, env: NodeJS.ProcessEnv): Promise<Opened> {
  const source = connection ? connection.source : 'the PG* environment variables';
  let client: Client;
  try {
    client = new Client({
      ...connectionConfig(connection, env),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
      application_name: 'postgraphile-cognito doctor',
    });
  } catch (error) {
    // The message of a URL parse error does not echo the string; the string may hold a password.
    return { ok: false, where: `(from ${source})`, detail: `the connection string from ${source} cannot be read: ${messageOf(error)}`, hint: 'use a URL such as postgres://user:password@host:5432/database' };
  }
  // The password is never part of this.
  const where = `${client.user ? `${client.user}@` : ''}${client.host}:${client.port}/${client.database ?? ''} (from ${source})`;
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    return { ok: false, where, ...describeDatabaseError(error) };
  }
  return { ok: true, where, client };
}

export type Probe =
  | { readonly ok: true; readonly where: string; readonly facts: DatabaseFacts }
  | { readonly ok: false; readonly where: string; readonly detail: string; readonly hint: string };

const HINT_SOURCES = 'pass -c after --, set options.connection in .postgraphilerc.js, or set DATABASE_URL';

/**
 * Connects as PostGraphile would (its connection string, else the PG*
 * variables with its defaults) and reads the version, the connecting role
 * and the given roles. Never throws for a database problem: it reports it.
 */
export async function probeDatabase(connection: Sourced | null, env: NodeJS.ProcessEnv, roleNames: readonly string[]): Promise<Probe> {
  const opened = await connectAsPostGraphile(connection, env);
  if (!opened.ok) return opened;
  const { client, where } = opened;
  try {
    const me = await client.query<{ user: string; version: string; version_num: string; rolsuper: boolean; rolbypassrls: boolean }>(
      `select current_user as user, current_setting('server_version') as version, current_setting('server_version_num') as version_num,
              r.rolsuper, r.rolbypassrls
         from pg_roles r where r.rolname = current_user`,
    );
    const row = me.rows[0]!;
    const versionNum = Number(row.version_num);
    const switchPrivilege = versionNum >= 160000 ? 'SET' : 'MEMBER';
    const roles = await client.query<{ rolname: string; can_switch: boolean; rolsuper: boolean; rolbypassrls: boolean }>(
      `select r.rolname, pg_has_role(current_user, r.oid, $2) as can_switch, r.rolsuper, r.rolbypassrls
         from pg_roles r where r.rolname = any($1::text[])`,
      [roleNames, switchPrivilege],
    );
    return {
      ok: true,
      where,
      facts: {
        user: row.user,
        version: row.version,
        versionNum,
        superuser: row.rolsuper,
        bypassRls: row.rolbypassrls,
        switchPrivilege,
        roles: new Map(roles.rows.map((r) => [r.rolname, { canSwitch: r.can_switch, superuser: r.rolsuper, bypassRls: r.rolbypassrls }])),
      },
    };
  } catch (error) {
    return { ok: false, where, ...describeDatabaseError(error) };
  } finally {
    await client.end().catch(() => {});
  }
}

/** PostGraphile v4's cli.js: the connection string, else the PG* variables with localhost:5432. */
function connectionConfig(connection: Sourced | null, env: NodeJS.ProcessEnv): ClientConfig {
  if (connection) return { connectionString: connection.value };
  return {
    host: env.PGHOST || env.PGHOSTADDR || 'localhost',
    port: (env.PGPORT ? parseInt(env.PGPORT, 10) : NaN) || 5432,
    database: env.PGDATABASE,
    user: env.PGUSER,
    password: env.PGPASSWORD,
  };
}

/** What went wrong and what to change, by node's or PostgreSQL's error code. */
export function describeDatabaseError(error: unknown): { detail: string; hint: string } {
  const code = (error as { code?: string }).code;
  const message = messageOf(error);
  switch (code) {
    case 'ECONNREFUSED':
      return { detail: 'connection refused', hint: `is PostgreSQL running on that host and port? ${HINT_SOURCES}` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { detail: 'host not found (DNS)', hint: `check the host name; ${HINT_SOURCES}` };
    case '28P01':
      return { detail: message, hint: 'check the user name and password in the connection string' };
    case '28000':
      return { detail: message, hint: 'check the user name, and that pg_hba.conf lets it connect from here' };
    case '3D000':
      return { detail: message, hint: 'create the database (createdb NAME) or fix its name in the connection string' };
    case '57014':
      return { detail: `no answer within ${STATEMENT_TIMEOUT_MS / 1000} s (statement timeout)`, hint: 'the server is overloaded or locked; try again later' };
  }
  if (/timeout|timed out/i.test(message)) {
    return { detail: `no answer within ${CONNECT_TIMEOUT_MS / 1000} s (timeout)`, hint: `check the host, the port and firewalls; ${HINT_SOURCES}` };
  }
  return { detail: code ? `${code}: ${message}` : message, hint: `check the connection string; ${HINT_SOURCES}` };
}
