/**
 * `demo --print-sql`: the demo's roles and schema as SQL a user loads into a
 * database of their own. The demo's guide points there, not at a source file
 * an installed package does not have.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli';
import { show } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { demoGuide } from '../../src/demo/guide';
import { DEMO_USERS } from '../../src/issuer';

describe('demo --print-sql', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase('demosql', '');
  });

  after(async () => {
    await db?.drop();
  });

  test('prints SQL that creates the demo roles, tables and policies in a fresh database, and starts nothing', async () => {
    const r = await runCli(['demo', '--print-sql']);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stderr, '', 'no progress lines: nothing was started');
    assert.match(r.stdout, /^-- The postgraphile-cognito demo's roles and schema/);
    await db.query(r.stdout);
    const tables = await db.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = 'demo' order by 1`);
    assert.deepEqual(tables.map((t) => t.name), ['announcement', 'document', 'note']);
    const policies = await db.query<{ name: string }>(`select policyname as name from pg_policies where schemaname = 'demo' order by 1`);
    assert.deepEqual(policies.map((p) => p.name), ['admin_reads_all_documents', 'admin_reads_all_notes', 'own_notes', 'same_tenant']);
    const members = await db.query<{ role: string }>(
      `select r.rolname as role from pg_auth_members m join pg_roles r on r.oid = m.roleid join pg_roles a on a.oid = m.member
       where a.rolname = 'demo_authenticator' order by 1`,
    );
    assert.deepEqual(members.map((m) => m.role), ['demo_admin', 'demo_anonymous', 'demo_user']);
    // Loading it again replaces the schema: the roles exist by then.
    await db.query(r.stdout);
  });

  test("the guide's way to a real pool names the command, and no file of the repository", () => {
    const token = 'x.y.z';
    const guide = demoGuide({
      graphqlUrl: 'http://127.0.0.1:5000/graphql',
      graphiqlUrl: 'http://127.0.0.1:5000/graphiql',
      poolId: 'local_Demo1',
      users: DEMO_USERS.map((user) => ({ user, accessToken: token, idToken: token })),
      expiresAt: new Date(0),
      realPoolArgs: { cognito: ['--user-pool-id', 'eu-west-1_AbCdEf123'], postgraphile: ['-c', 'postgres:///app'] },
      adminRole: 'demo_admin',
      anonymousRole: 'demo_anonymous',
      stopNote: 'Ctrl-C stops the demo.',
    });
    assert.match(guide, /npx postgraphile-cognito demo --print-sql prints the SQL/);
    assert.doesNotMatch(guide, /\bsrc\/|\.ts\b/, 'the guide points at a source file');
  });
});
