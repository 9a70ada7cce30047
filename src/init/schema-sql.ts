import { UsageError } from '../errors';
import { settingNameForClaim } from '../claims';
import { quoteIdent, quoteLiteral } from '../sql';

export const SCHEMA_FILE = 'schema.sql';
export const LOGIN_ROLE = 'app_login';
export const DEFAULT_ANONYMOUS_ROLE = 'app_anonymous';
export const DEFAULT_AUTHENTICATED_ROLE = 'app_user';
export const EXAMPLE_TABLE = 'note';

export interface SchemaSqlInput {
  /** The role PostGraphile connects as. */
  loginRole: string;
  /** PostGraphile's --default-role: requests without a token. */
  anonymousRole: string;
  /** --authenticated-role: valid tokens whose role claim names no allowed role. */
  authenticatedRole: string;
  /** --allowed-roles: roles the role claim may name. */
  allowedRoles: readonly string[];
  /** The first PostGraphile schema; the example table goes there. */
  schema: string;
}

// Plain names only: no quoting surprises in the file, nor in a DO block's string.
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The starting schema.sql: the login role, the app roles, their grants, and
 * one table whose row-level-security policy compares the owner with the
 * `jwt.claims.sub` setting, which run sets from the token's sub. The one
 * source of this SQL (init --sql writes it; the docs show its output).
 */
export function renderSchemaSql(input: SchemaSqlInput): string {
  for (const [what, name] of [['login role', input.loginRole], ['role', input.anonymousRole], ['role', input.authenticatedRole], ...input.allowedRoles.map((r) => ['role', r]), ['schema', input.schema]] as const) {
    if (!PLAIN_NAME.test(name)) {
      throw new UsageError(`init --sql writes only plain names, and ${what} "${name}" is not one`, 'use letters, digits and _ (starting with a letter or _), or write the SQL for this role yourself');
    }
  }
  if (input.allowedRoles.some((r) => r.toLowerCase() === input.loginRole)) throw new UsageError(`${input.loginRole} is the login role; it cannot also be an allowed role`);
  const sub = settingNameForClaim('sub')!;
  const login = quoteIdent(input.loginRole);
  const schema = quoteIdent(input.schema);
  const table = `${schema}.${EXAMPLE_TABLE}`;
  const anonymous = quoteIdent(input.anonymousRole);
  const signedInRoles = unique([input.authenticatedRole, ...input.allowedRoles].filter((r) => r !== input.anonymousRole));
  const appRoles = unique([input.anonymousRole, ...signedInRoles]);
  const signedIn = signedInRoles.map(quoteIdent).join(', ');
  const app = appRoles.map(quoteIdent).join(', ');
  const ensureRole = (role: string, attributes: string) => `do $$
begin
  if not exists (select from pg_roles where rolname = ${quoteLiteral(role)}) then
    create role ${quoteIdent(role)} ${attributes};
  end if;
end $$;
alter role ${quoteIdent(role)} ${attributes} nosuperuser nocreatedb nocreaterole nobypassrls;`;
  const owner = `(owner_sub = current_setting('${sub}', true))`;
  return `-- Written by \`postgraphile-cognito init --sql\`: a starting schema for PostGraphile behind Cognito.
-- Load it as a superuser (or the database owner with CREATEROLE), e.g.
--   psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -f ${SCHEMA_FILE}
-- Loading it again keeps the roles and the table, and resets their attributes, grants and policy.
begin;

-- The role PostGraphile connects as. Not a superuser and no BYPASSRLS, so row-level security
-- applies; NOINHERIT, so it has the app roles' rights only after SET ROLE, as each request does.
-- No password is set here, so none lands in this file; set one yourself, then connect with it:
--   psql "$ADMIN_DATABASE_URL" -c '\\password ${input.loginRole}'
--   DATABASE_URL=postgres://${input.loginRole}:PASSWORD@HOST:5432/DATABASE
${ensureRole(input.loginRole, 'login noinherit')}

-- ${anonymous}: requests without a token (PostGraphile's --default-role).
-- ${signedIn}: requests with a valid token (--authenticated-role, and the roles the
-- token's role claim may name, --allowed-roles).
${appRoles.map((role) => ensureRole(role, 'nologin')).join('\n')}
grant ${app} to ${login};

${input.schema === 'public' ? '' : `create schema if not exists ${schema};\n`}grant usage on schema ${schema} to ${app};

-- One row per note; owner_sub is the Cognito user's sub, which run sets as ${sub}.
create table if not exists ${table} (
  id int primary key generated always as identity,
  owner_sub text not null default current_setting('${sub}', true),
  body text not null,
  created_at timestamptz not null default now()
);
alter table ${table} enable row level security;

-- Anonymous requests may read, but no policy below lets them see a row.
grant select on ${table} to ${anonymous};
grant select, insert, update, delete on ${table} to ${signedIn};

-- A signed-in user sees, adds, changes and deletes only their own notes.
drop policy if exists ${EXAMPLE_TABLE}_own on ${table};
create policy ${EXAMPLE_TABLE}_own on ${table} for all to ${signedIn}
  using ${owner}
  with check ${owner};

commit;
`;
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
