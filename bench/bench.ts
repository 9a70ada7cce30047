/**
 * `npm run bench`: the tool against the recipe it replaces, on the same
 * PostgreSQL database, JWKS fixture and tokens, A and B alternated over rounds:
 *
 *   A  node node_modules/postgraphile/cli.js --jwt-secret <PEM> --jwt-verify-algorithms RS256 ...
 *   B  node bin/postgraphile-cognito.js run ... (our plugin verifies, in the same process)
 *
 * Figures (median over rounds, and B/A): start-up to the first right answer,
 * authenticated requests per second (autocannon), CPU per request and
 * resident memory of each process tree, the cost of one verification in
 * process, and the JWKS fetches 1000 tokens with unknown kids cause. It
 * measures and prints; it asserts nothing about timings. Exit 1 only when an
 * answer is wrong or a phase cannot finish.
 */
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import jwt from 'jsonwebtoken';
import { BIN, ROOT, runCli } from '../test/helpers/cli';
import { createTestDatabase } from '../test/helpers/db';
import { accessClaims, JwksFixture } from '../test/helpers/jwks-server';
import { startPostgres } from '../test/helpers/postgres';
import { postGraphql as post } from '../test/helpers/net';
import { launch, Launched, Probe, treeCpuUs, treeRssMiB } from './launch';
import { BenchToken, load, LoadResult } from './load';
import { microbench } from './micro';

/* ------------------------------------------------------------------ settings */

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const ROUNDS = Math.floor(num('BENCH_ROUNDS', 5));
const LOAD_SECONDS = num('BENCH_SECONDS', 5);
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 3);
/** The warm-up runs at this fixed rate, below either server's capacity, so memory is compared at the same load. */
const WARMUP_RATE = num('BENCH_WARMUP_RATE', 200);
const CONCURRENCY = Math.floor(num('BENCH_CONCURRENCY', 8));
const STARTUPS_PER_ROUND = Math.floor(num('BENCH_STARTUPS', 2));
const UNKNOWN_KIDS = 1000;
const UNKNOWN_KID_SECONDS = num('BENCH_UNKNOWN_KID_SECONDS', 20);
const TOKENS = 200;
const LAUNCH_TIMEOUT_MS = 60_000;
const WHOLE_RUN_TIMEOUT_MS = 10 * 60_000;
const POOL_ID = 'local_bench1';
const KID = 'key-bench';
const POSTGRAPHILE_CLI = path.join(ROOT, 'node_modules', 'postgraphile', 'cli.js');
const QUERY = JSON.stringify({ query: '{ currentSub }' });

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

/* ---------------------------------------------------------------------- main */

interface Variant {
  name: string;
  argv: () => string[];
  startupMs: number[];
  startupCpuMs: number[];
}

interface Side {
  name: 'A' | 'B';
  variant: Variant;
  loads: LoadResult[];
  cpuUsPerRequest: number[];
  /** Resident memory at the first answer, after the fixed-rate warm-up, and after the full load. */
  rssStartMiB: number[];
  rssSameLoadMiB: number[];
  rssMiB: number[];
}

