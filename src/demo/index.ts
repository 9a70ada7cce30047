import * as os from 'node:os';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { FLAG_NAMES, RawSettings, SettingKey } from '../config';
import { UsageError } from '../errors';
import { DEMO_USERS, LocalIssuer } from '../issuer';
import * as log from '../log';
import { launch, planServer, prepare } from '../launch';
import { checkDatabaseUrl, openDemoDatabase, seconds } from './database';
import { demoGuide } from './guide';
import { DEFAULT_DEMO_PORT, portIsFree } from './ports';

export { DEFAULT_DEMO_PORT };
import { DEMO_ROLES, DEMO_SCHEMA } from './schema';
import { expectServer, SERVER_HOOKS_PATH } from './server-hooks';
import { Teardown } from './teardown';

export { DEMO_ROLES, DEMO_SCHEMA } from './schema';

export const DEMO_POOL_ID = 'local_Demo1';
export const DEMO_CLIENT_ID = 'demoappclient1';
const HOST = '127.0.0.1';
const TOKEN_LIFETIME = 3600;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Stopping never takes longer than this; then what is left is killed. */
const STOP_DEADLINE_MS = 30_000;
/** PostGraphile's CLI creates its server within moments of being launched. */
const LAUNCH_WAIT_MS = 10_000;

export interface DemoOptions {
  /** null: 5000 when free, else any free port. 0: any free port. */
  port: number | null;
  /** null: an embedded PostgreSQL in a temporary folder. */
  databaseUrl: string | null;
  /** Where databaseUrl came from, to name it in errors. */
  databaseUrlFrom?: '--database-url' | 'DATABASE_URL';
}

/** The demo's Cognito settings: what a real deployment of the same schema would pass, but the endpoint. */
function demoSettings(endpoint: string | null): RawSettings {
  return {
    userPoolId: DEMO_POOL_ID,
    ...(endpoint ? { endpoint } : {}),
    clientId: DEMO_CLIENT_ID,
    // Custom attributes (custom:tenant_id) are in ID tokens only.
    tokenUse: 'any',
    allowedRoles: DEMO_ROLES.admin,
    authenticatedRole: DEMO_ROLES.user,
  };
}

/**
 * `demo`: a local Cognito-compatible issuer, PostgreSQL with a row-level
 * secured schema, and PostGraphile started through the same code as `run`,
 * with the issuer as the Cognito endpoint. Prints URLs, tokens and curl
 * commands once a query has succeeded; Ctrl-C stops everything and deletes
 * the temporary data, then exits 130 (143 on SIGTERM, 129 on SIGHUP).
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const started = Date.now();
  if (options.databaseUrl) checkDatabaseUrl(options.databaseUrl, options.databaseUrlFrom ?? '--database-url');
  const port = await choosePort(options.port);
  const teardown = new Teardown();
  const signalled = installSignalHandlers(teardown);
  try {
    const issuer = await LocalIssuer.start({ poolIds: [DEMO_POOL_ID], host: HOST });
    teardown.add('stop the local issuer', () => issuer.stop());
    log.info(`local Cognito issuer for pool ${DEMO_POOL_ID} at ${issuer.endpoint}`);
    const database = await openDemoDatabase(options.databaseUrl, teardown);
    const actualPort = await startPostGraphile(issuer.endpoint, database.connectionUrl, port, teardown);
    // Ctrl-C while the first query ran: it was let finish, but the demo is stopping.
    teardown.assertOpen();
    log.info(`demo ready in ${seconds(started)}`);
    process.stdout.write(guideText(issuer, actualPort, database.embedded));
  } catch (error) {
    await teardown.run();
    // A step that failed because Ctrl-C stopped it is no error: the signal handler exits.
    if (signalled()) await new Promise(() => {});
    throw error;
  }
}

/**
 * PostGraphile through `run`'s own stages (flags -> configuration -> the
 * issuer's JWKS -> PostGraphile with the plugin), serving schema demo.
 * Resolves with its port once it has answered a query.
 */
