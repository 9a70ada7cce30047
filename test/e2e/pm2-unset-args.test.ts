/**
 * pm2 and an ecosystem file's `args` with an unset variable in it: cluster
 * mode passes it on as null, fork mode as the text "null". Either way the
 * instances must end with exit 2 naming the argument, before any JWKS fetch.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, cleanEnv } from '../helpers/cli';
import { JwksFixture } from '../helpers/jwks-server';
import { freePort } from '../helpers/net';
import { PM2_BIN as PM2 } from '../helpers/pm2';
import { until } from '../helpers/process';

const POOL = 'local_pm2args1';

describe('pm2 and an unset variable in args', () => {
  let jwks: JwksFixture;
  const dirs: string[] = [];

  before(async () => {
    jwks = await JwksFixture.start(['key-a']);
  });

  after(async () => {
    await jwks?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [mode, arrives] of [['cluster', /argument 4 is null, not text \(it follows -c\)/], ['fork', /argument 4 is the text "null" \(it follows -c\)/]] as const) {
    test(`under pm2 ${mode} mode, an unset variable in args ends the instances with exit 2 naming it`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-pm2-bad-'));
      dirs.push(dir);
      fs.writeFileSync(
        path.join(dir, 'ecosystem.config.js'),
        `module.exports = { apps: [{
          name: 'pgc-bad', script: ${JSON.stringify(BIN)}, exec_mode: '${mode}', instances: ${mode === 'cluster' ? 2 : 1}, autorestart: false,
          // An unset variable: pm2 passes it on as null (cluster mode) or as the text "null" (fork mode).
          args: ['run', '--', '-c', process.env.PGC_UNSET_FOR_TEST, '--port', '${await freePort()}'],
          env: { COGNITO_USER_POOL_ID: '${POOL}', AWS_ENDPOINT_URL: '${jwks.endpoint}' },
        }] };`,
      );
      const env = cleanEnv({ PM2_HOME: path.join(dir, '.pm2') });
      const pm2 = (...args: string[]) => spawnSync(process.execPath, [PM2, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
      try {
        const before = jwks.requests;
        assert.equal(pm2('start', 'ecosystem.config.js').status, 0);
        const list = () => JSON.parse(pm2('jlist').stdout) as { pid: number; pm2_env: { status: string; exit_code?: number } }[];
        await until(() => list().every((p) => p.pm2_env.status !== 'online' && p.pm2_env.status !== 'launching'), 'instances to stop');
        assert.deepEqual(list().map((p) => p.pm2_env.exit_code), mode === 'cluster' ? [2, 2] : [2]);
        const log = fs.readdirSync(path.join(dir, '.pm2', 'logs')).filter((f) => f.includes('error')).map((f) => fs.readFileSync(path.join(dir, '.pm2', 'logs', f), 'utf8')).join('');
        assert.match(log, new RegExp(`postgraphile-cognito: error: ${arrives.source}`));
        assert.match(log, /export it first/);
        assert.equal(jwks.requests, before, 'the JWKS was fetched although the arguments were refused');
      } finally {
        pm2('kill');
      }
    });
  }
});
