/**
 * `doctor --token` and `verify --database` end to end: real cognito-local
 * tokens, real PostgreSQL with the row-level-security fixture (test/helpers/db.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import { runCli } from '../helpers/cli';
import { show } from '../helpers/cli-assert';
import { LocalPool, Tokens } from '../helpers/cognito';
import { adminUrl, createTestDatabase, TestDatabase } from '../helpers/db';

interface RequestJson {
  ok: boolean;
  role: { name: string | null; exists: boolean; canSwitch: boolean; error?: string };
  currentUser: string;
  settings: { name: string; value: string | null }[];
  tables: { schema: string; table: string; rowSecurity: boolean; policies: { name: string }[] }[];
  sql?: { ok: boolean; rows?: (string | null)[][]; columns?: string[]; error?: string };
}

describe('doctor --token', () => {
  let db: TestDatabase;
  let pool: LocalPool;
  let alice: Tokens;
  let ghost: Tokens;
  let odd: Tokens;
  const loginRole = `pgc_tok_${randomBytes(3).toString('hex')}`;

  const cognito = () => ['--user-pool-id', pool.poolId, '--endpoint', pool.endpoint, '--client-id', pool.clientId, '--authenticated-role', 'app_user', '--allowed-roles', 'app_user,app_ghost'];
  const doctor = (token: string, ...extra: string[]) => ['doctor', ...cognito(), '--token', token, ...extra, '--', '-c', db.url, '--default-role', 'app_anonymous'];
  const jsonOf = (stdout: string) => (JSON.parse(stdout) as { valid: boolean; request: RequestJson }).request;

  before(async () => {
    db = await createTestDatabase('doctor_token');
    pool = await LocalPool.create('doctor-token');
    await pool.group('app_ghost');
    alice = await pool.user('alice@example.com');
    const bob = await pool.user('bob@example.com');
    ghost = await pool.user('ghost@example.com', { groups: ['app_ghost'] });
    odd = await pool.user('odd@example.com', { attributes: { 'custom:tenant_id': 'acme\u001b[2J\u202e' } });
    await db.query('insert into note (owner_sub, body) values ($1, $2), ($3, $4)', [alice.sub, 'alice note', bob.sub, 'bob note']);
    const admin = new Client({ connectionString: adminUrl() });
    await admin.connect();
    // A login role granted nothing: it may not switch to any app role.
    await admin.query(`create role ${loginRole} login password 'tok-pw'`);
    await admin.end();
  });

  after(async () => {
    await db?.drop();
    const admin = new Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`drop role if exists ${loginRole}`);
    await admin.end();
  });

  test('a token that runs fine: its role, current_user, the claim settings as SQL reads them, the policies, exit 0', async () => {
    const r = await runCli(doctor(alice.accessToken));
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^VALID for user pool/, show(r));
    assert.match(r.stdout, /role +app_user \(--authenticated-role\)\n +exists; \S+ can SET ROLE to it/, show(r));
    assert.match(r.stdout, /current_user +app_user\n/, show(r));
    assert.match(r.stdout, new RegExp(`jwt\\.claims\\.sub = ${alice.sub}\\n`), show(r));
    assert.match(r.stdout, /table public\.note: row-level security on; policies for app_user:\n +own_notes: SELECT, permissive, to app_staff, app_user, using \(\(owner_sub = current_setting\('jwt\.claims\.sub'::text, true\)\)\)/, show(r));
    assert.match(r.stdout, /\nok: the request runs as app_user\n$/, show(r));
  });

  test('a policy that hides a row: --sql shows only what the request may see, and the transaction is rolled back', async () => {
    const r = await runCli(doctor(alice.accessToken, '--sql', 'select body, owner_sub = current_setting($$jwt.claims.sub$$) as mine from note order by id', '--json'));
    assert.equal(r.code, 0, show(r));
    const request = jsonOf(r.stdout);
    assert.equal(request.currentUser, 'app_user');
    assert.deepEqual(request.sql!.columns, ['body', 'mine']);
    assert.deepEqual(request.sql!.rows, [['alice note', 'true']], 'bob\'s row is hidden by own_notes');
    assert.equal((await db.query<{ n: string }>('select count(*) as n from note'))[0]!.n, '2', 'both rows are there for the owner');
    // A write runs as the request would, and is rolled back.
    const write = await runCli(doctor(alice.accessToken, '--sql', 'delete from note returning body'));
    assert.equal(write.code, 1, show(write));
    assert.match(write.stdout, /permission denied for table note/, 'app_user has no DELETE: what a request would get');
    const insert = await runCli(['doctor', ...cognito(), '--token', alice.accessToken, '--sql', "insert into note (owner_sub, body) values ('x', 'y') returning id", '--', '-c', db.url]);
    assert.match(insert.stdout, /permission denied|42501/, show(insert));
    assert.equal((await db.query<{ n: string }>('select count(*) as n from note'))[0]!.n, '2');
  });

  test('a statement that would end the transaction, or several statements, are refused', async () => {
    const commit = await runCli(doctor(alice.accessToken, '--sql', '  -- sneaky\ncommit'));
    assert.equal(commit.code, 1, show(commit));
    assert.match(commit.stdout, /a statement that ends the transaction is not run/, show(commit));
    const two = await runCli(doctor(alice.accessToken, '--sql', 'select 1; select 2'));
    assert.equal(two.code, 1, show(two));
    assert.match(two.stdout, /cannot insert multiple commands into a prepared statement/, show(two));
    assert.match(two.stdout, /--sql takes one statement/, show(two));
  });

  test('a group naming a role the database lacks: VALID token, but the request fails; said plainly with the fix, exit 1', async () => {
    const r = await runCli(doctor(ghost.accessToken, '--sql', 'select 1'));
    assert.equal(r.code, 1, show(r));
    assert.match(r.stdout, /^VALID/, show(r));
    assert.match(r.stdout, /role +app_ghost \(from the token's cognito:groups\)\n +does not exist: the request fails with "role \\?"?app_ghost\\?"? does not exist"/, show(r));
    assert.match(r.stdout, /FAIL {2}role app_ghost does not exist\n {6}hint: create role app_ghost nologin; grant app_ghost to /, show(r));
    assert.match(r.stdout, /not run: the request would fail before it/, show(r));
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /^\s+at /m, 'no stack trace');
    const json = jsonOf((await runCli(doctor(ghost.accessToken, '--json'))).stdout);
    assert.deepEqual([json.ok, json.role.name, json.role.exists], [false, 'app_ghost', false]);
  });

  test('a role the connecting role may not switch to is reported with the grant that fixes it', async () => {
    const url = new URL(db.url);
    url.username = loginRole;
    url.password = 'tok-pw';
    const r = await runCli(['doctor', ...cognito(), '--token', alice.accessToken, '--', '-c', url.toString()]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stdout, new RegExp(`exists, but ${loginRole} cannot SET ROLE to it: the request fails with "permission denied to set role \\\\?"?app_user`), show(r));
    assert.match(r.stdout, new RegExp(`hint: grant app_user to ${loginRole};`), show(r));
  });

  test('a refused token stops before the database: exit 4', async () => {
    const r = await runCli(['doctor', '--user-pool-id', pool.poolId, '--endpoint', pool.endpoint, '--client-id', 'someotherclient', '--token', alice.accessToken, '--', '-c', db.url]);
    assert.equal(r.code, 4, show(r));
    assert.match(r.stdout, /^INVALID: client/, show(r));
    assert.doesNotMatch(r.stdout, /request, as PostgreSQL runs it/, show(r));
  });

  test('a token of an untrusted issuer is refused before any key is fetched: exit 4, even when the JWKS is unreachable', async () => {
    // Port 9 (discard) is closed: this pool's keys cannot be fetched, and alice's token is of another issuer.
    const r = await runCli(['doctor', '--user-pool-id', pool.poolId, '--endpoint', 'http://127.0.0.1:9', '--client-id', pool.clientId, '--token', alice.accessToken, '--', '-c', db.url]);
    assert.equal(r.code, 4, show(r));
    assert.match(r.stdout, /^INVALID: issuer \(issuer "[^"]+" is not trusted \(expected http:\/\/127\.0\.0\.1:9\//, show(r));
    assert.doesNotMatch(r.stderr, /JWKS/, show(r));
  });

  test('claim values with escape sequences are shown escaped', async () => {
    // Custom attributes travel in ID tokens.
    const r = await runCli(doctor(odd.idToken, '--token-use', 'id'));
    assert.doesNotMatch(r.stdout, /[\u001b\u202e]/, 'raw escape characters reached the terminal');
    assert.match(r.stdout, /acme\\u001b\[2J\\u202e/, show(r));
  });

  test('verify --database is the same report', async () => {
    const r = await runCli(['verify', ...cognito(), '--database', '--sql', 'select body from note', alice.accessToken, '--', '-c', db.url]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /current_user +app_user\n/, show(r));
    assert.match(r.stdout, /\n {4}alice note\n/, show(r));
    assert.doesNotMatch(r.stdout, /bob note/, show(r));
  });

  test('--sql needs --token (doctor) or --database (verify)', async () => {
    assert.equal((await runCli(['doctor', ...cognito(), '--sql', 'select 1'])).code, 2);
    assert.equal((await runCli(['verify', ...cognito(), '--sql', 'select 1', alice.accessToken])).code, 2);
  });
});