async function startPostGraphile(endpoint: string, connectionUrl: string, port: number, teardown: Teardown): Promise<number> {
  log.info('starting PostGraphile…');
  const started = Date.now();
  // The issuer's keys change every run: cache them in a folder of the demo's own, not the user's cache.
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postgraphile-cognito-demo-jwks-'));
  const removeCache = () => fs.rmSync(cacheDir, { recursive: true, force: true });
  teardown.add('delete the demo JWKS cache', async () => removeCache(), removeCache);
  const prepared = await prepare({ ...demoSettings(endpoint), cacheDir }, { env: {}, rc: null }, { server: true });
  if (teardown.closed) {
    // Ctrl-C while the keys were fetched: saving them made the cache folder again, and
    // PostgreSQL is stopping, so PostGraphile must not start.
    removeCache();
    teardown.assertOpen();
  }
  const created = expectServer();
  /** The demo's own query in flight, if any: stopping lets it finish instead of cutting it off (a logged stack trace). */
  let polling: Promise<unknown> = Promise.resolve();
  // Registered before the launch, so Ctrl-C while PostGraphile builds its schema ends it before PostgreSQL stops.
  teardown.add('stop PostGraphile', async () => {
    const made = await Promise.race([created, new Promise<null>((resolve) => setTimeout(resolve, LAUNCH_WAIT_MS, null).unref())]);
    if (!made) return;
    await polling;
    made.server.closeAllConnections();
    await new Promise<void>((resolve) => made.server.close(() => resolve()));
    // Waits for a schema build under way, then ends PostGraphile's pool.
    await made.release();
  });
  const postgraphileArgs = [
    '--plugins', SERVER_HOOKS_PATH,
    '-c', connectionUrl,
    '--schema', DEMO_SCHEMA,
    '--default-role', DEMO_ROLES.anonymous,
    '--host', HOST,
    '--port', String(port),
    '--enhance-graphiql',
    '--dynamic-json',
  ];
  const before = new Set(process.listeners('SIGINT'));
  // The demo's server hooks are a v4 plugin: in a project on v5 it runs the bundled v4.
  launch(prepared, postgraphileArgs, await planServer(postgraphileArgs, { v4Only: true }));
  // PostGraphile's CLI exits at once on SIGINT; the demo stops things in order instead.
  for (const listener of process.listeners('SIGINT')) if (!before.has(listener)) process.removeListener('SIGINT', listener);

  const { server, failed } = await created;
  if (!server.listening) {
    await Promise.race([
      new Promise((resolve) => server.once('listening', resolve)),
      failed.then((error) => {
        // Another program took the port between the check and PostGraphile's listen.
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new UsageError(`port ${port} on ${HOST} is already in use`, 'pass --port with a free port, or --port 0 for any free one');
        }
        throw error;
      }),
    ]);
  }
  const actualPort = (server.address() as { port: number }).port;
  await firstQuery(`http://${HOST}:${actualPort}/graphql`, teardown, (request) => (polling = request));
  log.info(`PostGraphile is serving (${seconds(started)})`);
  return actualPort;
}

/** The guide on stdout, with fresh tokens for every demo user. */
function guideText(issuer: LocalIssuer, port: number, embedded: boolean): string {
  const tokenOptions = { clientId: DEMO_CLIENT_ID, lifetime: TOKEN_LIFETIME };
  return demoGuide({
    graphqlUrl: `http://${HOST}:${port}/graphql`,
    graphiqlUrl: `http://${HOST}:${port}/graphiql`,
    poolId: DEMO_POOL_ID,
    users: DEMO_USERS.map((user) => ({
      user,
      accessToken: issuer.accessToken(DEMO_POOL_ID, user, tokenOptions),
      idToken: issuer.idToken(DEMO_POOL_ID, user, tokenOptions),
    })),
    expiresAt: new Date((Math.floor(Date.now() / 1000) + TOKEN_LIFETIME) * 1000),
    realPoolArgs: {
      cognito: settingsAsFlags({ ...demoSettings(null), userPoolId: 'eu-west-1_AbCdEf123', clientId: '1example23456789' }),
      postgraphile: ['-c', 'postgres:///app', '--schema', DEMO_SCHEMA, '--default-role', DEMO_ROLES.anonymous],
    },
    adminRole: DEMO_ROLES.admin,
    anonymousRole: DEMO_ROLES.anonymous,
    stopNote: embedded
      ? 'Ctrl-C stops the demo and deletes its temporary PostgreSQL data.'
      : `Ctrl-C stops the demo; schema ${DEMO_SCHEMA} and the demo roles stay in your database.`,
  });
}

async function choosePort(requested: number | null): Promise<number> {
  if (requested === 0) return 0;
  const port = requested ?? DEFAULT_DEMO_PORT;
  if (await portIsFree(port, HOST)) return port;
  if (requested === null) {
    log.info(`port ${port} is in use; using a free one`);
    return 0;
  }
  throw new UsageError(`port ${port} on ${HOST} is in use`, 'pass another --port, or --port 0 for any free port');
}

/** Returns whether a signal has arrived. */
function installSignalHandlers(teardown: Teardown): () => boolean {
  let stopping = false;
  const stop = (signal: (typeof STOP_SIGNALS)[number]) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping the demo…`);
    const code = 128 + (os.constants.signals[signal] ?? 1);
    setTimeout(() => {
      log.error(`stopping took longer than ${STOP_DEADLINE_MS / 1000} s; exiting anyway`);
      process.exit(code);
    }, STOP_DEADLINE_MS).unref();
    void teardown.run().then(() => {
      log.info('stopped; nothing is left running');
      process.exit(code);
    });
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => stop(signal));
  return () => stopping;
}

/** PostGraphile answers once its schema is built; a start-up failure makes it exit on its own. Stops asking once the demo stops. */
async function firstQuery(graphqlUrl: string, teardown: Teardown, track: (request: Promise<unknown>) => void): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    teardown.assertOpen();
    const answer = postStatus(graphqlUrl, JSON.stringify({ query: '{ __typename }' }));
    track(answer);
    if ((await answer) === 200) return;
    if (Date.now() > deadline) throw new Error(`PostGraphile did not answer at ${graphqlUrl} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The status of one POST, or null when nothing answers yet. node:http, not
 * fetch: fetch refuses ports browsers block (6000, 6665, …), which would
 * look like a server that never starts.
 */
function postStatus(url: string, body: string): Promise<number | null> {
  return new Promise((resolve) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 30_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? null);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
    request.end(body);
  });
}

/** Settings as postgraphile-cognito flags, for the printed command. */
function settingsAsFlags(settings: RawSettings): string[] {
  return Object.entries(settings).flatMap(([key, value]) => [FLAG_NAMES[key as SettingKey], String(value)]);
}
