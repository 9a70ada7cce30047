/**
 * `npm test`'s own runner (test/run.ts): when a test service cannot start, the
 * others are stopped and the run ends at once with exit 1, leaving nothing
 * running (a cognito-local left behind kept the run's output open, so CI hung).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { cleanEnv, ROOT } from '../helpers/cli';
import { tempDirs } from '../helpers/temp';

const dirs = tempDirs('pgc-runner-');
after(() => dirs.removeAll());

/** Processes whose working directory is below `dir` (cognito-local runs in one there). */
function processesIn(dir: string): string[] {
  return fs.readdirSync('/proc').filter((pid) => {
    try {
      return /^\d+$/.test(pid) && fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
    } catch {
      return false;
    }
  });
}

test('a PostgreSQL that cannot start stops cognito-local and ends the run with exit 1 at once', async () => {
  // PostgreSQL refuses data folders with paths over 1023 bytes: initdb fails, whoever runs it.
  let tmp = dirs.make();
  while (tmp.length < 1100) {
    tmp = path.join(tmp, 'x'.repeat(200));
    fs.mkdirSync(tmp, { mode: 0o755 });
  }
  for (let dir = tmp; dir.length > 1; dir = path.dirname(dir)) if (dir.includes('pgc-runner-')) fs.chmodSync(dir, 0o755);
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/run.ts', 'test/unit/claims.test.ts'], {
    cwd: ROOT,
    env: { ...cleanEnv({ TMPDIR: tmp }), NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  // 'close': every process holding the run's output has ended, cognito-local included.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 1, output);
  assert.match(output, /# a test service did not start: .*initdb failed/, output);
  assert.doesNotMatch(output, /claims\.test\.ts \(/, 'test files ran');
  assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
  assert.deepEqual(processesIn(tmp), [], 'left running in the run\'s folder');
  // tsx keeps its compile cache in the temporary folder, on purpose.
  assert.deepEqual(fs.readdirSync(tmp).filter((name) => !name.startsWith('tsx-')), [], 'left in the temporary folder');
});
