/** Starting `demo` as a user does, and reading what it prints. */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { BIN, cleanEnv, processState, ROOT } from './cli';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningDemo {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  readyMs: number;
  graphqlUrl: string;
  tokens: Record<string, string>;
  curls: string[];
  /** Ends the demo; `group` sends the signal to its whole process group, as a terminal does. */
  stop(signal: NodeJS.Signals, group?: boolean): Promise<Exit>;
}

/** Starts `demo` (of this checkout, or the CLI at `bin`; as `account` when given) in its own process group and waits for the printed guide. */
export async function startDemo(
  args: string[],
  { env = cleanEnv(), cwd = ROOT, bin = BIN, account }: { env?: NodeJS.ProcessEnv; cwd?: string; bin?: string; account?: { uid: number; gid: number } | null } = {},
): Promise<RunningDemo> {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, 'demo', ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  while (!/^Ctrl-C stops/m.test(out)) {
    if (done) throw new Error(`demo exited before it was ready:\n${out}\n${err}`);
    if (Date.now() - started > 90_000) {
      const state = processState(child.pid);
      kill();
      throw new Error(`demo not ready after 90 s (${state}):\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const readyMs = Date.now() - started;
  const graphqlUrl = /^ {2}GraphQL\s+(\S+)$/m.exec(out)?.[1];
  assert.ok(graphqlUrl, `no GraphQL URL printed:\n${out}`);
  const tokens = Object.fromEntries([...out.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const curls = out.split('\n').filter((line) => line.startsWith('curl '));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    readyMs,
    graphqlUrl,
    tokens,
    curls,
    async stop(signal, group = false) {
      if (!done) {
        if (group) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      const timer = setTimeout(kill, 30_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

export async function graphql(url: string, query: string, token?: string): Promise<{ status: number; body: { data?: Record<string, any>; errors?: { message: string }[] } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

