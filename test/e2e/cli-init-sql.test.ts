/**
 * `init --sql` end to end, as a new user goes: init writes the rc file and
 * schema.sql; schema.sql is loaded into a fresh database; the login role gets
 * its password separately; `run` serves it; a token from `login` reads the
 * user's own rows and no one else's; `doctor --token` agrees.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import { cleanEnv, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, show } from '../helpers/cli-assert';
import { LocalPool, Tokens, USER_PASSWORD } from '../helpers/cognito';
import { adminUrl } from '../helpers/db';
import { RunningServer, startServer } from '../helpers/server';
import { tempDirs } from '../helpers/temp';

const NOTES = '{ allNotes(orderBy: ID_ASC) { nodes { body ownerSub } } }';
const temp = tempDirs('pgc-init-sql-');

async function asAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string, user?: { name: string; password: string }): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (user) {
    parsed.username = user.name;
    parsed.password = user.password;
  }
  return parsed.toString();
}

describe('init --sql', () => {
  const tag = randomBytes(3).toString('hex');
  const roles = { anonymous: `pgc_isql_anon_${tag}`, user: `pgc_isql_user_${tag}`, admin: `pgc_isql_admin_${tag}` };
  const database = `pgc_init_sql_${tag}`;
  const loginPassword = `pw-${tag}`;
  let pool: LocalPool;
  let alice: Tokens;
  let bob: Tokens;
  let dir: string;
  let server: RunningServer | undefined;

  const cognito = () => ['--user-pool-id', pool.poolId, '--endpoint', pool.endpoint, '--client-id', pool.clientId];
  const initArgs = () => ['init', '--sql', ...cognito(), '--authenticated-role', roles.user, '--allowed-roles', roles.admin, '--', '--default-role', roles.anonymous];

  before(async () => {
    pool = await LocalPool.create('init-sql');
    alice = await pool.user('alice@example.com');
    bob = await pool.user('bob@example.com');
    dir = temp.make();
    await asAdmin(adminUrl(), (c) => c.query(`create database ${database}`));
  });

  after(async () => {
    await server?.stop();
    temp.removeAll();
    await asAdmin(adminUrl(), async (c) => {
      await c.query(`drop database if exists ${database} with (force)`);
      for (const role of [...Object.values(roles), 'app_login']) await c.query(`drop role if exists ${role}`);
    });
  });

  test('writes the rc file and schema.sql naming the same roles; never replaces them without --force', async () => {
    const r = await runCli(initArgs(), { cwd: dir });
    assertOk(r);
    assert.match(r.stderr, /wrote schema\.sql: login role app_login \(not a superuser, NOINHERIT, no password yet\)/, show(r));
    const sql = fs.readFileSync(path.join(dir, 'schema.sql'), 'utf8');
    const rc = fs.readFileSync(path.join(dir, '.postgraphilerc.js'), 'utf8');
    for (const role of Object.values(roles)) assert.ok(sql.includes(`create role ${role} nologin`), role);
    assert.match(rc, new RegExp(`defaultRole: "${roles.anonymous}"`), 'the role given after --, as given');
    assert.match(rc, new RegExp(`authenticatedRole: "${roles.user}"`));
    assert.match(sql, /create role app_login login noinherit;/);
    assert.doesNotMatch(sql, /password '/i, 'no password in the file');
    assert.match(sql, /using \(owner_sub = current_setting\('jwt\.claims\.sub', true\)\)/);
    const again = await runCli(initArgs(), { cwd: dir });
    assertCleanError(again, 2, /already exist/, /--force/);
    assert.equal(fs.readFileSync(path.join(dir, 'schema.sql'), 'utf8'), sql);
    assertOk(await runCli([...initArgs().slice(0, 2), '--force', ...initArgs().slice(2)], { cwd: dir }));
  });

  test('loaded into a fresh database and served by run, a token from login reads only its own rows', async () => {
    const admin = withDatabase(adminUrl(), database);
    await asAdmin(admin, async (c) => {
      await c.query(fs.readFileSync(path.join(dir, 'schema.sql'), 'utf8'));
      // The step the file leaves to the user: the login role's password.
      await c.query(`alter role app_login password '${loginPassword}'`);
      await c.query('insert into note (owner_sub, body) values ($1, $2), ($3, $4)', [alice.sub, 'alice note', bob.sub, 'bob note']);
      const facts = await c.query<{ rolsuper: boolean; rolinherit: boolean; rolbypassrls: boolean }>(`select rolsuper, rolinherit, rolbypassrls from pg_roles where rolname = 'app_login'`);
      assert.deepEqual(facts.rows[0], { rolsuper: false, rolinherit: false, rolbypassrls: false });
    });
    const env = cleanEnv({ DATABASE_URL: withDatabase(adminUrl(), database, { name: 'app_login', password: loginPassword }) });
    // The rc file written by init holds the pool and the roles; run gets the two required choices explicitly too.
    server = await startServer({ cliArgs: ['--client-id', pool.clientId, '--allowed-roles', roles.admin], env, cwd: dir });

    const login = await runCli(['login', '--username', 'alice@example.com'], { cwd: dir, env: cleanEnv({ COGNITO_PASSWORD: USER_PASSWORD }) });
    assertOk(login);
    const token = login.stdout.trim();
    const mine = await server.graphql(NOTES, token);
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual((mine.body.data!.allNotes as { nodes: unknown[] }).nodes, [{ body: 'alice note', ownerSub: alice.sub }]);
    const anonymous = await server.graphql(NOTES);
    assert.deepEqual((anonymous.body.data!.allNotes as { nodes: unknown[] }).nodes, [], anonymous.text);
    // A note she adds is hers: owner_sub defaults to jwt.claims.sub.
    const added = await server.graphql('mutation { createNote(input: { note: { body: "new" } }) { note { ownerSub } } }', token);
    assert.equal(JSON.stringify(added.body.data), JSON.stringify({ createNote: { note: { ownerSub: alice.sub } } }), added.text);
    const bobs = await server.graphql(NOTES, bob.accessToken);
    assert.deepEqual((bobs.body.data!.allNotes as { nodes: unknown[] }).nodes, [{ body: 'bob note', ownerSub: bob.sub }]);

    const doctor = await runCli(['doctor', '--token', token, '--sql', 'select body from note order by id'], { cwd: dir, env });
    assert.equal(doctor.code, 0, show(doctor));
    assert.match(doctor.stdout, new RegExp(`current_user +${roles.user}\\n`), show(doctor));
    assert.match(doctor.stdout, /\n {4}alice note\n {4}new\n/, show(doctor));
  });
});
