import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { redact } from '../config/urls';
import { ConfigError, DatabaseError, messageOf } from '../errors';
import * as log from '../log';
import { freePort } from './ports';
import { startEmbeddedPostgres } from './postgres';
import { DEMO_ROLES, DEMO_SCHEMA, DEMO_SCHEMA_COMMENT, loadDemoSchema } from './schema';
import { Teardown } from './teardown';

export interface DemoDatabase {
  /** What PostGraphile connects with: the authenticator role when it can log in. */
  connectionUrl: string;
  /** True for the embedded server, whose data is deleted on exit. */
  embedded: boolean;
}

/** Rejects anything but a postgres:// URL before any work starts. */
export function checkDatabaseUrl(url: string, label: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${label} "${redact(url)}" is not a URL`, 'use a URL such as postgres://user:password@localhost:5432/app');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`${label} "${redact(url)}" is not a postgres:// URL`, 'use a URL such as postgres://user:password@localhost:5432/app');
  }
}

/**
 * PostgreSQL with the demo schema loaded: the given database, or an embedded
 * server whose data lives in a temporary folder. Everything started here is
 * registered with `teardown`, in the order it must be undone.
 */
export async function openDemoDatabase(databaseUrl: string | null, teardown: Teardown): Promise<DemoDatabase> {
  let adminUrl: string;
  if (databaseUrl) {
    adminUrl = databaseUrl;
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postgraphile-cognito-demo-'));
    const remove = () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    teardown.add(`delete ${dir}`, async () => remove(), remove);
    const started = Date.now();
    log.info(`starting PostgreSQL (embedded; data in ${dir}, deleted on exit)…`);
    const port = await freePort();
    const server = await startEmbeddedPostgres({
      dir,
      port,
      password: randomBytes(18).toString('base64url'),
      onStop: (stop, stopAtExit) => teardown.add('stop PostgreSQL', stop, stopAtExit),
    });
    log.info(`PostgreSQL is up on 127.0.0.1:${port} (${seconds(started)})`);
    adminUrl = server.url;
  }
  const embedded = !databaseUrl;

  const where = databaseUrl ? redact(databaseUrl) : 'the embedded PostgreSQL';
  const admin = await connect(adminUrl, where, databaseUrl ? 'check --database-url (or DATABASE_URL), or leave it out for an embedded PostgreSQL' : undefined);
  const password = randomBytes(18).toString('base64url');
  try {
    const started = Date.now();
    log.info(`loading the demo schema into ${where}…`);
    if (databaseUrl) await refuseForeignSchema(admin, where);
    try {
      await loadDemoSchema(admin, password);
    } catch (error) {
      throw new DatabaseError(
        `could not create the demo schema in ${where}: ${messageOf(error)}`,
        databaseUrl ? 'the role in --database-url must be allowed to create roles (CREATEROLE) and schemas in that database' : undefined,
      );
    }
    log.info(`schema ${DEMO_SCHEMA} loaded (${seconds(started)})`);
    if (databaseUrl) {
      log.info(
        `created in ${where}: schema ${DEMO_SCHEMA} (tables announcement, note, document; function whoami), replacing an earlier demo's, ` +
          `and roles ${Object.values(DEMO_ROLES).join(', ')} where missing; they stay after the demo (drop schema ${DEMO_SCHEMA} cascade removes the data)`,
      );
    }
    const asAuthenticator = withCredentials(adminUrl, DEMO_ROLES.authenticator, password);
    if (asAuthenticator && (await logsInAs(asAuthenticator, DEMO_ROLES.authenticator))) return { connectionUrl: asAuthenticator, embedded };
    // pg_hba.conf may not let the authenticator in with a password (peer authentication on a socket, say).
    const { rows } = await admin.query<{ user: string }>('select current_user as user');
    const self = rows[0]!.user;
    await admin.query(`grant ${DEMO_ROLES.anonymous}, ${DEMO_ROLES.user}, ${DEMO_ROLES.admin} to ${admin.escapeIdentifier(self)}`);
    log.warn(`${DEMO_ROLES.authenticator} cannot log in to ${where} with a password; PostGraphile connects as ${self} instead`);
    return { connectionUrl: adminUrl, embedded };
  } finally {
    await admin.end().catch(() => {});
  }
}

/**
 * The demo drops and recreates its schema. In someone's own database a schema
 * of that name that the demo did not make is theirs: leave it, and say so.
 */
async function refuseForeignSchema(admin: Client, where: string): Promise<void> {
  const { rows } = await admin.query<{ comment: string | null }>(
    `select obj_description(oid, 'pg_namespace') as comment from pg_namespace where nspname = $1`,
    [DEMO_SCHEMA],
  );
  if (rows.length > 0 && rows[0]!.comment !== DEMO_SCHEMA_COMMENT) {
    throw new DatabaseError(
      `${where} already has a schema named ${DEMO_SCHEMA} that the demo did not create; it is left untouched`,
      'use another database for the demo (createdb pgc_demo, then --database-url postgres:///pgc_demo), or leave out --database-url and DATABASE_URL for an embedded PostgreSQL',
    );
  }
}

async function connect(url: string, where: string, hint?: string): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new DatabaseError(`could not connect to ${where}: ${messageOf(error)}`, hint);
  }
  return client;
}

async function logsInAs(url: string, role: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ user: string }>('select current_user as user');
    return rows[0]?.user === role;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The URL with another role and password; null when it has no host to log in to by password. */
function withCredentials(url: string, user: string, password: string): string | null {
  const parsed = new URL(url);
  if (!parsed.hostname) return null;
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

export function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
