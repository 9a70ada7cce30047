/**
 * Configuration end to end: flags > environment > rc file, and every
 * validation error exits 2 with one clear line and no stack trace.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { cleanEnv, ROOT, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, parseJsonArray, show, valueAfter } from '../helpers/cli-assert';
import { ARGS_FAILED_LINE, assertArgsFailed } from '../helpers/args-failure';
import { JwksFixture } from '../helpers/jwks-server';
import { freePort } from '../helpers/net';

describe('configuration precedence and validation', () => {
  let fixture: JwksFixture;
  let deadPort: number;
  let empty: string;
  let rcDir: string;
  const dirs: string[] = [];

  /** Any accidental fetch from the real AWS endpoint goes to a dead loopback proxy instead. */
  /** Allowed roles come from the environment here; each test that needs it names its app client. */
  const env = (extra: NodeJS.ProcessEnv = {}) => cleanEnv({ HTTPS_PROXY: `http://127.0.0.1:${deadPort}`, COGNITO_ALLOWED_ROLES: '*', ...extra });
  const dead = () => `http://127.0.0.1:${deadPort}`;
  /** The pool's issuer as the list spells it out for the plugin: endpoint and pool id. */
  const issuerOf = (r: Awaited<ReturnType<typeof runCli>>) => {
    const list = parseJsonArray(r);
    return `${valueAfter(list, '--cognito-endpoint')}/${valueAfter(list, '--cognito-user-pool-id')}`;
  };

  function dirWithRc(name: string, content: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-config-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, name), content);
    return dir;
  }

  before(async () => {
    fixture = await JwksFixture.start(['key-a']);
    deadPort = await freePort();
    empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-config-empty-'));
    dirs.push(empty);
    rcDir = dirWithRc(
      '.postgraphilerc.js',
      `module.exports = { options: {}, cognito: { userPoolId: 'local_fromrc', endpoint: ${JSON.stringify(fixture.endpoint)}, tokenUse: 'id', clientId: ['rcclient'] } };\n`,
    );
  });

  after(async () => {
    await fixture?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('precedence', () => {
    test('the rc file alone sets pool, endpoint, token use and client id', async () => {
      const r = await runCli(['args', '--json'], { env: env(), cwd: rcDir });
      assertOk(r);
      const list = parseJsonArray(r);
      assert.equal(issuerOf(r), `${fixture.endpoint}/local_fromrc`);
      assert.equal(valueAfter(list, '--cognito-token-use'), 'id');
      assert.equal(valueAfter(list, '--cognito-client-id'), 'rcclient');
    });

    test('the environment beats the rc file', async () => {
      const r = await runCli(['args', '--json'], {
        env: env({ COGNITO_USER_POOL_ID: 'local_fromenv', COGNITO_CLIENT_ID: 'envclient' }),
        cwd: rcDir,
      });
      assertOk(r);
      const list = parseJsonArray(r);
      assert.equal(issuerOf(r), `${fixture.endpoint}/local_fromenv`);
      assert.equal(valueAfter(list, '--cognito-client-id'), 'envclient');
    });

    test('a flag beats the environment and the rc file', async () => {
      const r = await runCli(['args', '--json', '--user-pool-id', 'local_fromflag', '--token-use', 'access'], {
        env: env({ COGNITO_USER_POOL_ID: 'local_fromenv', COGNITO_TOKEN_USE: 'id', COGNITO_CLIENT_ID: 'envclient' }),
        cwd: rcDir,
      });
      assertOk(r);
      const list = parseJsonArray(r);
      assert.equal(issuerOf(r), `${fixture.endpoint}/local_fromflag`);
      assert.equal(valueAfter(list, '--cognito-token-use'), 'access');
      assert.equal(valueAfter(list, '--cognito-client-id'), 'envclient');
    });

    test('--endpoint beats AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER', async () => {
      const r = await runCli(['args', '--json', '--user-pool-id', 'local_abc123', '--endpoint', fixture.endpoint, '--client-id', '*'], {
        env: env({ AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: dead() }),
        cwd: empty,
      });
      assertOk(r);
      assert.equal(issuerOf(r), `${fixture.endpoint}/local_abc123`);
    });

    test('AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER beats AWS_ENDPOINT_URL', async () => {
      const r = await runCli(['args', '--json', '--user-pool-id', 'local_abc123', '--client-id', '*'], {
        env: env({ AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: fixture.endpoint, AWS_ENDPOINT_URL: dead() }),
        cwd: empty,
      });
      assertOk(r);
      assert.equal(issuerOf(r), `${fixture.endpoint}/local_abc123`);
    });

    test('AWS_ENDPOINT_URL alone is used', async () => {
      const r = await runCli(['args', '--json', '--user-pool-id', 'local_abc123', '--client-id', '*'], {
        env: env({ AWS_ENDPOINT_URL: fixture.endpoint }),
        cwd: empty,
      });
      assertOk(r);
      assert.equal(issuerOf(r), `${fixture.endpoint}/local_abc123`);
    });

    test('the environment endpoint beats the rc file endpoint', async () => {
      const r = await runCli(['keys', '--json'], { env: env({ AWS_ENDPOINT_URL: dead() }), cwd: rcDir });
      assert.equal(r.code, 3, show(r));
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${deadPort}/local_fromrc/`));
    });

    test('COGNITO_REGION different from the pool id prefix is an error naming COGNITO_REGION', async () => {
      const before = fixture.requests;
      const r = await runCli(['keys', '--user-pool-id', 'eu-west-1_AbC123', '--endpoint', fixture.endpoint], {
        env: env({ COGNITO_REGION: 'us-east-1' }),
        cwd: empty,
      });
      assertCleanError(r, 2, /COGNITO_REGION/, /eu-west-1/, /us-east-1/);
      assert.equal(fixture.requests, before, 'a configuration error must not fetch the JWKS');
    });

    test('--region matching the pool beats a mismatching COGNITO_REGION', async () => {
      const r = await runCli(['keys', '--json', '--user-pool-id', 'eu-west-1_AbC123', '--endpoint', fixture.endpoint, '--region', 'eu-west-1'], {
        env: env({ COGNITO_REGION: 'us-east-1' }),
        cwd: empty,
      });
      assertOk(r);
      assert.deepEqual(JSON.parse(r.stdout).map((k: { kid: string }) => k.kid), ['key-a']);
    });

    test('a mismatching --region is an error even when COGNITO_REGION matches', async () => {
      const r = await runCli(['keys', '--user-pool-id', 'eu-west-1_AbC123', '--endpoint', fixture.endpoint, '--region', 'us-east-1'], {
        env: env({ COGNITO_REGION: 'eu-west-1' }),
        cwd: empty,
      });
      assertCleanError(r, 2, /--region/, /us-east-1/);
    });

    test('a mismatching AWS_REGION only warns (it is often set for other services)', async () => {
      const r = await runCli(['args', '--json', '--user-pool-id', 'eu-west-1_AbC123', '--endpoint', fixture.endpoint, '--client-id', '*'], {
        env: env({ AWS_REGION: 'us-east-1' }),
        cwd: empty,
      });
      assertOk(r);
      assert.match(r.stderr, /warning: AWS_REGION is us-east-1 but user pool eu-west-1_AbC123 is in eu-west-1/);
    });

    test('COGNITO_REGION beats AWS_REGION', async () => {
      const r = await runCli(['args', '--json', '--user-pool-id', 'eu-west-1_AbC123', '--endpoint', fixture.endpoint, '--client-id', '*'], {
        env: env({ COGNITO_REGION: 'eu-west-1', AWS_REGION: 'us-east-1' }),
        cwd: empty,
      });
      assertOk(r);
      assert.doesNotMatch(r.stderr, /AWS_REGION/);
    });
  });

  describe('validation errors exit 2 with one clear line', () => {
    const noFetch = async (args: string[], extraEnv: NodeJS.ProcessEnv = {}, cwd?: string) => {
      const before = fixture.requests;
      const r = await runCli(args, { env: env(extraEnv), cwd: cwd ?? empty });
      assert.equal(fixture.requests, before, `a configuration error must not fetch the JWKS\n${show(r)}`);
      return r;
    };

    test('missing pool id', async () => {
      const r = await noFetch(['keys']);
      assertCleanError(r, 2, /no user pool id/, /--user-pool-id/, /COGNITO_USER_POOL_ID/);
    });

    test('malformed pool id (AWS endpoint)', async () => {
      const r = await noFetch(['keys', '--user-pool-id', 'eu-west-1-AbC123']);
      assertCleanError(r, 2, /"eu-west-1-AbC123"/, /malformed/, /eu-west-1_/);
    });

    test('a pool id without a region with the AWS endpoint', async () => {
      const r = await noFetch(['keys', '--user-pool-id', 'local_abc123']);
      assertCleanError(r, 2, /local_abc123/, /malformed/);
    });

    test('malformed pool id (custom endpoint), from the environment', async () => {
      const r = await noFetch(['keys', '--endpoint', fixture.endpoint], { COGNITO_USER_POOL_ID: 'local abc' });
      assertCleanError(r, 2, /"local abc"/, /COGNITO_USER_POOL_ID/);
    });

    test('--region differing from the pool id prefix', async () => {
      const r = await noFetch(['keys', '--user-pool-id', 'eu-west-1_AbC123', '--region', 'us-east-1']);
      assertCleanError(r, 2, /eu-west-1/, /us-east-1/, /--region/);
    });

    test('--token-use bogus', async () => {
      const r = await noFetch(['args', '--user-pool-id', 'local_abc123', '--endpoint', fixture.endpoint, '--token-use', 'bogus']);
      assertArgsFailed(r, 2, /bogus/, /access/, /\bid\b/, /any/);
    });

    test('COGNITO_TOKEN_USE=bogus', async () => {
      const r = await noFetch(['args', '--user-pool-id', 'local_abc123', '--endpoint', fixture.endpoint], { COGNITO_TOKEN_USE: 'bogus' });
      assertArgsFailed(r, 2, /bogus/, /COGNITO_TOKEN_USE/, /access/);
    });

    test('--endpoint ftp://x', async () => {
      const r = await noFetch(['keys', '--user-pool-id', 'local_abc123', '--endpoint', 'ftp://x']);
      assertCleanError(r, 2, /ftp:\/\/x/, /http or https/);
    });

    test('--endpoint that is not a URL', async () => {
      const r = await noFetch(['keys', '--user-pool-id', 'local_abc123', '--endpoint', 'not a url']);
      assertCleanError(r, 2, /not a URL/);
    });

    test('--endpoint http://example.com (plain http off loopback)', async () => {
      const r = await noFetch(['keys', '--user-pool-id', 'local_abc123', '--endpoint', 'http://example.com']);
      assertCleanError(r, 2, /example\.com/, /plain http/, /https/);
    });

    test('plain http off loopback from AWS_ENDPOINT_URL names the variable', async () => {
      const r = await noFetch(['keys', '--user-pool-id', 'local_abc123'], { AWS_ENDPOINT_URL: 'http://10.0.0.1:9229' });
      assertCleanError(r, 2, /AWS_ENDPOINT_URL/, /plain http/);
    });

    test('an rc file with a syntax error', async () => {
      const dir = dirWithRc('.postgraphilerc.js', 'module.exports = {\n  cognito: { userPoolId: "local_abc" ,, },\n};\n');
      const r = await noFetch(['keys'], {}, dir);
      assertCleanError(r, 2, /could not read the rc file \S*\.postgraphilerc\.js:2: syntax error: Unexpected token ','/, /fix line 2 of that file/);
    });

    test('a broken .json rc file on a colour terminal: its line, no colour codes and none of its text', async () => {
      // The JSON parser's code frame is coloured on a terminal and wherever CI or FORCE_COLOR is set.
      const dir = dirWithRc('.postgraphilerc.json', '{\n  "options": { "connection": "postgres://app:s3cret@db/app" },\n  "cognito": { "userPoolId": "local_abc", },\n}\n');
      const r = await noFetch(['keys'], { FORCE_COLOR: '1', CI: 'true' }, dir);
      assertCleanError(r, 2, /could not read the rc file \S*\.postgraphilerc\.json:3: syntax error: \S/, /fix line 3 of that file/);
      assert.doesNotMatch(r.stderr, /\u001b|s3cret|userPoolId|\|/, show(r));
    });

    test('an rc cognito section with an unknown key', async () => {
      const dir = dirWithRc('.postgraphilerc.js', `module.exports = { cognito: { userPoolID: 'local_abc123', endpoint: ${JSON.stringify(fixture.endpoint)} } };\n`);
      const r = await noFetch(['keys'], {}, dir);
      assertCleanError(r, 2, /unknown key cognito\.userPoolID/, /did you mean cognito\.userPoolId/);
    });

    test('an rc value mismatching the pool names the rc file', async () => {
      const dir = dirWithRc('.postgraphilerc.json', JSON.stringify({ cognito: { userPoolId: 'eu-west-1_AbC123', region: 'us-east-1' } }));
      const r = await noFetch(['keys'], {}, dir);
      assertCleanError(r, 2, /cognito\.region in \.postgraphilerc\.json/);
    });

    test('an unknown option before -- exits 2 with a hint to put it after --', async () => {
      const r = await noFetch(['args', '--user-pool-id', 'local_abc123', '--endpoint', fixture.endpoint, '-c', 'foo']);
      assert.equal(r.code, 2, show(r));
      assert.equal(r.stdout, ARGS_FAILED_LINE);
      assert.match(r.stderr, /^postgraphile-cognito: error: unknown option '-c'/);
      assert.match(r.stderr, /after --/);
      assert.doesNotMatch(r.stderr, /^\s*at\s/m);
    });

    test('an argument that is not text (pm2 turns unset variables into null) is a usage error', async () => {
      const script = `process.argv = [process.argv[0], 'pgc', 'args', '--', '-c', null]; require(${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'main.js'))}).main(process.argv);`;
      const r = spawnSync(process.execPath, ['-e', script], { env: cleanEnv(), encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, ARGS_FAILED_LINE);
      assert.match(r.stderr, /^postgraphile-cognito: error: argument 4 is null, not text/);
      assert.match(r.stderr, /export it first/);
    });

    test('a mistyped command is refused, not handed to PostGraphile', async () => {
      const r = await noFetch(['keyz', '--user-pool-id', 'local_abc123', '--endpoint', fixture.endpoint]);
      assertCleanError(r, 2, /unknown command or argument "keyz"/, /the commands are run, args, keys, pem\b/, /\binit\b/, /\bdemo\b/);
      const afterDash = await noFetch(['args', 'stray', '--user-pool-id', 'local_abc123', '--endpoint', fixture.endpoint, '--', '-c', 'x']);
      assertArgsFailed(afterDash, 2, /"stray"/);
    });

    test('an unknown command-line option of the default command also hints at --', async () => {
      const r = await noFetch(['--user-pool-id', 'local_abc123', '--watch']);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, /--watch/);
      assert.match(r.stderr, /after --/);
    });
  });
});
