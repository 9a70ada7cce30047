/** --help of every command and --version, end to end. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { cleanEnv, ROOT, runCli } from '../helpers/cli';
import { show } from '../helpers/cli-assert';
import { JwksFixture } from '../helpers/jwks-server';

const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('help and version', () => {
  const cases: { args: string[]; mentions: RegExp[] }[] = [
    { args: ['--help'], mentions: [/Usage: postgraphile-cognito/, /\brun\b/, /\bargs\b/, /\bkeys\b/, /\bpem\b/, /\bverify\b/, /\bdemo\b/, /postgraphile-cognito demo/, /Exit codes/, /4 token refused/] },
    { args: ['run', '--help'], mentions: [/Usage: postgraphile-cognito run/, /--user-pool-id/, /--client-id/, /--token-use/, /--cache-dir/, /--offline/, /--quiet/] },
    { args: ['args', '--help'], mentions: [/Usage: postgraphile-cognito args/, /--json/, /--user-pool-id/] },
    { args: ['keys', '--help'], mentions: [/Usage: postgraphile-cognito keys/, /--json/, /--endpoint/] },
    { args: ['demo', '--help'], mentions: [/Usage: postgraphile-cognito demo/, /--port/, /--database-url/, /DATABASE_URL/, /exit 130/] },
    { args: ['pem', '--help'], mentions: [/Usage: postgraphile-cognito pem/, /--kid/, /--for-token/, /--all/, /--out/] },
    { args: ['verify', '--help'], mentions: [/Usage: postgraphile-cognito verify/, /--json/, /unknown_kid/, /0 valid, 4 refused/, /--database/] },
    { args: ['login', '--help'], mentions: [/Usage: postgraphile-cognito login/, /--password-stdin/, /USER_SRP_AUTH/, /5 sign-in refused/, /--refresh/] },
    { args: ['doctor', '--help'], mentions: [/--token/, /--sql/, /rolled back/, /4 the token is refused/] },
    { args: ['init', '--help'], mentions: [/--sql/, /schema\.sql/, /NOINHERIT/] },
  ];

  for (const { args, mentions } of cases) {
    test(`${args.join(' ')} exits 0 and shows examples`, async () => {
      const r = await runCli(args, { env: cleanEnv() });
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /Examples:\n\s+\$ /, show(r));
      for (const mention of mentions) assert.match(r.stdout, mention, show(r));
      assert.equal(r.stderr, '');
    });
  }

  test('after --, --help is for PostGraphile, also when run is not named', async () => {
    const fixture = await JwksFixture.start(['k1']);
    try {
      for (const prefix of [[], ['run']]) {
        const r = await runCli([...prefix, '--user-pool-id', 'local_abc123', '--endpoint', fixture.endpoint, '--client-id', '*', '--allowed-roles', '*', '--', '--help'], { env: cleanEnv() });
        assert.equal(r.code, 0, show(r));
        // PostGraphile's own help, not ours.
        assert.match(r.stdout, /--jwt-secret <string>/, show(r));
        assert.doesNotMatch(r.stdout, /Usage: postgraphile-cognito/);
      }
    } finally {
      await fixture.close();
    }
  });

  test("--version prints package.json's version", async () => {
    const r = await runCli(['--version'], { env: cleanEnv() });
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout.trim(), version);
  });
});
