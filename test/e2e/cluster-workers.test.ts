/**
 * PostGraphile's own --cluster-workers under run: the workers verify tokens,
 * the primary says its piece once, and a signal to the primary ends them all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cleanEnv } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { canConnect, whoamiAt as whoami } from '../helpers/net';
import { alive, until } from '../helpers/process';
import { startServer } from '../helpers/server';

const POOL = 'local_workers1';

describe('run with --cluster-workers', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;

  before(async () => {
    db = await createTestDatabase('workers');
    jwks = await JwksFixture.start(['key-a', 'key-b']);
  });

  after(async () => {
    await jwks?.close();
    await db?.drop();
  });

  const token = (sub: string) => jwks.sign('key-b', accessClaims(sub), { issuer: jwks.issuer(POOL) });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`--cluster-workers 2: workers verify tokens, and ${signal} to the primary ends them all`, async () => {
      const server = await startServer({
        cliArgs: ['--user-pool-id', POOL, '--endpoint', jwks.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user', '--authenticated-role', 'app_user'],
        postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--dynamic-json', '--cluster-workers', '2'],
        env: cleanEnv(),
      });
      await until(() => (server.output().match(/\[cluster\] started worker/g) ?? []).length === 2, 'two workers');
      const workerPids = [...server.output().matchAll(/started worker \d \(pid=(\d+)\)/g)].map((m) => Number(m[1]));
      assert.equal(workerPids.length, 2);
      await until(() => /worker 1 .*listening on port/.test(server.output()), 'worker 1 to listen');
      for (let i = 0; i < 6; i++) {
        const answer = await whoami(server.port, token(`cluster-user-${i}`));
        assert.equal(answer.status, 200);
        assert.equal(answer.sub, `cluster-user-${i}`);
      }
      // The primary says its piece once; workers start through our CLI quietly.
      assert.equal((server.output().match(/postgraphile-cognito: user pool/g) ?? []).length, 1);
      await server.stop(signal);
      await until(() => workerPids.every((pid) => !alive(pid)), 'workers to end');
      assert.equal(await canConnect(server.port), false);
    });
  }
});
