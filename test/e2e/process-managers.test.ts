/**
 * The real server under pm2, in cluster and fork mode, running
 * postgraphile-cognito from an ecosystem file: it must serve verified tokens
 * and leave nothing running when stopped. (PostGraphile's own
 * --cluster-workers: cluster-workers.test.ts; unset variables in `args`:
 * pm2-unset-args.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, cleanEnv } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { canConnect, freePort, waitForPort, whoamiAt as whoami } from '../helpers/net';
import { PM2_BIN as PM2 } from '../helpers/pm2';
import { alive, until } from '../helpers/process';

const POOL = 'local_procs1';

describe('under process managers', () => {
  let db: TestDatabase;
  let jwks: JwksFixture;
  const dirs: string[] = [];

  before(async () => {
    db = await createTestDatabase('procs');
    jwks = await JwksFixture.start(['key-a', 'key-b']);
  });

  after(async () => {
    await jwks?.close();
    await db?.drop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const token = (sub: string) => jwks.sign('key-b', accessClaims(sub), { issuer: jwks.issuer(POOL) });

  for (const [mode, instances] of [['cluster', 2], ['fork', 1]] as const) test(`pm2 ${mode} mode runs postgraphile-cognito from an ecosystem file`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-pm2-'));
    dirs.push(dir);
    const port = await freePort();
    fs.writeFileSync(
      path.join(dir, 'ecosystem.config.js'),
      `module.exports = {
        apps: [{
          name: 'pgc-e2e',
          script: ${JSON.stringify(BIN)},
          args: ['run', '--', '-c', ${JSON.stringify(db.url)}, '--port', '${port}', '--host', '127.0.0.1', '--default-role', 'app_anonymous', '--dynamic-json'],
          exec_mode: '${mode}',
          instances: ${instances},
          autorestart: false,
          env: {
            COGNITO_USER_POOL_ID: '${POOL}',
            AWS_ENDPOINT_URL: '${jwks.endpoint}',
            COGNITO_CLIENT_ID: 'client1',
            COGNITO_ALLOWED_ROLES: 'app_user',
            COGNITO_AUTHENTICATED_ROLE: 'app_user',
            // Not a region (emulators set it so): a warning each instance must say.
            AWS_REGION: 'local',
          },
        }],
      };`,
    );
    const env = cleanEnv({ PM2_HOME: path.join(dir, '.pm2') });
    const pm2 = (...args: string[]) => spawnSync(process.execPath, [PM2, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    try {
      const started = pm2('start', 'ecosystem.config.js');
      assert.equal(started.status, 0, started.stderr);
      await waitForPort(port, 30_000);
      const list = JSON.parse(pm2('jlist').stdout) as { pid: number; pm2_env: { status: string; exec_mode: string } }[];
      assert.equal(list.length, instances);
      assert.ok(list.every((p) => p.pm2_env.status === 'online' && p.pm2_env.exec_mode === `${mode}_mode`));
      for (let i = 0; i < 6; i++) {
        const answer = await whoami(port, token(`pm2-user-${i}`));
        assert.equal(answer.status, 200);
        assert.equal(answer.sub, `pm2-user-${i}`);
      }
      // Each instance says its start-up line and warnings in pm2's log (cluster instances are workers too).
      const logs = fs.readdirSync(path.join(dir, '.pm2', 'logs')).map((f) => fs.readFileSync(path.join(dir, '.pm2', 'logs', f), 'utf8')).join('');
      assert.equal((logs.match(/postgraphile-cognito: user pool local_procs1/g) ?? []).length, instances);
      assert.equal((logs.match(/warning: AWS_REGION "local" is not an AWS region/g) ?? []).length, instances);
      const pids = list.map((p) => p.pid);
      assert.equal(pm2('delete', 'all').status, 0);
      await until(() => pids.every((pid) => !alive(pid)), 'pm2 instances to end');
      await until(async () => !(await canConnect(port)), 'the port to be freed');
    } finally {
      pm2('kill');
    }
  });
});
