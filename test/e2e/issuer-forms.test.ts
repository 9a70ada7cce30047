/**
 * The two Cognito issuer forms of one pool on AWS host names (through a
 * loopback CONNECT proxy and a test CA): `verify`, `doctor` and `keys` on
 * each, and `run` when only one of the two hosts serves keys.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AwsCognitoStandIn, awsAccessToken, original, REGION, updated } from '../helpers/aws-cognito';
import { cleanEnv, emptyCacheDir, runCli } from '../helpers/cli';
import { show } from '../helpers/cli-assert';
import { createTestDatabase } from '../helpers/db';
import { startServer } from '../helpers/server';

describe('the two Cognito issuer forms, on AWS host names', () => {
  const POOL = 'eu-west-1_Forms1';
  let tmp: string;
  let aws: AwsCognitoStandIn | null = null;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-forms-'));
    aws = await AwsCognitoStandIn.start(tmp, REGION, ['forms-key']);
  });

  after(async () => {
    await aws?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const verify = (token: string, cacheDir = emptyCacheDir()) =>
    runCli(['verify', '--json', '--user-pool-id', POOL, '--client-id', 'c1', '--allowed-roles', '*', '--cache-dir', cacheDir, token], { env: cleanEnv(aws!.env()), cwd: tmp });

  test('a token of either form verifies, each with the keys of its own host; another pool is refused by name', async () => {
    assert.ok(aws, 'the AWS stand-in did not start');
    aws.modes.clear();
    const key = aws.keys[0]!;
    for (const [iss, host] of [[updated(POOL), aws.updatedHost], [original(POOL), aws.originalHost]] as const) {
      const before = aws.requestsTo(host);
      const r = await verify(awsAccessToken(key, iss, 'c1'));
      assert.equal(r.code, 0, show(r));
      const report = JSON.parse(r.stdout);
      assert.equal(report.issuer, iss);
      assert.equal(report.settings['jwt.issuer.id'], POOL);
      assert.ok(aws.requestsTo(host) > before, `no request to ${host}`);
    }
    const other = await verify(awsAccessToken(key, updated('eu-west-1_Other9'), 'c1'));
    assert.equal(other.code, 4, show(other));
    assert.match(JSON.parse(other.stdout).detail, new RegExp(`issuer "${updated('eu-west-1_Other9')}" is not trusted \\(expected ${original(POOL)}, ${updated(POOL)}\\)`));
  });

  test('doctor and keys say which form tokens use: UPDATED when its host serves keys, else ORIGINAL', async () => {
    assert.ok(aws, 'the AWS stand-in did not start');
    const doctor = async () => {
      const r = await runCli(['doctor', '--json', '--user-pool-id', POOL, '--client-id', 'c1', '--allowed-roles', '*', '--cache-dir', emptyCacheDir()], { env: cleanEnv(aws!.env()), cwd: tmp });
      return JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === `issuer form of ${POOL}`) as { status: string; detail: string };
    };
    aws.modes.clear();
    const switched = await doctor();
    assert.equal(switched.status, 'pass');
    assert.match(switched.detail, new RegExp(`^tokens use the UPDATED issuer ${updated(POOL)}; the ORIGINAL ${original(POOL)} is accepted too`));
    const keys = await runCli(['keys', '--user-pool-id', POOL, '--cache-dir', emptyCacheDir()], { env: cleanEnv(aws.env()), cwd: tmp });
    assert.match(keys.stdout, /^KID +ALG +KTY +USE +ISSUER$/m, show(keys));
    assert.match(keys.stdout, new RegExp(`^forms-key +RS256 +RSA +sig +${updated(POOL)}$`, 'm'));

    aws.modes.set(aws.updatedHost, 'forbidden');
    const notSwitched = await doctor();
    assert.equal(notSwitched.status, 'pass');
    assert.match(notSwitched.detail, new RegExp(`^tokens use the ORIGINAL issuer ${original(POOL)}; the UPDATED issuer's JWKS answered HTTP 403.*, so the pool is not switched to it`));
    const one = await runCli(['keys', '--user-pool-id', POOL, '--cache-dir', emptyCacheDir()], { env: cleanEnv(aws.env()), cwd: tmp });
    assert.match(one.stdout, /^KID +ALG +KTY +USE$/m, show(one));
    aws.modes.clear();
  });

  test('run: when the ORIGINAL host fails and the UPDATED one serves, it serves, says so once, and only ORIGINAL tokens get 503', async () => {
    assert.ok(aws, 'the AWS stand-in did not start');
    const db = await createTestDatabase('forms');
    aws.modes.set(aws.originalHost, 'forbidden');
    const server = await startServer({
      cwd: tmp,
      env: cleanEnv(aws.env()),
      cliArgs: ['run', '--user-pool-id', POOL, '--client-id', 'c1', '--allowed-roles', '*', '--cache-dir', emptyCacheDir()],
      postgraphileArgs: ['-c', db.url],
    });
    try {
      await server.said(/; PostGraphile/);
      const said = server.output().split('\n').filter((line) => line.includes(`https://${aws!.originalHost}/${POOL}/.well-known/jwks.json`) && /^.*error: /.test(line));
      assert.equal(said.length, 1, server.output());
      assert.match(said[0]!, /HTTP 403.*; tokens get 503 until a later request loads the keys/);
      const key = aws.keys[0]!;
      const viaUpdated = await server.graphql('{ __typename }', awsAccessToken(key, updated(POOL), 'c1'));
      assert.equal(viaUpdated.status, 200, viaUpdated.text);
      const viaOriginal = await server.graphql('{ __typename }', awsAccessToken(key, original(POOL), 'c1'));
      assert.equal(viaOriginal.status, 503, viaOriginal.text);
    } finally {
      aws.modes.clear();
      await server.stop();
      await db.drop();
    }
  });
});
