import { Client } from 'pg';
import { randomBytes } from 'node:crypto';

/** Admin connection string from test/run.ts (DATABASE_URL or embedded PostgreSQL). */
export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('no database: run the tests with `npm test`, which starts one');
  return url;
}

/** Runs `sql` on the admin connection: for cluster-wide things such as roles. */
export async function asAdmin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The connection string with another login role and password. */
export function withUser(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}

// Roles are cluster-wide; test files run in parallel, so creation tolerates a race.
const ROLES = ['app_anonymous', 'app_user', 'app_admin', 'app_staff'];

const FIXTURE = `
create table note (
  id serial primary key,
  owner_sub text not null,
  tenant text,
  body text not null
);
alter table note enable row level security;
grant select on note to ${ROLES.join(', ')};
grant usage on sequence note_id_seq to ${ROLES.join(', ')};
-- A signed-in user reads only the rows whose owner is the token's sub.
create policy own_notes on note for select to app_user, app_staff
  using (owner_sub = current_setting('jwt.claims.sub', true));
create policy admin_all on note for select to app_admin using (true);
-- Tenant isolation on a custom attribute, read from the whole claim set as JSON.
create table tenant_doc (id serial primary key, tenant text not null, title text not null);
alter table tenant_doc enable row level security;
grant select on tenant_doc to ${ROLES.join(', ')};
create policy by_tenant on tenant_doc for select
  using (tenant = nullif(current_setting('jwt.claims', true), '')::jsonb ->> 'custom:tenant_id');

create function whoami() returns json language sql stable as $$
  select json_build_object(
    'role', current_user,
    'sub', current_setting('jwt.claims.sub', true),
    'tokenUse', current_setting('jwt.claims.token_use', true),
    'groups', current_setting('jwt.claims.cognito_groups', true),
    'username', current_setting('jwt.claims.cognito_username', true),
    'tenant', current_setting('jwt.claims.custom_tenant_id', true),
    'emailVerified', current_setting('jwt.claims.email_verified', true),
    'exp', current_setting('jwt.claims.exp', true),
    'claims', current_setting('jwt.claims', true),
    -- An unset setting reads as '' once a pooled connection has seen it: nullif, so anonymous requests work too.
    'tenantFromJson', nullif(current_setting('jwt.claims', true), '')::jsonb ->> 'custom:tenant_id',
    'custom', current_setting('app.custom', true)
  )
$$;
grant execute on function whoami() to ${ROLES.join(', ')};
`;

export interface TestDatabase {
  url: string;
  name: string;
  query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A fresh database with the row-level-security fixture (or other SQL; '' for none), for one test file. */
export async function createTestDatabase(prefix: string, fixture = FIXTURE): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = `pgc_${prefix}_${randomBytes(4).toString('hex')}`;
  const root = new Client({ connectionString: admin });
  await root.connect();
  try {
    for (const role of ROLES) {
      await root.query(`do $$ begin create role ${role} nologin; exception when duplicate_object or unique_violation then null; end $$`);
    }
    await root.query(`create database ${name}`);
  } finally {
    await root.end();
  }
  const url = withDatabase(admin, name);
  const client = new Client({ connectionString: url });
  await client.connect();
  if (fixture) await client.query(fixture);
  return {
    url,
    name,
    async query<T>(sql: string, values?: unknown[]) {
      return (await client.query(sql, values)).rows as T[];
    },
    async drop() {
      await client.end();
      const r = new Client({ connectionString: admin });
      await r.connect();
      try {
        await r.query(`drop database if exists ${name} with (force)`);
      } finally {
        await r.end();
      }
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
