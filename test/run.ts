/**
 * `npm test`: starts what the tests need, runs every test file with Node's
 * test runner (two at a time, each in a process group of its own, with a
 * time limit per file), prints how long each file took, and stops everything
 * again. A service that fails to start stops the others and ends the run at once.
 * - PostgreSQL: DATABASE_URL when set, else a fresh embedded PostgreSQL.
 * - cognito-local, the Cognito emulator, on a free loopback port.
 * Every test process loads test/helpers/timing-preload.cjs, which shortens
 * the product's key-cache windows and back-offs (src/timing.ts).
 */
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstBlocked, serverAccount } from '../src/demo/postgres-files';
import { freePort, waitForPort } from './helpers/net';
import { startPostgres } from './helpers/postgres';
import { prepareSharedProject } from './helpers/project';
import { withTimingPreload } from './helpers/timing';
import { v5PackageSpec } from './helpers/v5';
import { ensureV5Fixture } from './helpers/v5-fixture';

const root = path.resolve(__dirname, '..');
/** A file still running after this is killed and fails, instead of hanging the run. */
const FILE_LIMIT_MS = 180_000;
const CONCURRENCY = 2;

/** What has been started, stopped last first, exactly once; whatever registers while stopping is stopped at once. */
class Services {
  private readonly stops: { name: string; stop: () => Promise<void> | void }[] = [];
  private stopping: Promise<void> | null = null;

  add(name: string, stop: () => Promise<void> | void): void {
    this.stops.push({ name, stop });
    if (this.stopping) void this.stopAll();
  }

  stopAll(): Promise<void> {
    this.stopping = (this.stopping ?? Promise.resolve()).then(() => this.drain());
    return this.stopping;
  }

  private async drain(): Promise<void> {
    for (let next = this.stops.pop(); next; next = this.stops.pop()) {
      try {
        await next.stop();
      } catch (error) {
        console.error(`# could not stop ${next.name}:`, error);
      }
    }
  }
}

const services = new Services();
const runningFiles = new Set<ChildProcess>();

async function startCognitoLocal(tmp: string, port: number): Promise<string> {
  const dir = path.join(tmp, 'cognito-local');
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [require.resolve('cognito-local/lib/bin/start.js')], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DEBUG: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk;
    process.stderr.write(chunk);
  });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit ${code}`));
  });
  services.add('cognito-local', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  await Promise.race([
    waitForPort(port, 60_000),
    exited.then((how) => {
      throw new Error(`cognito-local ended while starting (${how}): ${output.trim()}`);
    }),
  ]);
  console.log(`# started cognito-local on 127.0.0.1:${port}`);
  return `http://127.0.0.1:${port}`;
}

interface FileResult {
  file: string;
  ms: number;
  /** CPU time of the file's processes (those it waited for), when the system says. */
  cpuMs: number | null;
  passed: boolean;
  note?: string;
}

/**
 * CPU time of this process's ended children so far (Linux: /proc, in 1/100 s).
 * A child's time, and that of the processes it waited for, is added when it
 * ends, so the growth at a file's exit is that file's: a measure of its cost
 * that does not depend on how busy the machine is.
 */
function endedChildrenCpuMs(): number | null {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}
let cpuSeen: number | null = null;

/** For npm installing the shared project: it yields to the files running meanwhile, and its CPU time is no file's. */
function notAFile(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) os.setPriority(child.pid, 10);
  } catch {
    /* not allowed here: it just competes as it is */
  }
  child.once('exit', () => {
    cpuSeen = endedChildrenCpuMs();
  });
}

/** One test file in a process group of its own; its output is printed in one piece when it ends. */
function runFile(file: string, env: NodeJS.ProcessEnv): Promise<FileResult> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${FILE_LIMIT_MS}`, file],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  runningFiles.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let note: string | undefined;
  const limit = setTimeout(() => {
    note = `killed after the ${FILE_LIMIT_MS / 1000} s limit`;
    signalGroup(child, 'SIGKILL');
  }, FILE_LIMIT_MS);
  let cpuMs: number | null = null;
  child.once('exit', () => {
    const now = endedChildrenCpuMs();
    cpuMs = now !== null && cpuSeen !== null ? now - cpuSeen : null;
    cpuSeen = now;
  });
  return new Promise((resolve) => {
    let finished = false;
    const finish = (passed: boolean, why?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(limit);
      runningFiles.delete(child);
      const ms = Date.now() - started;
      note ??= why;
      process.stdout.write(`# ${file} (${seconds(ms)}${cpuMs !== null ? `, cpu ${seconds(cpuMs)}` : ''})${note ? `: ${note}` : ''}\n${output}\n`);
      resolve({ file, ms, cpuMs, passed, ...(note ? { note } : {}) });
    };
    child.once('error', (error) => finish(false, error.message));
    child.once('close', (code, signal) => finish(code === 0, code === 0 ? undefined : signal ? `ended by ${signal}` : `exit ${code}`));
  });
}

/** Files two at a time, end-to-end files first: the short unit files fill the gaps at the end. */
async function runFiles(files: string[], env: NodeJS.ProcessEnv): Promise<FileResult[]> {
  const queue = [...files].sort((a, b) => Number(b.includes('/e2e/')) - Number(a.includes('/e2e/')));
  const results: FileResult[] = [];
  // initdb has ended by now: what ends from here on are the files.
  cpuSeen = endedChildrenCpuMs();
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) results.push(await runFile(file, env));
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