async function main(): Promise<number> {
  const wallStart = Date.now();
  const loadAtStart = os.loadavg();
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

  // A's key: the PEM our own `pem` command prints, as the recipe has users paste it.
  const pemRun = await runCli(['pem', '--user-pool-id', POOL_ID, '--endpoint', fixture.endpoint]);
  if (pemRun.code !== 0) throw new Error(`postgraphile-cognito pem failed (${pemRun.code}):\n${pemRun.stderr}`);
  const pem = pemRun.stdout;

  const has = await runOptions();
  const warmDir = path.join(tmp, 'warm-cache');
  const freshDir = () => fs.mkdtempSync(path.join(tmp, 'cold-cache-'));
  const a: Variant = {
    name: 'A',
    argv: () => [
      POSTGRAPHILE_CLI, '-c', db.url, '--default-role', 'app_user',
      '--jwt-secret', pem, '--jwt-verify-algorithms', 'RS256', '--jwt-verify-audience', '', '--jwt-verify-issuer', issuer,
      '--disable-query-log',
    ],
    startupMs: [],
    startupCpuMs: [],
  };
  const bArgv = (cacheArgs: string[]) => [
    BIN, 'run', '--user-pool-id', POOL_ID, '--endpoint', fixture.endpoint, '--authenticated-role', 'app_user', ...cacheArgs,
    '--', '-c', db.url, '--default-role', 'app_anonymous', '--disable-query-log',
  ];
  // Cold: nothing cached on disk; warm: a cache an earlier launch wrote; offline: that cache, no fetch at all.
  const bCold: Variant = { name: has.cacheDir ? 'B cold' : 'B', argv: () => bArgv(has.cacheDir ? ['--cache-dir', freshDir()] : []), startupMs: [], startupCpuMs: [] };
  const bWarm: Variant | null = has.cacheDir ? { name: 'B warm', argv: () => bArgv(['--cache-dir', warmDir]), startupMs: [], startupCpuMs: [] } : null;
  const bOffline: Variant | null = has.cacheDir && has.offline ? { name: 'B offline', argv: () => bArgv(['--cache-dir', warmDir, '--offline']), startupMs: [], startupCpuMs: [] } : null;

  console.log(`# PostgreSQL ${version}, database ${db.name}; JWKS fixture ${fixture.endpoint}, pool ${POOL_ID}, one key`);
  console.log(has.cacheDir ? '# run has --cache-dir: start-up measured with a cold and a warm JWKS cache' : '# run has no --cache-dir in this build: start-up measured cold only (every launch fetches the JWKS)');

  const started: Launched[] = [];
  const start = async (variant: Variant) => {
    const server = await launch(variant.argv(), probe, LAUNCH_TIMEOUT_MS);
    started.push(server);
    return server;
  };
  onCleanup('servers', async () => {
    for (const server of started) await server.stop();
  });

  // First launches: fill the OS file cache and the warm JWKS cache, untimed; show once what the tokens avoid.
  const groupToken = fixture.sign(KID, accessClaims('bench-user-0', { 'cognito:groups': ['app_user'] }), { issuer });
  const colon: string[] = [];
  for (const variant of [a, bWarm ?? bCold]) {
    const server = await start(variant);
    const r = await post(server.port, QUERY, groupToken);
    const error = (JSON.parse(r.body) as { errors?: { message?: string }[] }).errors?.[0]?.message;
    colon.push(`${variant.name.slice(0, 1)}: HTTP ${r.status}${error ? `, "${error.slice(0, 100)}"` : ', ok'}`);
    if (variant !== a && (r.status !== 200 || error)) fail(`B refused a token with cognito:groups: ${r.body.slice(0, 300)}`);
    await server.stop();
  }

  const sides: Side[] = [a, bCold].map((variant, i) => ({ name: i === 0 ? 'A' : 'B', variant, loads: [], cpuUsPerRequest: [], rssStartMiB: [], rssSameLoadMiB: [], rssMiB: [] }));
  const extras = [bWarm, bOffline].filter((v): v is Variant => v !== null);
  console.log(
    `# ${ROUNDS} rounds, A and B alternating: launch, ${WARMUP_SECONDS} s warm-up at ${WARMUP_RATE} req/s, ${LOAD_SECONDS} s of full load at ${CONCURRENCY} connections, stop` +
      `; then ${STARTUPS_PER_ROUND} launch(es) of each of ${[...sides.map((side) => side.variant), ...extras].map((v) => v.name).join(', ')} for start-up only`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? sides : [...sides].reverse();
    for (const side of order) {
      const server = await start(side.variant);
      side.variant.startupMs.push(server.startupMs);
      side.variant.startupCpuMs.push(server.startupCpuMs);
      const pid = server.child.pid!;
      const warm = await load(server.port, QUERY, tokens, isRight, CONCURRENCY, WARMUP_SECONDS, WARMUP_RATE);
      if (warm.failures) fail(`${side.name} round ${round} warm-up: ${warm.failures} wrong answer(s) or error(s): ${warm.failureSample}`);
      const rssSameLoad = treeRssMiB(pid);
      const cpuBefore = treeCpuUs(pid);
      const result = await load(server.port, QUERY, tokens, isRight, CONCURRENCY, LOAD_SECONDS);
      const cpuUs = (treeCpuUs(pid) - cpuBefore) / Math.max(1, result.answered);
      const rss = treeRssMiB(pid);
      await server.stop();
      side.loads.push(result);
      side.cpuUsPerRequest.push(cpuUs);
      side.rssStartMiB.push(server.startupRssMiB);
      side.rssSameLoadMiB.push(rssSameLoad);
      side.rssMiB.push(rss);
      console.log(
        `#  round ${round} ${side.name}: start-up ${fmt(server.startupMs)} ms, ${fmt(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ` +
          `CPU ${fmt(cpuUs)} us/req, RSS ${fmt(rssSameLoad, 1)} MiB at ${WARMUP_RATE} req/s, ${fmt(rss, 1)} MiB after full load${result.failures ? `, FAILURES ${result.failures}: ${result.failureSample}` : ''}`,
      );
      if (result.failures) fail(`${side.name} round ${round}: ${result.failures} wrong answer(s) or error(s)`);
    }
    // More start-up samples: start-up varies more than anything else here.
    const startupOnly = [...sides.map((side) => side.variant), ...extras];
    for (let i = 0; i < STARTUPS_PER_ROUND; i++) {
      const timed: string[] = [];
      for (const variant of (round + i) % 2 === 1 ? startupOnly : [...startupOnly].reverse()) {
        const server = await start(variant);
        variant.startupMs.push(server.startupMs);
        variant.startupCpuMs.push(server.startupCpuMs);
        await server.stop();
        timed.push(`${variant.name} ${fmt(server.startupMs)} ms`);
      }
      console.log(`#  round ${round} start-up only: ${timed.join(', ')}`);
    }
  }

  // 1000 tokens whose kid the JWKS does not have, spread evenly over UNKNOWN_KID_SECONDS.
  const unknown = await (async () => {
    const server = await start(bCold);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
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
    if (statuses.get(403) !== bad.length) fail(`tokens with unknown kids were not all refused with 403: ${JSON.stringify([...statuses])}`);
    return { fetches, seconds, per10s: (fetches * 10) / seconds };
  })();
  console.log(`# unknown kids: ${UNKNOWN_KIDS} tokens over ${unknown.seconds.toFixed(1)} s -> ${unknown.fetches} JWKS fetch(es)`);

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

  /* --------------------------------------------------------------- report */
  const [sa, sb] = sides as [Side, Side];
  const m = (side: Side, pick: (r: LoadResult) => number) => side.loads.map(pick);
  const ratio = (b: number, a: number) => (Number.isFinite(a) && Number.isFinite(b) && a > 0 ? (b / a).toFixed(2) : 'n/a');
  const verdict = (value: string, ok: (r: number) => boolean) => (value === 'n/a' ? '' : ok(Number(value)) ? 'met' : 'MISSED');
  const rows: string[][] = [];
  const row = (figure: string, av: string, bv: string, r: string, target: string, ok?: (r: number) => boolean) =>
    rows.push([figure, av, bv, r, target ? `${target}${ok ? `: ${verdict(r, ok)}` : ''}` : '']);
  // The target is for a warm cache; without a disk cache in this build, every launch is cold and is held to it.
  const startupVariants: [Variant, string, boolean][] = [
    ...(bWarm ? [[bWarm, 'warm JWKS cache', true] as [Variant, string, boolean]] : []),
    ...(bOffline ? [[bOffline, 'warm cache, --offline', true] as [Variant, string, boolean]] : []),
    [bCold, has.cacheDir ? 'cold JWKS cache' : 'JWKS fetched, no disk cache', !has.cacheDir],
  ];
  for (const [variant, label, targeted] of startupVariants) {
    row(`start-up to first answer, ${label} (ms)`, spread(a.startupMs), spread(variant.startupMs), ratio(median(variant.startupMs), median(a.startupMs)), targeted ? 'B/A ≤ 1.10' : '', targeted ? (r) => r <= 1.1 : undefined);
    row(`  CPU time used by then (ms)`, spread(a.startupCpuMs), spread(variant.startupCpuMs), ratio(median(variant.startupCpuMs), median(a.startupCpuMs)), '');
  }
  row(
    `requests/s, \`{ currentSub }\`, ${CONCURRENCY} connections`,
    spread(m(sa, (r) => r.rps)),
    spread(m(sb, (r) => r.rps)),
    ratio(median(m(sb, (r) => r.rps)), median(m(sa, (r) => r.rps))),
    'B/A ≥ 0.97',
    (r) => r >= 0.97,
  );
  for (const [name, pick] of [['p50', (r: LoadResult) => r.p50], ['p99', (r: LoadResult) => r.p99]] as const) {
    row(`latency ${name} (ms)`, fmt(median(m(sa, pick)), 1), fmt(median(m(sb, pick)), 1), ratio(median(m(sb, pick)), median(m(sa, pick))), '');
  }
  row('server CPU per request (µs)', spread(sa.cpuUsPerRequest), spread(sb.cpuUsPerRequest), ratio(median(sb.cpuUsPerRequest), median(sa.cpuUsPerRequest)), '');
  row('resident memory, whole process tree, at the first answer (MiB)', spread(sa.rssStartMiB, 1), spread(sb.rssStartMiB, 1), ratio(median(sb.rssStartMiB), median(sa.rssStartMiB)), '');
  row(
    `  at ${WARMUP_RATE} req/s (MiB)`,
    spread(sa.rssSameLoadMiB, 1),
    spread(sb.rssSameLoadMiB, 1),
    ratio(median(sb.rssSameLoadMiB), median(sa.rssSameLoadMiB)),
    'B/A ≤ 1.05',
    (r) => r <= 1.05,
  );
  row('  after the full load (MiB)', spread(sa.rssMiB, 1), spread(sb.rssMiB, 1), ratio(median(sb.rssMiB), median(sa.rssMiB)), 'B/A ≤ 1.05', (r) => r <= 1.05);
  row('one verification in process (µs)', fmt(micro.postgraphileUs, 1), fmt(micro.oursUs, 1), ratio(micro.oursUs, micro.postgraphileUs), '');
  rows.push([
    `JWKS fetches for ${UNKNOWN_KIDS} unknown kids (per 10 s)`,
    '0 (no JWKS)',
    `${unknown.fetches} in ${unknown.seconds.toFixed(0)} s = ${unknown.per10s.toFixed(1)}`,
    '',
    `≤ 3 per 10 s: ${unknown.per10s <= 3 ? 'met' : 'MISSED'}`,
  ]);

  const header = ['figure (median over rounds, min–max)', 'A: PostGraphile by hand', 'B: postgraphile-cognito run', 'B/A', 'target'];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, col) => (col === 0 || col === 4 ? c.padEnd(widths[col]!) : c.padStart(widths[col]!))).join(' | ')} |`;
  const cpus = os.cpus();
  console.log('');
  console.log(
    `postgraphile-cognito bench, ${new Date().toISOString().slice(0, 10)}: ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), ` +
      `Node ${process.version}, ${os.platform()} ${os.arch()}, PostgreSQL ${version}, PostGraphile 4 (${path.relative(ROOT, POSTGRAPHILE_CLI)})`,
  );
  console.log(
    `${ROUNDS} rounds; load: autocannon in the bench process, ${LOAD_SECONDS} s per round after ${WARMUP_SECONDS} s warm-up at ${WARMUP_RATE} req/s, ` +
      `${TOKENS} distinct RS256 access tokens; load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} at start, ` +
      `${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at end`,
  );
  console.log('');
  console.log(line(header));
  console.log(`|${widths.map((w, col) => (col === 0 || col === 4 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('');
  console.log(
    'Tokens carry no colon claims: PostGraphile alone makes a setting jwt.claims.<claim> of every claim, and PostgreSQL 14+ refuses ' +
      `names such as jwt.claims.cognito:groups. One token with cognito:groups -> ${colon.join('; ')}.`,
  );
  console.log(`Wall time ${((Date.now() - wallStart) / 1000).toFixed(0)} s.`);
  console.log(failed ? '\nRESULT: FAILED (see failures above)' : '\nRESULT: ok (measurements only; no timing is asserted)');
  return failed ? 1 : 0;
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
