import { Client } from 'pg';
import { DEMO_ADMIN_GROUP, DEMO_USERS } from '../issuer';

/**
 * The demo's PostgreSQL roles. Cognito group names are role names, so the
 * admin role is named after the demo's admin group.
 */
export const DEMO_ROLES = Object.freeze({
  /** PostGraphile connects as this one and switches to the others per request. */
  authenticator: 'demo_authenticator',
  /** Requests without a token. */
  anonymous: 'demo_anonymous',
  /** A valid token of a user in no allowed group. */
  user: 'demo_user',
  /** A valid token of a user in the Cognito group of the same name. */
  admin: DEMO_ADMIN_GROUP,
});

export const DEMO_SCHEMA = 'demo';

const { authenticator, anonymous, user, admin } = DEMO_ROLES;
const ALL = `${anonymous}, ${user}, ${admin}`;
// After a transaction has set it, an unset setting reads as '' rather than null.
const CLAIMS = `nullif(current_setting('jwt.claims', true), '')::jsonb`;

/** Marks the schema as the demo's: only a schema with this comment is ever dropped. */
export const DEMO_SCHEMA_COMMENT = 'The postgraphile-cognito demo; safe to drop.';

/**
 * Roles (created when missing), then the schema `demo`, dropped and made
 * again: public announcements, per-user notes by `sub`, per-tenant documents
 * by `custom:tenant_id`, and an admin role that sees every row.
 */
export const SCHEMA_SQL = `
do $$ begin create role ${anonymous} nologin; exception when duplicate_object or unique_violation then null; end $$;
do $$ begin create role ${user} nologin; exception when duplicate_object or unique_violation then null; end $$;
do $$ begin create role ${admin} nologin; exception when duplicate_object or unique_violation then null; end $$;
do $$ begin create role ${authenticator} login noinherit; exception when duplicate_object or unique_violation then null; end $$;
grant ${ALL} to ${authenticator};

drop schema if exists ${DEMO_SCHEMA} cascade;
create schema ${DEMO_SCHEMA};
comment on schema ${DEMO_SCHEMA} is '${DEMO_SCHEMA_COMMENT}';
grant usage on schema ${DEMO_SCHEMA} to ${ALL};

-- Public: everyone reads these, with or without a token.
create table ${DEMO_SCHEMA}.announcement (id int generated always as identity primary key, title text not null);
grant select on ${DEMO_SCHEMA}.announcement to ${ALL};

-- Per user: a signed-in user reads and writes their own notes (the token's sub); an admin reads all.
create table ${DEMO_SCHEMA}.note (
  id int generated always as identity primary key,
  owner_sub text not null default current_setting('jwt.claims.sub', true),
  -- Access tokens carry username, ID tokens cognito:username (the setting jwt.claims.cognito_username).
  owner text not null default coalesce(current_setting('jwt.claims.username', true), current_setting('jwt.claims.cognito_username', true)),
  body text not null
);
alter table ${DEMO_SCHEMA}.note enable row level security;
grant select on ${DEMO_SCHEMA}.note to ${ALL};
grant insert (body) on ${DEMO_SCHEMA}.note to ${user}, ${admin};
create policy own_notes on ${DEMO_SCHEMA}.note to ${user}, ${admin}
  using (owner_sub = current_setting('jwt.claims.sub', true))
  with check (owner_sub = current_setting('jwt.claims.sub', true));
create policy admin_reads_all_notes on ${DEMO_SCHEMA}.note for select to ${admin} using (true);

-- Per tenant: the custom attribute custom:tenant_id, which Cognito puts in ID tokens only.
create table ${DEMO_SCHEMA}.document (id int generated always as identity primary key, tenant_id text not null, title text not null);
alter table ${DEMO_SCHEMA}.document enable row level security;
grant select on ${DEMO_SCHEMA}.document to ${ALL};
create policy same_tenant on ${DEMO_SCHEMA}.document for select to ${user}
  using (tenant_id = current_setting('jwt.claims.custom_tenant_id', true));
create policy admin_reads_all_documents on ${DEMO_SCHEMA}.document for select to ${admin} using (true);
-- demo_anonymous may select, but no policy names it: it sees no notes and no documents.

-- Who the database thinks you are: the role, and claims read both ways (one setting each, or the JSON).
create function ${DEMO_SCHEMA}.whoami() returns json language sql stable as $fn$
  select json_build_object(
    'role', current_user,
    'sub', current_setting('jwt.claims.sub', true),
    'tokenUse', current_setting('jwt.claims.token_use', true),
    'groups', ${CLAIMS} -> 'cognito:groups',
    'tenant', ${CLAIMS} ->> 'custom:tenant_id'
  )
$fn$;
grant execute on function ${DEMO_SCHEMA}.whoami() to ${ALL};
`;

/**
 * What \`demo --print-sql\` prints: the roles and schema above, to load into
 * a database of your own (the demo's seed rows are for its made-up users).
 */
export function printableSchemaSql(): string {
  return `-- The postgraphile-cognito demo's roles and schema (postgraphile-cognito demo --print-sql).
-- Load it as a role that may create roles and schemas: psql -d app -f demo.sql
-- It creates the roles ${Object.values(DEMO_ROLES).join(', ')} where missing, and drops and
-- recreates the schema ${DEMO_SCHEMA}. PostGraphile logs in as ${authenticator}: give it a password
-- (in psql: \\password ${authenticator}), then connect with -c postgres://${authenticator}:…@host/app.
${SCHEMA_SQL}`;
}

/** Rows that make the policies visible: whose they are comes from the demo users. */
function seed(): { sql: string; values: unknown[] }[] {
  const rows: { sql: string; values: unknown[] }[] = [
    { sql: `insert into ${DEMO_SCHEMA}.announcement (title) values ($1), ($2)`, values: ['Welcome to the postgraphile-cognito demo', 'Everyone reads announcements, with or without a token'] },
  ];
  for (const u of DEMO_USERS) {
    rows.push({
      sql: `insert into ${DEMO_SCHEMA}.note (owner_sub, owner, body) values ($1, $2, $3)`,
      values: [u.sub, u.username, `${u.username}'s private note`],
    });
  }
  const tenants = [...new Set(DEMO_USERS.map((u) => u.custom?.tenant_id).filter((t): t is string => !!t))];
  for (const tenant of tenants) {
    rows.push({ sql: `insert into ${DEMO_SCHEMA}.document (tenant_id, title) values ($1, $2)`, values: [tenant, `${tenant} roadmap`] });
  }
  return rows;
}

/**
 * Creates the demo's roles and schema in one transaction, through `client`
 * (connected as a role that may create roles), sets the authenticator's
 * password, and fills the tables. Nothing outside schema `demo` and the
 * demo_* roles is touched.
 */
export async function loadDemoSchema(client: Client, authenticatorPassword: string): Promise<void> {
  await client.query('begin');
  try {
    await client.query(SCHEMA_SQL);
    await client.query(`alter role ${authenticator} with login noinherit password ${client.escapeLiteral(authenticatorPassword)}`);
    for (const { sql, values } of seed()) await client.query(sql, values);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}
