/**
 * The README's "Quick start with your user pool", end to end:
 * examples/quickstart/local-pool.js makes a pool, app client, group and user
 * in cognito-local; examples/quickstart/schema.sql goes into a fresh
 * database; the user's own row goes in by the token's sub; `run` starts with
 * the README's flags, connected as the login role; the user's token reads
 * only that row, and doctor finds nothing to fix.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import { BIN, cleanEnv, ROOT, runCli } from '../helpers/cli';
import { show } from '../helpers/cli-assert';
import { cognitoLocalUrl } from '../helpers/cognito';
import { adminUrl, createTestDatabase, TestDatabase } from '../helpers/db';
import { codeBlock } from '../helpers/docs';
import { RunningServer, startServer } from '../helpers/server';
import { tempDirs } from '../helpers/temp';

const SCHEMA = path.join(ROOT, 'examples', 'quickstart', 'schema.sql');
const LOCAL_POOL = path.join(ROOT, 'examples', 'quickstart', 'local-pool.js');
const NOTES = '{ allNotes { nodes { body } } }';

// Roles belong to the whole cluster, which other test files share (some create app_* roles):
// this file's get a prefix of their own, in the SQL and in the flags alike.
const PREFIX = `qs${randomBytes(3).toString('hex')}_`;
const ROLES = ['login', 'anonymous', 'user'].map((name) => `${PREFIX}${name}`);
const ours = (text: string) => text.replace(/\bapp_(login|anonymous|user)\b/g, `${PREFIX}$1`);

/** Runs `script` with sh and returns the words it printed with printf '%s\0'. */
function shellWords(script: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out.split('\0').slice(0, -1)) : reject(new Error(`sh exited ${code}:\n${err}`))));
  });
}

describe('the quick start with a local user pool', () => {
  const temp = tempDirs('pgc-quickstart-');
  let db: TestDatabase;
  let loginUrl: string;
  let pool: { poolId: string; clientId: string; sub: string; accessToken: string };
  let runArgs: string[];
  let server: RunningServer;

  const graphql = async (query: string, token?: string) => {
    const res = await server.graphql(query, token);
    assert.equal(res.status, 200, res.text);
    return res.body.data!;
  };

  before(async () => {
    // Step 1: the README's eval line, pointed at the test's cognito-local, with this file's group.
    assert.ok(codeBlock('README.md', 'local-pool.js').includes('eval "$(node examples/quickstart/local-pool.js)"'));
    const [poolId, clientId, sub, accessToken] = await shellWords(
      `eval "$(node examples/quickstart/local-pool.js --endpoint "$QS_ENDPOINT" --group "$QS_GROUP")" && printf '%s\\0' "$POOL_ID" "$CLIENT_ID" "$USER_SUB" "$ACCESS_TOKEN"`,
      cleanEnv({ QS_ENDPOINT: cognitoLocalUrl(), QS_GROUP: `${PREFIX}user` }),
    );
    pool = { poolId: poolId!, clientId: clientId!, sub: sub!, accessToken: accessToken! };

    // Step 2: the SQL file into a fresh database, and a password for the login role (psql's \password).
    db = await createTestDatabase('quickstart', '');
    await db.query(ours(fs.readFileSync(SCHEMA, 'utf8')));
    const password = randomBytes(12).toString('hex');
    await db.query(`alter role ${PREFIX}login password '${password}'`);
    const url = new URL(db.url);
    url.username = `${PREFIX}login`;
    url.password = password;
    loginUrl = url.toString();

    // Step 4: the README's insert, with the user's sub where psql puts :'sub'.
    const insert = codeBlock('README.md', 'insert into note').split('\n').find((line) => line.startsWith('insert into note'))!;
    await db.query(insert.replace(":'sub'", '$1'), [pool.sub]);

    // Step 5: the README's run command, read by sh, with cognito-local's endpoint before --.
    const block = ours(codeBlock('README.md', 'npx postgraphile-cognito run \\\n  --user-pool-id "$POOL_ID"'));
    assert.match(block, /^npx postgraphile-cognito run /);
    assert.doesNotMatch(block, /\s-c\s/, "the README puts the connection string (and its password) on the command line");
    const words = await shellWords(block.replace(/^npx postgraphile-cognito /, `printf '%s\\0' `), {
      ...cleanEnv(),
      POOL_ID: pool.poolId,
      CLIENT_ID: pool.clientId,
      DATABASE_URL: loginUrl,
    });
    const dash = words.indexOf('--');
    runArgs = [...words.slice(0, dash), '--endpoint', cognitoLocalUrl(), ...words.slice(dash)];
    // The README leaves -c out: PostGraphile reads DATABASE_URL, as the shell exported it.
    server = await startServer({ command: [BIN, ...runArgs], cwd: temp.make(), env: cleanEnv({ DATABASE_URL: loginUrl }) });
  });

  after(async () => {
    await server?.stop();
    await db?.drop();
    const admin = new Client({ connectionString: adminUrl() });
    await admin.connect();
    try {
      for (const role of ROLES) await admin.query(`drop role if exists ${role}`);
    } finally {
      await admin.end();
    }
    temp.removeAll();
  });

  test("the user's token reads only the user's own row; no token reads none", async () => {
    assert.deepEqual(await graphql(NOTES, pool.accessToken), { allNotes: { nodes: [{ body: 'my first note' }] } });
    assert.deepEqual(await graphql(NOTES), { allNotes: { nodes: [] } });
    assert.ok(codeBlock('README.md', 'curl -s localhost:5000/graphql').includes(JSON.stringify({ query: NOTES })), 'the README queries something else');
  });

  test('the user adds a note of their own: its owner is the token sub', async () => {
    const created = await graphql('mutation { createNote(input: { note: { body: "another" } }) { note { ownerSub } } }', pool.accessToken);
    assert.deepEqual(created, { createNote: { note: { ownerSub: pool.sub } } });
    const bodies = ((await graphql(NOTES, pool.accessToken)).allNotes as { nodes: { body: string }[] }).nodes.map((n) => n.body).sort();
    assert.deepEqual(bodies, ['another', 'my first note']);
  });

  test('PostGraphile connects as the login role, which is no superuser and has no BYPASSRLS', async () => {
    const sessions = await db.query<{ usename: string }>(
      'select distinct usename from pg_stat_activity where datname = current_database() and usename <> current_user',
    );
    assert.deepEqual(sessions, [{ usename: `${PREFIX}login` }]);
    const [login] = await db.query<{ rolsuper: boolean; rolbypassrls: boolean }>('select rolsuper, rolbypassrls from pg_roles where rolname = $1', [`${PREFIX}login`]);
    assert.deepEqual(login, { rolsuper: false, rolbypassrls: false });
  });

  test('doctor with the same arguments passes every check', async () => {
    const r = await runCli(['doctor', ...runArgs.slice(1)], { cwd: temp.make(), env: cleanEnv({ DATABASE_URL: loginUrl }) });
    assert.equal(r.code, 0, show(r));
    assert.doesNotMatch(r.stdout, /^(FAIL|WARN)/m, show(r));
    assert.match(r.stdout, new RegExp(`^PASS {2}role ${PREFIX}user: \\(allowed role\\) exists; ${PREFIX}login can SET ROLE to it`, 'm'), show(r));
  });
});
