/**
 * A v5 user, as a new user would be: a fresh project with PostGraphile v5
 * and this package installed from its packed tarball, under Node 22. The
 * preset by name with -P, makeCognitoPreset imported by name in
 * graphile.config.mjs, and run from node_modules/.bin.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BatteryPool, WHOAMI } from '../helpers/battery';
import { cleanEnv } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { JwksFixture } from '../helpers/jwks-server';
import { InstalledProject, installPackedProject } from '../helpers/project';
import { RunningServer, startServer } from '../helpers/server';
import { node22, V5_PROJECT, withNode22 } from '../helpers/v5';

const POOL = 'local_v5pkg1';
// The same v5 the fixture has, so the npm cache already holds it.
const V5 = `postgraphile@${(JSON.parse(fs.readFileSync(path.join(V5_PROJECT, 'node_modules', 'postgraphile', 'package.json'), 'utf8')) as { version: string }).version}`;

describe('a fresh v5 project with the packed package, under Node 22', () => {
  let project: InstalledProject;
  let db: TestDatabase;
  let jwks: JwksFixture;
  let pool: BatteryPool;
  const env = () => withNode22(cleanEnv({ COGNITO_USER_POOL_ID: POOL, AWS_ENDPOINT_URL: jwks.endpoint, COGNITO_CLIENT_ID: 'client1', COGNITO_ALLOWED_ROLES: 'app_admin', COGNITO_ANONYMOUS_ROLE: 'app_anonymous' }));

  async function verifies(server: RunningServer): Promise<void> {
    try {
      const res = await server.graphql(WHOAMI, pool.accessToken('pkg-v5', { 'cognito:groups': ['app_admin'] }));
      assert.equal(res.status, 200, res.text);
      const who = res.body.data!.whoami as { sub: string; role: string };
      assert.deepEqual([who.sub, who.role], ['pkg-v5', 'app_admin']);
      assert.equal((await server.graphql(WHOAMI, `${pool.accessToken('x').slice(0, -4)}AAAA`)).status, 403);
    } finally {
      await server.stop();
    }
  }

  before(async () => {
    project = await installPackedProject('pgc-v5-project-', V5);
    db = await createTestDatabase('v5pkg');
    jwks = await JwksFixture.start(['key-a', 'key-b']);
    pool = new BatteryPool(jwks, POOL);
  });
  after(async () => {
    await jwks?.close();
    await db?.drop();
    project?.remove();
  });

  test("by name: postgraphile -P …,postgraphile-cognito/preset, and run from node_modules/.bin with makeCognitoPreset imported from 'postgraphile-cognito'", async () => {
    // Named with -C (not graphile.config.*), so the -P server in the same folder does not read it.
    fs.writeFileSync(
      path.join(project.dir, 'cognito.config.mjs'),
      `import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makeCognitoPreset } from 'postgraphile-cognito';
export default { extends: [PostGraphileAmberPreset, makeCognitoPreset({ clientId: 'client1', allowedRoles: ['app_admin'] })] };
`,
    );
    const cli = path.join(project.dir, 'node_modules', 'postgraphile', 'dist', 'cli-run.js');
    const bin = path.join(project.dir, 'node_modules', '.bin', 'postgraphile-cognito');
    // Both at once: each start is a few seconds of schema building.
    const [byName, byRun] = await Promise.all([
      startServer({ node: node22(), command: [cli, '-P', 'postgraphile/presets/amber,postgraphile-cognito/preset', '-c', db.url, '-s', 'public'], cwd: project.dir, env: env() }),
      startServer({ node: node22(), command: [bin, 'run', '--'], postgraphileArgs: ['-C', 'cognito.config.mjs', '-c', db.url, '-s', 'public'], cwd: project.dir, env: env() }),
    ]);
    assert.match(byRun.output(), /PostGraphile 5\.\d+\.\d+ \(project\)/);
    await Promise.all([verifies(byName), verifies(byRun)]);
  });
});
