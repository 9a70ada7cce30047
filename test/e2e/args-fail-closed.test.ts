/**
 * The shell recipe for `args` fails closed. When `args` fails (here: the JWKS
 * cannot be reached), neither the README's `|| exit` recipe nor the older
 * `eval "npx postgraphile $(… args …)"` form may start PostGraphile: it would
 * serve every request with no token check at all. Both run through a real
 * shell and PostGraphile 4's own CLI; when `args` works, the recipe starts a
 * server that checks tokens.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, emptyCacheDir } from '../helpers/cli';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { codeBlock, withLocalCommands } from '../helpers/docs';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { canConnect, freePort } from '../helpers/net';
import { tempDirs } from '../helpers/temp';

const RECIPE = codeBlock('README.md', 'args=$(npx postgraphile-cognito args');
// The form the README showed before: it cannot see args' exit code.
const OLD_EVAL = `${RECIPE.split('\n').filter((line) => line.startsWith('export ')).join('\n')}
eval "npx postgraphile $(npx postgraphile-cognito args -- -c "$DATABASE_URL")"
`;
// The README's example configuration; the recipe's own export line sets it.
const POOL = 'eu-west-1_AbCdEf123';
const CLIENT = '1example23456789';

interface Script {
  output(): string;
  /** Resolves when PostGraphile says it listens, or when the shell has exited: whichever comes first. */
  settled: Promise<'listening' | { code: number | null }>;
  kill(): void;
}

describe('args in a shell script fails closed', () => {
  const temp = tempDirs('pgc-fail-closed-');
  let db: TestDatabase;
  let jwks: JwksFixture;
  let cwd: string;
  let port: number;
  const running: Script[] = [];

  /** Runs `script` with sh in `cwd`, whose rc file gives PostGraphile its port (the recipe passes none). */
  function runScript(script: string, endpoint: string): Script {
    const child = spawn('/bin/sh', ['-c', withLocalCommands(script)], {
      cwd,
      env: cleanEnv({ DATABASE_URL: db.url, AWS_ENDPOINT_URL: endpoint, POSTGRAPHILE_COGNITO_CACHE_DIR: emptyCacheDir() }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    const settled = new Promise<'listening' | { code: number | null }>((resolve) => {
      const read = (chunk: Buffer) => {
        out += chunk;
        if (/listening on port/.test(out)) resolve('listening');
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.on('exit', (code) => resolve({ code }));
    });
    const handle: Script = {
      output: () => out,
      settled,
      kill: () => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      },
    };
    running.push(handle);
    return handle;
  }

  before(async () => {
    db = await createTestDatabase('failclosed');
    jwks = await JwksFixture.start(['key-a']);
    cwd = temp.make();
    port = await freePort();
    fs.writeFileSync(path.join(cwd, '.postgraphilerc.js'), `module.exports = { options: { port: ${port}, host: '127.0.0.1' } };\n`);
  });

  after(async () => {
    for (const script of running) script.kill();
    await jwks?.close();
    await db?.drop();
    temp.removeAll();
  });

  test('the README recipe starts PostGraphile with token checks when args works', async () => {
    const script = runScript(RECIPE, jwks.endpoint);
    try {
      assert.equal(await script.settled, 'listening', script.output());
      const ask = (token: string) =>
        fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ whoami }' }),
        });
      const token = jwks.sign('key-a', accessClaims('recipe-user', { client_id: CLIENT }), { issuer: jwks.issuer(POOL) });
      const ok = await ask(token);
      assert.equal(ok.status, 200);
      assert.equal(JSON.parse((await ok.json() as { data: { whoami: string } }).data.whoami).sub, 'recipe-user');
      const forged = await ask(`${token.slice(0, -4)}AAAA`);
      assert.equal(forged.status, 403, 'a token with a broken signature is refused');
    } finally {
      script.kill();
    }
  });

  const cases = [
    { name: "the README recipe (|| exit) stops with args' exit code", script: RECIPE, code: 3, postgraphileRan: false },
    { name: 'the old eval form reaches PostGraphile, which refuses what args printed', script: OLD_EVAL, code: 1, postgraphileRan: true },
  ];
  for (const { name, script: text, code, postgraphileRan } of cases) {
    test(`JWKS unreachable: ${name}, and no server starts`, async () => {
      const dead = `http://127.0.0.1:${await freePort()}`;
      const script = runScript(text, dead);
      try {
        const result = await script.settled;
        assert.notEqual(result, 'listening', `PostGraphile started without token checks:\n${script.output()}`);
        assert.deepEqual(result, { code }, script.output());
        assert.match(script.output(), /postgraphile-cognito: error: could not get the JWKS from http:\/\/127\.0\.0\.1:\d+\/eu-west-1_AbCdEf123\/\.well-known\/jwks\.json/);
        const refused = /error: unknown option `--postgraphile-cognito-args-failed'/;
        if (postgraphileRan) assert.match(script.output(), refused);
        else assert.doesNotMatch(script.output(), refused);
        assert.equal(await canConnect(port), false, 'something listens on the port');
      } finally {
        script.kill();
      }
    });
  }
});
