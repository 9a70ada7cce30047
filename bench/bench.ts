/**
 * `npm run bench`: the tool against the recipe it replaces, on PostGraphile
 * v4 and v5, on the same PostgreSQL database, JWKS fixture and tokens, the
 * sides alternated over rounds:
 *
 *   A  node node_modules/postgraphile/cli.js --jwt-secret <PEM> --jwt-verify-algorithms RS256 ...
 *   B  node bin/postgraphile-cognito.js run ... (our plugin verifies, in the same process)
 *   C  node22 test/fixtures/v5/node_modules/postgraphile/dist/cli-run.js, in bench-recipe/ there,
 *      whose graphile.config.mjs is the JWT recipe of v5's guide (jsonwebtoken and a PEM)
 *   D  node22 bin/postgraphile-cognito.js run ..., in the v5 project (our preset verifies)
 *
 * Figures (median over rounds; B/A, D/C and D/B): start-up to the first right answer
 * (a cold and a warm copy of the keys on disk), and in a cold start when
 * PostGraphile answered a request without a token and when the keys were in;
 * authenticated requests per second (autocannon) with 1000 distinct tokens in
 * turn and with one token, CPU per request and resident memory of each
 * process tree; the cost of one verification in process, for a repeated
 * token and a new one; what the cache of verified tokens holds at its bound;
 * and the JWKS fetches 1000 tokens with unknown kids cause. It measures and
 * prints; it asserts nothing about timings. Exit 1 only when an answer is
 * wrong, a launch did not load its keys as its row says, or a phase cannot finish.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import jwt from 'jsonwebtoken';
import { poolUrls } from '../src/config/urls';
import { writeCachedJwks } from '../src/jwks';
import { BIN, cleanEnv, ROOT, runCli } from '../test/helpers/cli';
import { createTestDatabase } from '../test/helpers/db';
import { accessClaims, JwksFixture } from '../test/helpers/jwks-server';
import { startPostgres } from '../test/helpers/postgres';
import { postGraphql as post } from '../test/helpers/net';
import { node22, V5_CLI, V5_PROJECT, withNode22 } from '../test/helpers/v5';
import { ensureV5Fixture } from '../test/helpers/v5-fixture';
import { FootprintResult, measureFootprint } from './footprint';
import { launch, Launched, LaunchOptions, Probe, treeCpuUs, treeRssMiB } from './launch';
import { BenchToken, load, LoadResult } from './load';
import { microbench, MicroResult } from './micro';
import { microbenchV5, MicroV5Result } from './micro-v5';
import type { PerToken } from './timing';

/* ------------------------------------------------------------------ settings */

const num = (name: string, fallback: number, min = 1) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value >= min ? value : fallback;
};
const ROUNDS = Math.floor(num('BENCH_ROUNDS', 5));
const LOAD_SECONDS = num('BENCH_SECONDS', 5);
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 3);
/** The warm-up runs at this fixed rate, below every server's capacity, so memory is compared at the same load. */
const WARMUP_RATE = num('BENCH_WARMUP_RATE', 200);
const CONCURRENCY = Math.floor(num('BENCH_CONCURRENCY', 8));
const STARTUPS_PER_ROUND = Math.floor(num('BENCH_STARTUPS', 2, 0));
const UNKNOWN_KIDS = 1000;
const UNKNOWN_KID_SECONDS = num('BENCH_UNKNOWN_KID_SECONDS', 20);
/** Distinct tokens in turn in the load; a second load sends the first of them only. */
const TOKENS = 1000;
const LAUNCH_TIMEOUT_MS = 60_000;
const WHOLE_RUN_TIMEOUT_MS = 20 * 60_000;
const POOL_ID = 'local_bench1';
const KID = 'key-bench';
const POSTGRAPHILE_CLI = path.join(ROOT, 'node_modules', 'postgraphile', 'cli.js');
/** C's working directory: its graphile.config.mjs is the recipe of v5's JWT guide. */
const V5_RECIPE_DIR = path.join(V5_PROJECT, 'bench-recipe');
const QUERY = JSON.stringify({ query: '{ currentSub }' });
/** run's start-up line for a pool, once its keys are in, and where they came from. */
const KEYS_LINE = /^postgraphile-cognito: user pool .*kids \[[^\]]*\] (fetched|from the cache)/;

/* ------------------------------------------------------------------- cleanup */

const cleanups: { name: string; run: () => Promise<void> | void }[] = [];
let cleaning: Promise<void> | null = null;

function onCleanup(name: string, run: () => Promise<void> | void): void {
  cleanups.push({ name, run });
}

