import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { timingPreloaded, withTimingPreload } from './timing';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'postgraphile-cognito.js');

let cacheHome: string | null = null;

/**
 * A JWKS cache folder for this test file alone, so no test reads a copy
 * another file cached, nor the user's own ~/.cache.
 */
export function testCacheHome(): string {
  if (!cacheHome) {
    cacheHome = fs.mkdtempSync(path.join(process.env.TEST_TMP ?? os.tmpdir(), 'cache-'));
    const dir = cacheHome;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return cacheHome;
}

/** A new, empty JWKS cache folder: for a test that must see a fetch fail, with no copy to fall back on. */
export function emptyCacheDir(): string {
  return fs.mkdtempSync(path.join(testCacheHome(), 'empty-'));
}

/** The environment minus anything that would leak configuration into a test (and with the tests' timing preload). */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(COGNITO_|AWS_|POSTGRAPHILE_COGNITO_|OIDC_|XDG_CACHE_HOME$|JWT_SECRET$|DATABASE_URL$|HTTPS?_PROXY$|https?_proxy$|NO_PROXY$|no_proxy$|ALL_PROXY$|all_proxy$|NODE_OPTIONS$)/.test(key)) continue;
    env[key] = value;
  }
  const clean = { ...env, XDG_CACHE_HOME: testCacheHome(), ...extra };
  // The tests' shorter waits reach the processes they start.
  return timingPreloaded() ? withTimingPreload(clean) : clean;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI to completion, as a user's shell would. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? cleanEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      const state = processState(child.pid);
      child.kill('SIGKILL');
      reject(new Error(`CLI did not finish within ${options.timeoutMs ?? 60_000} ms: ${args.join(' ')}\n(${state})\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * What a process that did not finish was doing (Linux /proc), for the failure
 * message: its command line (a child still stuck between fork and exec shows
 * its parent's), state and threads, where it waits, and its kernel stack when
 * this user may read it.
 */
export function processState(pid: number | undefined): string {
  if (pid === undefined) return 'it never started';
  const read = (file: string) => {
    try {
      return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return null;
    }
  };
  const status = read('status');
  if (status === null) return `pid ${pid}: no /proc entry`;
  const fields = status.split('\n').filter((line) => /^(State|Threads):/.test(line)).join(', ');
  const command = (read('cmdline') ?? '').split('\0').filter(Boolean).map((word) => word.slice(0, 80)).join(' ');
  const stack = read('stack')?.trim().split('\n').slice(0, 8).join('; ');
  return `pid ${pid} (${command}): ${fields}, waiting in ${read('wchan') || 'nothing'}${stack ? `; kernel stack: ${stack}` : ''}${nativeStacks(pid)}`;
}

/** Each thread's native stack, from gdb where it is installed and may attach (root, or ptrace allowed); else nothing. */
function nativeStacks(pid: number): string {
  try {
    const out = execFileSync('gdb', ['-p', String(pid), '-batch', '-nx', '-ex', 'thread apply all bt 6'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const frames = out.split('\n').filter((line) => /^(Thread |#\d)/.test(line));
    return frames.length ? `\nnative stacks:\n${frames.join('\n')}` : '';
  } catch {
    return '';
  }
}
