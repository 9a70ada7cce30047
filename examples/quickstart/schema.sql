-- Written by `postgraphile-cognito init --sql`: a starting schema for PostGraphile behind Cognito.
-- Load it as a superuser (or the database owner with CREATEROLE), e.g.
--   psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -f schema.sql
-- Loading it again keeps the roles and the table, and resets their attributes, grants and policy.
begin;

-- The role PostGraphile connects as. Not a superuser and no BYPASSRLS, so row-level security
-- applies; NOINHERIT, so it has the app roles' rights only after SET ROLE, as each request does.
-- No password is set here, so none lands in this file; set one yourself, then connect with it:
--   psql "$ADMIN_DATABASE_URL" -c '\password app_login'
--   DATABASE_URL=postgres://app_login:PASSWORD@HOST:5432/DATABASE
do $$
begin
  if not exists (select from pg_roles where rolname = 'app_login') then
    create role app_login login noinherit;
  end if;
end $$;
alter role app_login login noinherit nosuperuser nocreatedb nocreaterole nobypassrls;

-- app_anonymous: requests without a token (PostGraphile's --default-role).
-- app_user: requests with a valid token (--authenticated-role, and the roles the
-- token's role claim may name, --allowed-roles).
do $$
begin
  if not exists (select from pg_roles where rolname = 'app_anonymous') then
    create role app_anonymous nologin;
  end if;
end $$;
alter role app_anonymous nologin nosuperuser nocreatedb nocreaterole nobypassrls;
do $$
begin
  if not exists (select from pg_roles where rolname = 'app_user') then
    create role app_user nologin;
  end if;
end $$;
alter role app_user nologin nosuperuser nocreatedb nocreaterole nobypassrls;
grant app_anonymous, app_user to app_login;

grant usage on schema public to app_anonymous, app_user;

-- One row per note; owner_sub is the Cognito user's sub, which run sets as jwt.claims.sub.
create table if not exists public.note (
  id int primary key generated always as identity,
  owner_sub text not null default current_setting('jwt.claims.sub', true),
  body text not null,
  created_at timestamptz not null default now()
);
alter table public.note enable row level security;

-- Anonymous requests may read, but no policy below lets them see a row.
grant select on public.note to app_anonymous;
grant select, insert, update, delete on public.note to app_user;

-- A signed-in user sees, adds, changes and deletes only their own notes.
drop policy if exists note_own on public.note;
create policy note_own on public.note for all to app_user
  using (owner_sub = current_setting('jwt.claims.sub', true))
  with check (owner_sub = current_setting('jwt.claims.sub', true));

commit;
