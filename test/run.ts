/**
 * `npm test`: starts what the tests need, runs every test file with Node's
 * test runner, and stops everything again.
 * - PostgreSQL: DATABASE_URL when set, else a fresh embedded PostgreSQL.
 * - cognito-local, the Cognito emulator, on a free loopback port.
 */
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, waitForPort } from './helpers/net';
import { startPostgres } from './helpers/postgres';

const root = path.resolve(__dirname, '..');
const cleanups: (() => Promise<void> | void)[] = [];

async function startCognitoLocal(tmp: string): Promise<string> {
  const port = await freePort();
  const dir = path.join(tmp, 'cognito-local');
  fs.mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [require.resolve('cognito-local/lib/bin/start.js')], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DEBUG: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cleanups.push(() => {
    child.kill('SIGTERM');
  });
  await waitForPort(port, 30_000);
  console.log(`# started cognito-local on 127.0.0.1:${port}`);
  return `http://127.0.0.1:${port}`;
}

async function main(): Promise<number> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-test-'));
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const [databaseUrl, cognitoUrl] = await Promise.all([startPostgres((stop) => cleanups.push(stop)), startCognitoLocal(tmp)]);
  const only = process.argv.slice(2);
  const files = only.length
    ? only
    : ['unit', 'e2e'].flatMap((dir) =>
        fs
          .readdirSync(path.join(__dirname, dir))
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => path.join('test', dir, f)),
      );
  const child = spawn(
    process.execPath,
    // A hung test fails after 3 minutes instead of hanging the run.
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', '--test-reporter=spec', ...files],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TEST_DATABASE_URL: databaseUrl, TEST_COGNITO_LOCAL_URL: cognitoUrl, TEST_TMP: tmp },
    },
  );
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

main()
  .catch((error) => {
    console.error('test setup failed:', error);
    return 1;
  })
  .then(async (code) => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error('cleanup failed:', error);
      }
    }
    process.exit(code);
  });
