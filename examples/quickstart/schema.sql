-- The quick start's database (README.md, "Quick start with your user pool").
-- Load it as a role that may create roles, such as postgres:
--   psql -d app -f examples/quickstart/schema.sql
-- then give the login role a password:  psql -d app -c '\password app_login'

-- PostGraphile logs in as app_login: not a superuser and without BYPASSRLS, so row-level
-- security applies to it; NOINHERIT, so it holds no rights but those of the role it switches to.
create role app_login login noinherit;
-- A request without a token runs as app_anonymous; a token of a user in the Cognito group
-- app_user runs as app_user (--allowed-roles app_user).
create role app_anonymous nologin;
create role app_user nologin;
grant app_anonymous, app_user to app_login;

-- One note per row, owned by a Cognito user: owner_sub is the sub of the user's tokens.
create table note (
  id int generated always as identity primary key,
  owner_sub text not null default current_setting('jwt.claims.sub', true),
  body text not null
);
alter table note enable row level security;
grant select on note to app_anonymous, app_user;
grant insert (body) on note to app_user;

-- A signed-in user reads and adds only their own notes.
create policy own_notes on note to app_user
  using (owner_sub = current_setting('jwt.claims.sub', true))
  with check (owner_sub = current_setting('jwt.claims.sub', true));
-- No policy names app_anonymous: without a token, no note is visible.