function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (error) {
        console.error(`# cleanup of ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}

/* ------------------------------------------------------------------- helpers */

function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** "median (min–max)" over rounds. */
function spread(values: readonly number[], digits = 0): string {
  if (values.length < 2) return fmt(median(values), digits);
  return `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`;
}

const currentSubOf = (body: string): unknown => {
  try {
    return (JSON.parse(body) as { data?: { currentSub?: unknown } }).data?.currentSub;
  } catch {
    return undefined;
  }
};

/** Options of `run` this build has (the disk cache of the JWKS may not be there yet). */
async function runOptions(): Promise<{ cacheDir: boolean; offline: boolean }> {
  const help = await runCli(['run', '--help']);
  return { cacheDir: help.stdout.includes('--cache-dir'), offline: help.stdout.includes('--offline') };
}

/** Node 22 for the v5 sides, with the v5 project installed; or why there is none. */
async function v5Setup(): Promise<{ node: string; postgraphile: string } | { missing: string }> {
  try {
    const state = await ensureV5Fixture();
    const node = node22();
    // postgraphile v5 exports no ./package.json: read the file.
    const { version } = JSON.parse(fs.readFileSync(path.join(V5_PROJECT, 'node_modules', 'postgraphile', 'package.json'), 'utf8')) as { version: string };
    const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`# PostGraphile v5 project ${state}: PostGraphile ${version}, Node ${nodeVersion}`);
    return { node, postgraphile: `PostGraphile ${version} on Node ${nodeVersion}` };
  } catch (error) {
    return { missing: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

/* ---------------------------------------------------------------------- main */

interface Variant {
  name: string;
  argv: () => string[];
  /** Node, working directory and environment; default: this Node, the repository, cleanEnv(). */
  options?: () => LaunchOptions;
  /** What run's start-up line must say of the keys' origin (B and D); A and C print none. */
  keysFrom?: RegExp;
  startupMs: number[];
  startupCpuMs: number[];
  /** Spawn to the first right answer without a token: PostGraphile's own start-up. */
  anonymousMs: number[];
  /** Spawn to run's start-up line: the keys are in. */
  keysMs: number[];
}

interface Side {
  name: 'A' | 'B' | 'C' | 'D';
  variant: Variant;
  /** 1000 distinct tokens in turn. */
  loads: LoadResult[];
  cpuUsPerRequest: number[];
  /** Every request the same token. */
  oneTokenLoads: LoadResult[];
  oneTokenCpuUsPerRequest: number[];
  /** Resident memory at the first answer, after the fixed-rate warm-up, and after the full load. */
  rssStartMiB: number[];
  rssSameLoadMiB: number[];
  rssMiB: number[];
}

interface Flood {
  fetches: number;
  seconds: number;
  per10s: number;
}

interface Target {
  text: string;
  ok: (ratio: number) => boolean;
}

async function main(): Promise<number> {
  const wallStart = Date.now();
  const loadAtStart = os.loadavg();
  // The machine may be shared: what else ran shows in the load average, sampled throughout.
  const loadSamples = [loadAtStart[0]!];
  const sampler = setInterval(() => loadSamples.push(os.loadavg()[0]!), 30_000);
  sampler.unref();
  let failed = false;
  const fail = (why: string) => {
    failed = true;
    console.error(`# FAIL: ${why}`);
  };

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-bench-'));
  onCleanup('temp dir', () => fs.rmSync(tmp, { recursive: true, force: true }));
  // Whatever a launch caches on disk goes below tmp, never to the user's own cache.
  process.env.XDG_CACHE_HOME = path.join(tmp, 'xdg-cache');
  process.env.POSTGRAPHILE_COGNITO_CACHE_DIR = path.join(tmp, 'default-cache');

  const v5 = await v5Setup();
  if ('missing' in v5) console.log(`# NO PostGraphile v5 sides C and D in this run: ${v5.missing}`);

  const adminUrl = await startPostgres((stop) => onCleanup('embedded PostgreSQL', stop));
  process.env.TEST_DATABASE_URL = adminUrl; // createTestDatabase reads it
  const db = await createTestDatabase('bench');
  onCleanup('bench database', () => db.drop());
  // The small query: one claim read back from the transaction's settings.
  await db.query(`
    create function current_sub() returns text language sql stable as $$ select current_setting('jwt.claims.sub', true) $$;
    grant execute on function current_sub() to app_user, app_anonymous;`);
  const [{ version }] = (await db.query<{ version: string }>(`select current_setting('server_version') as version`)) as [{ version: string }];

  const fixture = await JwksFixture.start([KID]);
  onCleanup('JWKS fixture', () => fixture.close());
  const issuer = fixture.issuer(POOL_ID);
  // Distinct subs, no colon claims (cognito:groups and the like): A cannot take those on PostgreSQL 14+.
  const tokens: BenchToken[] = Array.from({ length: TOKENS }, (_, i) => {
    const sub = `bench-user-${i}`;
    return { sub, jwt: fixture.sign(KID, accessClaims(sub, { jti: randomBytes(8).toString('hex') }), { issuer }) };
  });
  const isRight = (body: string, token: BenchToken) => currentSubOf(body) === token.sub;
  const probe: Probe = { payload: QUERY, token: tokens[0]!.jwt, isRight: (status, body) => status === 200 && isRight(body, tokens[0]!) };
  // No token: answered as soon as PostGraphile is up, keys or not.
  const anonymous = { payload: QUERY, isRight: (status: number, body: string) => status === 200 && body.includes('"currentSub":null') && !body.includes('"errors"') };

  // A's and C's key: the PEM our own `pem` command prints, as the recipes have users paste it.
  const pemRun = await runCli(['pem', '--user-pool-id', POOL_ID, '--endpoint', fixture.endpoint]);
  if (pemRun.code !== 0) throw new Error(`postgraphile-cognito pem failed (${pemRun.code}):\n${pemRun.stderr}`);
  const pem = pemRun.stdout;

  const has = await runOptions();
  const freshDir = () => fs.mkdtempSync(path.join(tmp, 'cold-cache-'));
  // A warm start is a restart: a copy of the keys saved moments ago (run trusts one younger than 5 minutes).
  const jwksUrl = poolUrls(fixture.endpoint, POOL_ID).jwksUrl;
  const jwksText = JSON.stringify({ keys: [fixture.keys.get(KID)!.jwk] });
  const warmDir = (name: string) => {
    const dir = path.join(tmp, name);
    writeCachedJwks(dir, jwksUrl, jwksText, Date.now());
    return dir;
  };
  const variant = (name: string, argv: () => string[], options?: () => LaunchOptions, keysFrom?: RegExp): Variant => ({
    name,
    argv,
    ...(options ? { options } : {}),
    ...(keysFrom ? { keysFrom } : {}),
    startupMs: [],
    startupCpuMs: [],
    anonymousMs: [],
    keysMs: [],
  });
  const FETCHED = /fetched \(cache not used\)/;
  const FROM_COPY = /from the cache \(fetched/;
  const OFFLINE = /from the cache \(--offline/;
  const a = variant('A', () => [
    POSTGRAPHILE_CLI, '-c', db.url, '--default-role', 'app_user',
    '--jwt-secret', pem, '--jwt-verify-algorithms', 'RS256', '--jwt-verify-audience', '', '--jwt-verify-issuer', issuer,
    '--disable-query-log',
  ]);
  // The checks a production setup makes: the app client (which A and C do not check) and the allowed roles.
  const cognitoArgs = ['run', '--user-pool-id', POOL_ID, '--endpoint', fixture.endpoint, '--client-id', 'client1', '--allowed-roles', 'app_user', '--authenticated-role', 'app_user'];
  const bArgv = (cacheArgs: string[]) => [BIN, ...cognitoArgs, ...cacheArgs, '--', '-c', db.url, '--default-role', 'app_anonymous', '--disable-query-log'];
  // Cold: nothing cached on disk; warm: a cache an earlier launch wrote; offline: that cache, no fetch at all.
  const bCold = variant(has.cacheDir ? 'B cold' : 'B', () => bArgv(has.cacheDir ? ['--cache-dir', freshDir()] : []), undefined, FETCHED);
  const bWarm = has.cacheDir ? variant('B warm', () => bArgv(['--cache-dir', warmDir('warm-cache')]), undefined, FROM_COPY) : null;
  const bOffline = has.cacheDir && has.offline ? variant('B offline', () => bArgv(['--cache-dir', warmDir('warm-cache'), '--offline']), undefined, OFFLINE) : null;

  // v5: the same database and schema; its CLI has no query log to turn off, nor a default role.
  const v5Options = (extra: NodeJS.ProcessEnv, cwd: string) => () => ({ node: (v5 as { node: string }).node, cwd, env: withNode22(cleanEnv(extra)) });
  const c = 'node' in v5 ? variant('C', () => [V5_CLI, '-c', db.url, '-s', 'public'], v5Options({ JWT_SECRET: pem, JWT_ISSUER: issuer }, V5_RECIPE_DIR)) : null;
  const dArgv = (cacheArgs: string[]) => [BIN, ...cognitoArgs, '--anonymous-role', 'app_anonymous', ...cacheArgs, '--', '-c', db.url, '-s', 'public'];
  const dCold = 'node' in v5 ? variant(has.cacheDir ? 'D cold' : 'D', () => dArgv(has.cacheDir ? ['--cache-dir', freshDir()] : []), v5Options({}, V5_PROJECT), FETCHED) : null;
  const dWarm = dCold && has.cacheDir ? variant('D warm', () => dArgv(['--cache-dir', warmDir('warm-cache-v5')]), v5Options({}, V5_PROJECT), FROM_COPY) : null;

  console.log(`# PostgreSQL ${version}, database ${db.name}; JWKS fixture ${fixture.endpoint}, pool ${POOL_ID}, one key`);
  console.log(has.cacheDir ? '# run has --cache-dir: start-up measured with a cold and a warm JWKS cache' : '# run has no --cache-dir in this build: start-up measured cold only (every launch fetches the JWKS)');

  const started: Launched[] = [];
  /** A launch of `v`; with `timed`, its start-up figures go to `v`. */
  const start = async (v: Variant, timed = false) => {
    const server = await launch(v.argv(), probe, LAUNCH_TIMEOUT_MS, { ...v.options?.(), anonymous });
    started.push(server);
    // The line is written before the first answer; its chunk may still be on its way.
    for (let i = 0; v.keysFrom && !server.lineAt(KEYS_LINE) && i < 100; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const keys = server.lineAt(KEYS_LINE);
    if (v.keysFrom && !v.keysFrom.test(keys?.text ?? '')) fail(`${v.name}: the start-up line does not say the keys came as this row assumes (${v.keysFrom}): ${keys?.text ?? 'no start-up line'}`);
    if (timed) {
      v.startupMs.push(server.startupMs);
      v.startupCpuMs.push(server.startupCpuMs);
      v.anonymousMs.push(server.anonymousMs ?? NaN);
      if (v.keysFrom) v.keysMs.push(keys?.ms ?? NaN);
    }
    return server;
  };
  onCleanup('servers', async () => {
    for (const server of started) await server.stop();
  });

  // First launches: fill the OS file cache and the warm JWKS caches, untimed; show once what the tokens avoid.
  const groupToken = fixture.sign(KID, accessClaims('bench-user-0', { 'cognito:groups': ['app_user'] }), { issuer });
  const colon: string[] = [];
  for (const v of [a, bWarm ?? bCold, c, dWarm ?? dCold]) {
    if (!v) continue;
    const server = await start(v);
    const r = await post(server.port, QUERY, groupToken);
    const error = (JSON.parse(r.body) as { errors?: { message?: string }[] }).errors?.[0]?.message;
    colon.push(`${v.name.slice(0, 1)}: HTTP ${r.status}${error ? `, "${error.slice(0, 100)}"` : ', ok'}`);
    if ((v === bWarm || v === bCold || v === dWarm || v === dCold) && (r.status !== 200 || error)) fail(`${v.name} refused a token with cognito:groups: ${r.body.slice(0, 300)}`);
    await server.stop();
  }

  const side = (name: Side['name'], v: Variant): Side => ({
    name,
    variant: v,
    loads: [],
    cpuUsPerRequest: [],
    oneTokenLoads: [],
    oneTokenCpuUsPerRequest: [],
    rssStartMiB: [],
    rssSameLoadMiB: [],
    rssMiB: [],
  });
  const sides: Side[] = [side('A', a), side('B', bCold), ...(c && dCold ? [side('C', c), side('D', dCold)] : [])];
  const extras = [bWarm, bOffline, dWarm].filter((v): v is Variant => v !== null);
  console.log(
    `# ${ROUNDS} rounds, ${sides.map((s) => s.name).join(', ')} in turn (reversed every other round): launch, ${WARMUP_SECONDS} s warm-up at ${WARMUP_RATE} req/s, ` +
      `${LOAD_SECONDS} s of full load at ${CONCURRENCY} connections with ${TOKENS} tokens in turn, ${LOAD_SECONDS} s with one token, stop` +
      `; then ${STARTUPS_PER_ROUND} launch(es) of each of ${[...sides.map((s) => s.variant), ...extras].map((v) => v.name).join(', ')} for start-up only`,
  );
  const oneToken = tokens.slice(0, 1);
  /** `seconds` of full load, and the server's CPU time per request over it. */
  const measured = async (server: Launched, sent: readonly BenchToken[]) => {
    const pid = server.child.pid!;
    const cpuBefore = treeCpuUs(pid);
    const result = await load(server.port, QUERY, sent, isRight, CONCURRENCY, LOAD_SECONDS);
    return { result, cpuUs: (treeCpuUs(pid) - cpuBefore) / Math.max(1, result.answered) };
  };
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? sides : [...sides].reverse();
    for (const s of order) {
      const server = await start(s.variant, true);
      const pid = server.child.pid!;
      const warm = await load(server.port, QUERY, tokens, isRight, CONCURRENCY, WARMUP_SECONDS, WARMUP_RATE);
      if (warm.failures) fail(`${s.name} round ${round} warm-up: ${warm.failures} wrong answer(s) or error(s): ${warm.failureSample}`);
      const rssSameLoad = treeRssMiB(pid);
      const many = await measured(server, tokens);
      const one = await measured(server, oneToken);
      const rss = treeRssMiB(pid);
      await server.stop();
      s.loads.push(many.result);
      s.cpuUsPerRequest.push(many.cpuUs);
      s.oneTokenLoads.push(one.result);
      s.oneTokenCpuUsPerRequest.push(one.cpuUs);
      s.rssStartMiB.push(server.startupRssMiB);
      s.rssSameLoadMiB.push(rssSameLoad);
      s.rssMiB.push(rss);
      console.log(
        `#  round ${round} ${s.name}: start-up ${fmt(server.startupMs)} ms; ${TOKENS} tokens: ${fmt(many.result.rps)} req/s, p50 ${many.result.p50} ms, p99 ${many.result.p99} ms, CPU ${fmt(many.cpuUs)} us/req; ` +
          `one token: ${fmt(one.result.rps)} req/s, CPU ${fmt(one.cpuUs)} us/req; RSS ${fmt(rssSameLoad, 1)} MiB at ${WARMUP_RATE} req/s, ${fmt(rss, 1)} MiB after full load`,
      );
      for (const [what, r] of [[`${TOKENS} tokens`, many.result], ['one token', one.result]] as const) {
        if (r.failures) fail(`${s.name} round ${round}, ${what}: ${r.failures} wrong answer(s) or error(s): ${r.failureSample}`);
      }
    }
    // More start-up samples: start-up varies more than anything else here.
    const startupOnly = [...sides.map((s) => s.variant), ...extras];
    for (let i = 0; i < STARTUPS_PER_ROUND; i++) {
      const timed: string[] = [];
      for (const v of (round + i) % 2 === 1 ? startupOnly : [...startupOnly].reverse()) {
        const server = await start(v, true);
        await server.stop();
        const keys = v.keysFrom ? `, keys at ${fmt(v.keysMs.at(-1)!)}` : '';
        timed.push(`${v.name} ${fmt(server.startupMs)} ms (no token ${fmt(server.anonymousMs ?? NaN)}${keys})`);
      }
      console.log(`#  round ${round} start-up only: ${timed.join(', ')}`);
    }
  }

  // 1000 tokens whose kid the JWKS does not have, spread evenly over UNKNOWN_KID_SECONDS.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const flood = async (v: Variant): Promise<Flood> => {
    const server = await start(v);
    const bad = Array.from({ length: UNKNOWN_KIDS }, (_, i) =>
      jwt.sign(accessClaims(`bench-user-${i}`), privateKey, { algorithm: 'RS256', keyid: `unknown-${randomBytes(6).toString('hex')}`, expiresIn: '1h', issuer }),
    );
    const before = fixture.requests;
    const t0 = Date.now();
    const statuses = new Map<number, number>();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < bad.length; i++) {
      const due = t0 + (i * UNKNOWN_KID_SECONDS * 1000) / bad.length;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      pending.push(
        post(server.port, QUERY, bad[i]!).then(
          (r) => void statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1),
          () => void statuses.set(0, (statuses.get(0) ?? 0) + 1),
        ),
      );
    }
    await Promise.all(pending);
    const seconds = (Date.now() - t0) / 1000;
    const fetches = fixture.requests - before;
    await server.stop();
    if (statuses.get(403) !== bad.length) fail(`${v.name}: tokens with unknown kids were not all refused with 403: ${JSON.stringify([...statuses])}`);
    console.log(`# unknown kids, ${v.name}: ${UNKNOWN_KIDS} tokens over ${seconds.toFixed(1)} s -> ${fetches} JWKS fetch(es)`);
    return { fetches, seconds, per10s: (fetches * 10) / seconds };
  };
  const unknownB = await flood(bCold);
  const unknownD = dCold ? await flood(dCold) : null;

  // Last, with no server running.
  const micro = await microbench({
    userPoolId: POOL_ID,
    endpoint: fixture.endpoint,
    jwks: { keys: [fixture.keys.get(KID)!.jwk] },
    pem,
    tokens: tokens.map((t) => t.jwt),
    batches: 7,
    perBatch: 500,
  });
  let microV5: MicroV5Result | null = null;
  if ('node' in v5) {
    const settings = { userPoolId: POOL_ID, endpoint: fixture.endpoint, clientId: 'client1', allowedRoles: 'app_user', authenticatedRole: 'app_user', anonymousRole: 'app_anonymous' };
    microV5 = await microbenchV5(v5.node, { settings, jwks: { keys: [fixture.keys.get(KID)!.jwk] }, pem, issuer, tokens: tokens.map((t) => t.jwt), batches: 7, perBatch: 500 }, tmp);
  }
  const footprint = await measureFootprint();

  /* --------------------------------------------------------------- report */
  const bySide = (name: Side['name']) => sides.find((s) => s.name === name) ?? null;
  const [sa, sb, sc, sd] = [bySide('A')!, bySide('B')!, bySide('C'), bySide('D')];
  const ratio = (y: number, x: number) => (Number.isFinite(x) && Number.isFinite(y) && x > 0 ? (y / x).toFixed(2) : 'n/a');
  const verdict = (value: string, target: Target) => `${target.text}${value === 'n/a' ? '' : target.ok(Number(value)) ? ': met' : ': MISSED'}`;
  /** x, y, y/x and the target's verdict on it: medians with min–max over rounds, or medians alone. */
  const pair = (xs: readonly number[], ys: readonly number[], digits: number, withSpread: boolean, target?: Target): string[] => {
    const r = ratio(median(ys), median(xs));
    const cell = (values: readonly number[]) => (withSpread ? spread(values, digits) : fmt(median(values), digits));
    return [cell(xs), cell(ys), r, target ? verdict(r, target) : ''];
  };
  const at = (target: string, ok: (r: number) => boolean): Target => ({ text: target, ok });
  const floodCell = (f: Flood) => `${f.fetches} in ${f.seconds.toFixed(0)} s = ${f.per10s.toFixed(1)}`;
  const floodTarget = (f: Flood) => `≤ 3 per 10 s: ${f.per10s <= 3 ? 'met' : 'MISSED'}`;

  /** The figures of a load side, in table order, with their targets for B/A (v4) and D/C (v5). */
  interface LoadFigure {
    label: string;
    of: (s: Side) => number[];
    digits: number;
    spread: boolean;
    v4?: Target;
    v5?: Target;
  }
  const loadFigures: LoadFigure[] = [
    {
      label: `requests/s, \`{ currentSub }\`, ${CONCURRENCY} connections, ${TOKENS} tokens in turn`,
      of: (s) => s.loads.map((r) => r.rps),
      digits: 0,
      spread: true,
      v4: at('B/A ≥ 0.97', (r) => r >= 0.97),
      v5: at('D/C ≥ 1.0', (r) => r >= 1.0),
    },
    { label: '  latency p50 (ms)', of: (s) => s.loads.map((r) => r.p50), digits: 1, spread: false },
    { label: '  latency p99 (ms)', of: (s) => s.loads.map((r) => r.p99), digits: 1, spread: false },
    { label: '  server CPU per request (µs)', of: (s) => s.cpuUsPerRequest, digits: 0, spread: true, v5: at('D/C ≤ 0.9', (r) => r <= 0.9) },
    {
      label: 'requests/s, one token (every request the same)',
      of: (s) => s.oneTokenLoads.map((r) => r.rps),
      digits: 0,
      spread: true,
      v4: at('B/A ≥ 1.40', (r) => r >= 1.4),
      v5: at('D/C ≥ 1.40', (r) => r >= 1.4),
    },
    { label: '  server CPU per request (µs)', of: (s) => s.oneTokenCpuUsPerRequest, digits: 0, spread: true },
    { label: 'resident memory, whole process tree, at the first answer (MiB)', of: (s) => s.rssStartMiB, digits: 1, spread: true },
    {
      label: `  at ${WARMUP_RATE} req/s, token cache on (MiB)`,
      of: (s) => s.rssSameLoadMiB,
      digits: 1,
      spread: true,
      v4: at('B/A ≤ 1.05', (r) => r <= 1.05),
      v5: at('D/C ≤ 1.05', (r) => r <= 1.05),
    },
    { label: '  after the full loads (MiB)', of: (s) => s.rssMiB, digits: 1, spread: true, v4: at('B/A ≤ 1.05', (r) => r <= 1.05), v5: at('D/C ≤ 1.05', (r) => r <= 1.05) },
  ];
  const WARM_TARGET = at('≤ 1.05', (r) => r <= 1.05);
  const COLD_TARGET = at('≤ 1.10', (r) => r <= 1.1);
  const named = (prefix: string, t: Target): Target => ({ text: `${prefix} ${t.text}`, ok: t.ok });
  /** In how many cold launches the keys came in after PostGraphile answered without a token: the keys were the longer path. */
  const keysLast = (v: Variant) => `keys last in ${v.keysMs.filter((k, i) => k > v.anonymousMs[i]!).length} of ${v.keysMs.length}`;
  /** The verification cost rows: theirs, ours, ours/theirs, and for a repeated token the absolute target. */
  const verificationRows = (perToken: { repeated: PerToken; fresh: PerToken }, b?: MicroResult) => {
    const row = (label: string, m: PerToken, target: string, bUs?: number) => [
      label,
      fmt(m.theirsUs, 1),
      fmt(m.oursUs, 1),
      ratio(m.oursUs, m.theirsUs),
      target,
      ...(b ? [fmt(bUs!, 1), ratio(m.oursUs, bUs!)] : []),
    ];
    const cpu = (m: PerToken): PerToken => ({ ...m, oursUs: m.oursCpuUs, theirsUs: m.theirsCpuUs });
    const repeatedTarget = (us: number) => `≤ 5 µs: ${us <= 5 ? 'met' : 'MISSED'}`;
    return [
      row('verification in process, repeated token (µs)', perToken.repeated, repeatedTarget(perToken.repeated.oursUs), b?.repeated.oursUs),
      row('  CPU time per call (µs)', cpu(perToken.repeated), repeatedTarget(perToken.repeated.oursCpuUs), b?.repeated.oursCpuUs),
      row('verification in process, new token (µs)', perToken.fresh, '', b?.fresh.oursUs),
      row('  CPU time per call (µs)', cpu(perToken.fresh), '', b?.fresh.oursCpuUs),
    ];
  };
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const footprintRow = (label: string, f: FootprintResult['access']) => [
    `token cache at its bound, ${label}: heap (MiB)`,
    'no cache',
    `${mib(f.heapBytes)} for ${f.entries} (counted ${mib(f.estimatedBytes)})`,
    '',
    `≤ ${mib(footprint.maxBytes)} MiB: ${f.heapBytes <= footprint.maxBytes ? 'met' : 'MISSED'}`,
  ];

  // Table 1, v4: B against A.
  const v4Rows: string[][] = [];
  const startupVariants: [Variant, string, Target][] = [
    ...(bWarm ? [[bWarm, 'warm JWKS cache', WARM_TARGET] as [Variant, string, Target]] : []),
    ...(bOffline ? [[bOffline, 'warm cache, --offline', WARM_TARGET] as [Variant, string, Target]] : []),
    [bCold, has.cacheDir ? 'cold JWKS cache (a fresh folder each launch)' : 'JWKS fetched, no disk cache', COLD_TARGET],
  ];
  for (const [v, label, target] of startupVariants) {
    v4Rows.push([`start-up to first answer, ${label} (ms)`, ...pair(a.startupMs, v.startupMs, 0, true, named('B/A', target))]);
    v4Rows.push(['  CPU time used by then (ms)', ...pair(a.startupCpuMs, v.startupCpuMs, 0, true)]);
  }
  v4Rows.push(['  cold: PostGraphile up, first answer without a token (ms)', ...pair(a.anonymousMs, bCold.anonymousMs, 0, true)]);
  v4Rows.push(["  cold: keys in, run's start-up line (ms)", 'a pasted PEM', spread(bCold.keysMs), '', keysLast(bCold)]);
  for (const f of loadFigures) v4Rows.push([f.label, ...pair(f.of(sa), f.of(sb), f.digits, f.spread, f.v4)]);
  v4Rows.push(...verificationRows(micro));
  v4Rows.push(footprintRow(`${footprint.access.tokens} access tokens`, footprint.access));
  v4Rows.push(footprintRow(`${footprint.large.tokens} ID tokens of 15 KB`, footprint.large));
  v4Rows.push([`JWKS fetches for ${UNKNOWN_KIDS} unknown kids (per 10 s)`, '0 (no JWKS)', floodCell(unknownB), '', floodTarget(unknownB)]);

  // Table 2, v5: D against C (the targets), and D against B (what moving from v4 to v5 changes with us).
  const v5Rows: string[][] = [];
  if (c && sc && sd && dCold) {
    const againstB = (bs: readonly number[], ds: readonly number[], digits: number, withSpread: boolean) => {
      const [bCell, , r] = pair(bs, ds, digits, withSpread);
      return [bCell!, r!];
    };
    const v5Startups: [Variant, Variant, string, Target][] = [
      ...(dWarm && bWarm ? [[dWarm, bWarm, 'warm JWKS cache', WARM_TARGET] as [Variant, Variant, string, Target]] : []),
      [dCold, bCold, has.cacheDir ? 'cold JWKS cache (a fresh folder each launch)' : 'JWKS fetched, no disk cache', COLD_TARGET],
    ];
    for (const [d, b, label, target] of v5Startups) {
      v5Rows.push([`start-up to first answer, ${label} (ms)`, ...pair(c.startupMs, d.startupMs, 0, true, named('D/C', target)), ...againstB(b.startupMs, d.startupMs, 0, true)]);
      v5Rows.push(['  CPU time used by then (ms)', ...pair(c.startupCpuMs, d.startupCpuMs, 0, true), ...againstB(b.startupCpuMs, d.startupCpuMs, 0, true)]);
    }
    v5Rows.push(['  cold: PostGraphile up, first answer without a token (ms)', ...pair(c.anonymousMs, dCold.anonymousMs, 0, true), ...againstB(bCold.anonymousMs, dCold.anonymousMs, 0, true)]);
    v5Rows.push(["  cold: keys in, run's start-up line (ms)", 'a pasted PEM', spread(dCold.keysMs), '', keysLast(dCold), ...againstB(bCold.keysMs, dCold.keysMs, 0, true)]);
    for (const f of loadFigures) v5Rows.push([f.label, ...pair(f.of(sc), f.of(sd), f.digits, f.spread, f.v5), ...againstB(f.of(sb), f.of(sd), f.digits, f.spread)]);
    if (microV5) v5Rows.push(...verificationRows(microV5, micro));
    if (unknownD) v5Rows.push([`JWKS fetches for ${UNKNOWN_KIDS} unknown kids (per 10 s)`, '0 (no JWKS)', floodCell(unknownD), '', floodTarget(unknownD), floodCell(unknownB), '']);
  }

  const cpus = os.cpus();
  console.log('');
  console.log(
    `postgraphile-cognito bench, ${new Date().toISOString().slice(0, 10)}: ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), ` +
      `Node ${process.version}, ${os.platform()} ${os.arch()}, PostgreSQL ${version}, PostGraphile 4 (${path.relative(ROOT, POSTGRAPHILE_CLI)})` +
      ('node' in v5 ? `, ${v5.postgraphile} for C and D` : `; no v5 sides (${v5.missing})`),
  );
  console.log(
    `${ROUNDS} rounds; load: autocannon in the bench process, ${LOAD_SECONDS} s per round after ${WARMUP_SECONDS} s warm-up at ${WARMUP_RATE} req/s, ` +
      `then ${LOAD_SECONDS} s with one token; ${TOKENS} distinct RS256 access tokens; load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} at start, ` +
      `${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at end, 1-minute average ${Math.min(...loadSamples).toFixed(1)} to ${Math.max(...loadSamples).toFixed(1)} ` +
      `(sampled every 30 s) on ${os.cpus().length} CPU(s)`,
  );
  console.log('');
  printTable(['figure (median over rounds, min–max)', 'A: PostGraphile 4 by hand', 'B: postgraphile-cognito run', 'B/A', 'target'], v4Rows, [0, 4]);
  if (v5Rows.length) {
    console.log('');
    printTable(
      ['PostGraphile v5 (median over rounds, min–max)', "C: v5, the guide's JWT recipe", 'D: postgraphile-cognito run, v5', 'D/C', 'target', 'B: run, v4 (as above)', 'D/B'],
      v5Rows,
      [0, 4],
    );
  }
  console.log('');
  console.log(
    'Tokens carry no colon claims: PostGraphile 4 alone makes a setting jwt.claims.<claim> of every claim, and PostgreSQL 14+ refuses ' +
      `names such as jwt.claims.cognito:groups (the v5 recipe skips such claims). One token with cognito:groups -> ${colon.join('; ')}.`,
  );
  console.log(`Wall time ${((Date.now() - wallStart) / 1000).toFixed(0)} s.`);
  console.log(failed ? '\nRESULT: FAILED (see failures above)' : `\nRESULT: ok (measurements only; no timing is asserted)${'missing' in v5 ? ', without the v5 sides' : ''}`);
  return failed ? 1 : 0;
}

/** A Markdown table, its columns padded; `leftAligned` columns are text, the others figures. */
function printTable(header: string[], rows: string[][], leftAligned: number[]): void {
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  const left = (col: number) => leftAligned.includes(col);
  const line = (cells: string[]) => `| ${cells.map((cell, col) => (left(col) ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, col) => (left(col) ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

const watchdog = setTimeout(() => {
  console.error(`# bench did not finish within ${WHOLE_RUN_TIMEOUT_MS / 60_000} min; stopping`);
  void cleanupAll().then(() => process.exit(1));
}, WHOLE_RUN_TIMEOUT_MS);
watchdog.unref();

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`# ${signal}: cleaning up`);
    void cleanupAll().then(() => process.exit(1));
  });
}

// E.g. a database connection dropped while stopping: clean up and fail rather than leave things running.
process.on('uncaughtException', (error) => {
  console.error('# uncaught error:', error instanceof Error ? error.message : error);
  void cleanupAll().then(() => process.exit(1));
});

main()
  .catch((error: unknown) => {
    console.error('bench failed:', error);
    return 1;
  })
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  });
