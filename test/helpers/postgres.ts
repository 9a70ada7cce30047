import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres } from '../../src/demo/postgres';
import { freePort } from './net';

/**
 * PostgreSQL for tests and the bench: DATABASE_URL when set, else a fresh
 * embedded PostgreSQL (the demo's own) in a temporary folder of its own.
 * `onCleanup` receives the stop function before the server starts, so a
 * half-started one is stopped too, and its folder is deleted after it.
 */
export async function startPostgres(onCleanup: (stop: () => Promise<void>) => void, port?: number): Promise<string> {
  if (process.env.DATABASE_URL) {
    console.log('# using DATABASE_URL for PostgreSQL');
    return process.env.DATABASE_URL;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-postgres-'));
  let cancelled = false;
  let stopServer: () => Promise<void> = async () => {};
  onCleanup(async () => {
    cancelled = true;
    await stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const chosen = port ?? (await freePort());
  if (cancelled) throw new Error('stopped before PostgreSQL started');
  const server = await startEmbeddedPostgres({ dir, port: chosen, password: 'postgres', onStop: (stop) => (stopServer = stop) });
  console.log(`# started embedded PostgreSQL on 127.0.0.1:${chosen}`);
  return server.url;
}
