import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkArgv, underPm2 } from '../../src/cli/argv';
import { UsageError } from '../../src/errors';

/** What pm2 sets in the processes it starts (fork and cluster mode). */
const PM2_ENV = { pm_id: '0', pm_exec_path: '/app/node_modules/.bin/postgraphile-cognito', exec_mode: 'fork_mode' };

function refused(args: unknown[], env: NodeJS.ProcessEnv): UsageError {
  try {
    checkArgv(args, env);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail(`${JSON.stringify(args)} was accepted`);
}

describe('checkArgv: what pm2 makes of an unset variable in args', () => {
  test('cluster mode: a real null anywhere is refused, naming its position and the flag before it', () => {
    const error = refused(['run', '--', '-c', null, '--port', '5000'], {});
    assert.equal(error.message, 'argument 4 is null, not text (it follows -c)');
    assert.match(error.hint ?? '', /unset when pm2 starts becomes null; export it first/);
  });

  test('fork mode: the text "null" is refused under pm2, naming its position and the flag before it', () => {
    const error = refused(['run', '--', '-c', 'null', '--port', '5000'], PM2_ENV);
    assert.equal(error.message, 'argument 4 is the text "null" (it follows -c), what pm2\'s fork mode makes of an unset variable');
  });

  test('outside pm2 the text "null" is an ordinary argument (a schema may be called that)', () => {
    assert.deepEqual(checkArgv(['run', '--', '-s', 'null'], {}), ['run', '--', '-s', 'null']);
    assert.deepEqual(checkArgv(['run', '--', '-s', 'null'], { pm_id: '0' }), ['run', '--', '-s', 'null'], 'pm_id alone is not pm2');
  });

  test('under pm2, anything but exactly "null" passes, and so do empty arguments', () => {
    const args = ['run', '--', '-c', 'postgres:///nullable', '--default-role', 'Null', ''];
    assert.deepEqual(checkArgv(args, PM2_ENV), args);
  });

  test('pm2 is recognised by pm_id and pm_exec_path together', () => {
    assert.equal(underPm2(PM2_ENV), true);
    assert.equal(underPm2({ pm_id: '3' }), false);
    assert.equal(underPm2({}), false);
  });
});
