/**
 * One server launch, timed from spawn to the first right GraphQL answer, and
 * what /proc says about the process tree it started.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { cleanEnv, ROOT } from '../test/helpers/cli';
import { freePort, postGraphql as post } from '../test/helpers/net';

export interface Launched {
  port: number;
  child: ChildProcess;
  /** Spawn to the first right answer, in milliseconds. */
  startupMs: number;
  /** CPU time the process tree had used by then, in milliseconds: what contention for the CPU changes least. */
  startupCpuMs: number;
  /** Resident memory of the process tree at that moment, in MiB. */
  startupRssMiB: number;
  /** Spawn to the first right answer to a request without a token (PostGraphile up, keys or not), when asked for. */
  anonymousMs: number | null;
  output(): string;
  /** The first output line matching `pattern`, and when it arrived (ms since spawn). */
  lineAt(pattern: RegExp): { ms: number; text: string } | null;
  stop(): Promise<void>;
}

export interface Probe {
  payload: string;
  token: string;
  /** True when the answer is the right one (the server is up and verifies tokens). */
  isRight(status: number, body: string): boolean;
}

/** How a launch runs: the PostGraphile v5 sides need Node 22 and a working directory in the v5 project. */
export interface LaunchOptions {
  /** The Node.js binary (default: this one). */
  node?: string;
  /** Default: the repository. */
  cwd?: string;
  /** Default: cleanEnv(). */
  env?: NodeJS.ProcessEnv;
  /** Also polled until it answers right: a request without a token, to time PostGraphile's own start-up. */
  anonymous?: Omit<Probe, 'token'>;
}

const POLL_MS = 5;

/** Spawns `node <argv> --port P --host 127.0.0.1` and polls with `probe` until it answers right. */
export async function launch(argv: readonly string[], probe: Probe, timeoutMs: number, options: LaunchOptions = {}): Promise<Launched> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(options.node ?? process.execPath, [...argv, '--port', String(port), '--host', '127.0.0.1'], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Each chunk with its arrival: the servers write their lines to pipes, synchronously.
  const chunks: { ms: number; text: string }[] = [];
  const take = (d: Buffer) => {
    out += d;
    chunks.push({ ms: Number(process.hrtime.bigint() - started) / 1e6, text: String(d) });
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const lineAt = (pattern: RegExp) => {
    for (const { ms, text } of chunks) {
      const line = text.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return { ms, text: line };
    }
    return null;
  };
  // 'close': the process has exited and its output is all read.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  // Last resort if the bench dies without cleaning up: no server outlives it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (gone) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  const sinceSpawn = () => Number(process.hrtime.bigint() - started) / 1e6;
  let done = false;
  /** Spawn to the first right answer of `p`; null when the server exited, timed out or answered the other probe first. */
  const poll = async (p: Omit<Probe, 'token'> & { token?: string }): Promise<number | null> => {
    for (;;) {
      const answer = await post(port, p.payload, p.token).catch(() => null);
      if (answer && p.isRight(answer.status, answer.body)) return sinceSpawn();
      if (done || gone || Date.now() > deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  const anonymous = options.anonymous ? poll(options.anonymous) : Promise.resolve(null);
  const answered = await poll(probe);
  done = true;
  if (answered === null) {
    await stop();
    throw new Error(`${gone ? 'server exited before answering' : `no right answer within ${timeoutMs} ms`}: node ${argv.join(' ')}\n${out.slice(-3000)}`);
  }
  const startupMs = answered;
  const startupCpuMs = treeCpuUs(child.pid!) / 1000;
  const startupRssMiB = treeRssMiB(child.pid!);
  // A right answer with a token means PostGraphile was up too.
  const anonymousMs = options.anonymous ? Math.min((await anonymous) ?? startupMs, startupMs) : null;
  return { port, child, startupMs, startupCpuMs, startupRssMiB, anonymousMs, output: () => out, lineAt, stop };
}


/* --------------------------------------------------------------------- /proc */

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The fields after the command name in /proc/<pid>/stat (field 3, state, is index 0). */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (Number.isFinite(ppid)) parentOf.set(Number(entry), ppid);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Resident memory of the whole tree, in MiB. */
export function treeRssMiB(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone meanwhile */
    }
  }
  return kb / 1024;
}

/** CPU time (user + system) of the whole tree, in microseconds. */
export function treeCpuUs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const fields = statFields(p);
    // utime is field 14, stime 15.
    if (fields) ticks += Number(fields[14 - 3]) + Number(fields[15 - 3]);
  }
  return ticks * (1e6 / CLK_TCK);
}