function summary(results: FileResult[], wallMs: number): string {
  const failed = results.filter((r) => !r.passed);
  const lines = [...results]
    .sort((a, b) => b.ms - a.ms)
    .map((r) => {
      const cpu = r.cpuMs !== null ? `cpu ${seconds(r.cpuMs)}` : '';
      return `#   ${seconds(r.ms).padStart(8)}  ${cpu.padStart(12)}  ${r.passed ? 'ok  ' : 'FAIL'}  ${r.file}${r.ms > FILE_LIMIT_MS / 3 ? '  (over a third of the limit)' : ''}`;
    });
  const cpuTotal = results.every((r) => r.cpuMs !== null) ? `, cpu ${seconds(results.reduce((sum, r) => sum + r.cpuMs!, 0))} in the files` : '';
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  return [
    `# files by duration (limit ${FILE_LIMIT_MS / 1000} s each; cpu: the file's own processes):`,
    ...lines,
    `# ${results.length} files, ${results.length - failed.length} passed, ${failed.length} failed, in ${seconds(wallMs)}${cpuTotal}, on ${os.cpus().length} cores (load average now ${load})`,
    ...failed.map((r) => `# FAILED: ${r.file}${r.note ? ` (${r.note})` : ''}`),
  ].join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    /* gone */
  }
}

function listFiles(): string[] {
  const only = process.argv.slice(2);
  if (only.length) return only;
  return ['unit', 'e2e'].flatMap((dir) =>
    fs
      .readdirSync(path.join(__dirname, dir))
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => path.join('test', dir, f)),
  );
}

/**
 * As root, every embedded PostgreSQL (the run's, and each demo's in the files)
 * runs as another account, which must enter the temporary folder. With a
 * TMPDIR only root may enter (pam_tmpdir's /tmp/user/0) all of them would
 * fail, so the run and its files use /tmp instead, and say so.
 */
function useReachableTmpdir(): void {
  try {
    const account = serverAccount();
    if (!account || firstBlocked(os.tmpdir(), account) === null || firstBlocked('/tmp', account) !== null) return;
    console.log(`# ${account.name}, who runs PostgreSQL, cannot enter TMPDIR ${os.tmpdir()}: the tests use /tmp`);
    process.env.TMPDIR = '/tmp';
  } catch {
    // No account to run PostgreSQL as, or no such TMPDIR: starting the services says so.
  }
}

/**
 * The files' environment. The embedded PostgreSQL's URL says everything, so
 * the developer's own PG* defaults (PGSSLMODE=require for a cloud database)
 * must not reach the files' clients; with DATABASE_URL they may complete it.
 */
function filesEnvironment(): NodeJS.ProcessEnv {
  if (process.env.DATABASE_URL) return { ...process.env };
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^PG[A-Z]+$/.test(key)));
}

async function main(): Promise<number> {
  const wallStart = Date.now();
  useReachableTmpdir();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-test-'));
  services.add('the temporary folder', () => fs.rmSync(tmp, { recursive: true, force: true }));
  const [postgresPort, cognitoPort] = [await freePort(), await freePort()];
  let databaseUrl: string;
  let cognitoUrl: string;
  try {
    [databaseUrl, cognitoUrl] = await Promise.all([
      startPostgres((stop) => services.add('PostgreSQL', stop), postgresPort),
      startCognitoLocal(tmp, cognitoPort),
      // The PostGraphile v5 project of the v5 tests, installed from its own lockfile when it changed.
      ensureV5Fixture().then((state) => console.log(`# PostGraphile v5 test project ${state}`)),
    ]);
  } catch (error) {
    console.error(`# a test service did not start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const env = withTimingPreload({ ...filesEnvironment(), TEST_DATABASE_URL: databaseUrl, TEST_COGNITO_LOCAL_URL: cognitoUrl, TEST_TMP: tmp });
  const files = listFiles();
  // The files that need an installed copy of the package share one per PostGraphile, installed while the first files run.
  const texts = files.map((file) => fs.readFileSync(path.join(root, file), 'utf8'));
  const shared = [
    ...(texts.some((text) => /installPackedProject\('[^']*'\)|installPackedProject\(\)/.test(text)) ? [undefined] : []),
    ...(texts.some((text) => text.includes('installPackedProject(') && text.includes('v5PackageSpec()')) ? [v5PackageSpec()] : []),
  ];
  process.env.TEST_TMP = tmp;
  for (const postgraphile of shared) {
    prepareSharedProject(notAFile, postgraphile).catch(() => {
      /* the files waiting for it report the failure */
    });
  }
  const results = await runFiles(files, env);
  console.log(summary(results, Date.now() - wallStart));
  return results.every((r) => r.passed) ? 0 : 1;
}

let exiting = false;
function exitAfterStopping(code: number): void {
  if (exiting) return;
  exiting = true;
  void services.stopAll().then(() => process.exit(code));
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.on(signal, () => {
    // The files run in groups of their own: pass the signal on, give them a moment, then stop the services.
    for (const child of runningFiles) signalGroup(child, signal);
    const files = [...runningFiles].map((child) => new Promise((resolve) => child.once('close', resolve)));
    const deadline = new Promise((resolve) => setTimeout(resolve, 15_000).unref());
    void Promise.race([Promise.all(files), deadline]).then(() => {
      for (const child of runningFiles) signalGroup(child, 'SIGKILL');
      exitAfterStopping(code);
    });
  });
}

main()
  .catch((error) => {
    console.error('# test setup failed:', error);
    return 1;
  })
  .then(exitAfterStopping);
