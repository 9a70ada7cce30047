import { ChildProcess, spawn } from 'node:child_process';
import { BIN, cleanEnv, processState, ROOT } from './cli';
import { canConnect, freePort } from './net';

export interface GraphQLResponse {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string }[] };
  text: string;
}

export interface RunningServer {
  port: number;
  child: ChildProcess;
  output(): string;
  /**
   * The output once it matches `pattern`: the keys load alongside PostGraphile's start,
   * so the start-up line may follow "listening". Fails if the server exits or 30 s pass first.
   */
  said(pattern: RegExp): Promise<string>;
  graphql(query: string, token?: string, headers?: Record<string, string>): Promise<GraphQLResponse>;
  /** Sends `signal` and resolves with the exit code and signal once the process has ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** Our CLI arguments before `--`. */
  cliArgs?: string[];
  /** PostGraphile arguments after `--` (port and host are added). */
  postgraphileArgs?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run a different entry point than our CLI: [script, ...args] (e.g. postgraphile's own CLI). */
  command?: string[];
  timeoutMs?: number;
  /** The Node.js binary (default: this one); the v5 tests give Node 22. */
  node?: string;
  /** The port a configuration file makes it listen on: then no --port or --host is added. */
  port?: number;
}

/** Starts a real PostGraphile (through our CLI by default) and waits until it listens. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const pgArgs = [...(options.postgraphileArgs ?? []), ...(options.port === undefined ? ['--port', String(port), '--host', '127.0.0.1'] : [])];
  const argv = options.command
    ? [...options.command, ...pgArgs]
    : [BIN, ...(options.cliArgs ?? []), '--', ...pgArgs];
  const child = spawn(options.node ?? process.execPath, argv, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let done = false;
  void exited.then(() => (done = true));
  while (!/listening on port/.test(out)) {
    if (done) throw new Error(`server exited before listening:\n${out}`);
    if (Date.now() > deadline) {
      const state = processState(child.pid);
      child.kill('SIGKILL');
      throw new Error(`server did not listen in time (${state}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    child,
    exited,
    output: () => out,
    async said(pattern) {
      const until = Date.now() + 30_000;
      while (!pattern.test(out)) {
        if (done) throw new Error(`the server exited without saying ${pattern}:\n${out}`);
        if (Date.now() > until) throw new Error(`the server did not say ${pattern} within 30 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    },
    async graphql(query, token, headers = {}) {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query }),
      });
      const text = await response.text();
      let body: GraphQLResponse['body'] = {};
      try {
        body = JSON.parse(text);
      } catch {
        /* non-JSON answers (e.g. 431) keep an empty body */
      }
      return { status: response.status, body, text };
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!done) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

export { canConnect, ROOT };
