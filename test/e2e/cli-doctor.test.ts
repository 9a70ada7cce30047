/**
 * `doctor` end to end, against real PostgreSQL and our JWKS fixture: every
 * check reported with a mark, a failure named with a hint, exit 0 or 1.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, CliResult, runCli } from '../helpers/cli';
import { literal, show } from '../helpers/cli-assert';
import { adminUrl, asAdmin, createTestDatabase, TestDatabase, withUser } from '../helpers/db';
import { JwksFixture, JwksMode } from '../helpers/jwks-server';
import { freePort } from '../helpers/net';

const POOL = 'local_doctor1';
const MARK = /^(PASS|WARN|FAIL|SKIP) {2}(.+?): (.*)$/;

interface Line {
  mark: string;
  name: string;
  detail: string;
  hint?: string;
}

/** The report's check lines, each with the hint line under it. */
function reportOf(r: CliResult): Line[] {
  const lines: Line[] = [];
  for (const text of r.stdout.split('\n')) {
    const m = MARK.exec(text);
    if (m) lines.push({ mark: m[1]!, name: m[2]!, detail: m[3]! });
    else if (text.startsWith('      hint: ') && lines.length) lines[lines.length - 1]!.hint = text.slice('      hint: '.length);
  }
  return lines;
}

function lineOf(r: CliResult, name: string): Line {
  const line = reportOf(r).find((l) => l.name === name);
  assert.ok(line, `no check "${name}" in the report\n${show(r)}`);
  return line;
}

function assertMark(r: CliResult, name: string, mark: string, ...patterns: RegExp[]): Line {
  const line = lineOf(r, name);
  assert.equal(line.mark, mark, `${name}\n${show(r)}`);
  for (const pattern of patterns) assert.match(`${line.detail}\n${line.hint ?? ''}`, pattern, show(r));
  return line;
}

describe('doctor', () => {
  const tag = randomBytes(4).toString('hex');
  // A plain login role, as production should connect: no superuser, no BYPASSRLS.
  const login = `pgc_doctor_login_${tag}`;
  const password = `pw-${tag}-Secret`;
  const ungranted = `pgc_doctor_ungranted_${tag}`;
  const noSet = `pgc_doctor_noset_${tag}`;
  let db: TestDatabase;
  let fixture: JwksFixture;
  let loginUrl: string;
  let deadPort: number;
  let serverVersionNum: number;
  const dirs: string[] = [];
  const fixtures: JwksFixture[] = [];

  function dir(rc?: string): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-doctor-'));
    dirs.push(d);
    if (rc !== undefined) fs.writeFileSync(path.join(d, '.postgraphilerc.js'), rc);
    return d;
  }

  /** doctor with a complete configuration: nothing to warn about. */
  function doctor(
    options: string[],
    postgraphileArgs: string[],
    { env = {}, cwd = dir(), endpoint = fixture.endpoint }: { env?: NodeJS.ProcessEnv; cwd?: string; endpoint?: string } = {},
  ): Promise<CliResult> {
    const config = ['--user-pool-id', POOL, '--endpoint', endpoint, '--client-id', 'client1', '--authenticated-role', 'app_user'];
    return runCli(['doctor', ...config, ...options, '--', ...postgraphileArgs], { env: cleanEnv(env), cwd });
  }

  const allowed = (...roles: string[]) => ['--allowed-roles', ['app_user', 'app_admin', ...roles].join(',')];
  const asLogin = () => ['-c', loginUrl, '--default-role', 'app_anonymous'];

  before(async () => {
    fixture = await JwksFixture.start(['key-a', 'key-b']);
    fixtures.push(fixture);
    deadPort = await freePort();
    db = await createTestDatabase('doctor');
    await asAdmin(`create role ${login} login password '${password}'`);
    await asAdmin(`create role ${ungranted} nologin; create role ${noSet} nologin`);
    await asAdmin(`grant app_anonymous, app_user, app_admin to ${login}`);
    loginUrl = withUser(db.url, login, password);
    serverVersionNum = Number((await db.query<{ v: string }>(`select current_setting('server_version_num') as v`))[0]!.v);
  });

  after(async () => {
    for (const f of fixtures) await f.close();
    await db?.drop();
    await asAdmin(`drop role if exists ${login}; drop role if exists ${ungranted}; drop role if exists ${noSet}`).catch(() => {});
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('everything in order, as a plain login role: every check passes, exit 0', async () => {
    const r = await doctor(allowed(), asLogin());
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stderr, '', show(r));
    const names = reportOf(r).map((l) => l.name);
    assert.deepEqual(names, [
      'configuration',
      'JWKS',
      'JWKS cache headers',
      'JWKS copy on disk',
      'database',
      'PostgreSQL version',
      'role app_anonymous',
      'role app_user',
      'role app_admin',
      'connecting role',
    ]);
    for (const line of reportOf(r)) assert.equal(line.mark, 'PASS', `${line.name}\n${show(r)}`);
    assertMark(r, 'configuration', 'PASS', literal(POOL), /app client client1/);
    assertMark(r, 'JWKS', 'PASS', /2 usable RS256 key\(s\): key-a, key-b/, literal(`${fixture.endpoint}/${POOL}/.well-known/jwks.json`));
    assertMark(r, 'JWKS cache headers', 'PASS', /no cache headers/);
    assertMark(r, 'database', 'PASS', literal(`as ${login}`), literal(db.name), /from -c/);
    assertMark(r, 'PostgreSQL version', 'PASS', /^PostgreSQL \d+/);
    assertMark(r, 'role app_anonymous', 'PASS', /default role, from --default-role/, literal(`${login} can SET ROLE to it`));
    assertMark(r, 'role app_user', 'PASS', /authenticated role; allowed role/);
    assertMark(r, 'connecting role', 'PASS', /not a superuser and has no BYPASSRLS/);
    assert.match(r.stdout, /\nok: 10 passed, 0 warning\(s\), 0 failed, 0 skipped\n$/, show(r));
    assert.ok(!r.stdout.includes(password), 'the password was printed');
  });

  test('connecting as a superuser passes with a warning that row-level security would not apply', async () => {
    const r = await doctor(allowed(), ['-c', adminUrl(), '--default-role', 'app_anonymous']);
    assert.equal(r.code, 0, show(r));
    const line = assertMark(r, 'connecting role', 'WARN', /is a superuser/, /row-level security does not apply/);
    assert.match(line.hint ?? '', /create role app_login login/, show(r));
    assert.match(line.hint ?? '', /grant app_anonymous, app_user, app_admin to app_login/, show(r));
    assert.match(r.stdout, /\nok: .*1 warning\(s\), 0 failed/, show(r));
    const adminPassword = new URL(adminUrl()).password;
    if (adminPassword) assert.ok(!`${r.stdout}${r.stderr}`.includes(`:${adminPassword}@`), 'the password was printed');
  });

  test('a role that does not exist is named, with the SQL to create it, and exits 1', async () => {
    const missing = `pgc_missing_${tag}`;
    const r = await doctor(allowed(missing), asLogin());
    assert.equal(r.code, 1, show(r));
    const line = assertMark(r, `role ${missing}`, 'FAIL', /\(allowed role\) does not exist/);
    assert.equal(line.hint, `create role ${missing} nologin; grant ${missing} to ${login};`);
    // The other checks still ran.
    assertMark(r, 'role app_admin', 'PASS');
    assertMark(r, 'JWKS', 'PASS');
    assert.match(r.stdout, /\nnot ok: .*1 failed/, show(r));
  });

  test('a role that exists but is not granted to the connecting role fails with the grant to run', async () => {
    const r = await doctor(allowed(ungranted), asLogin());
    assert.equal(r.code, 1, show(r));
    const line = assertMark(r, `role ${ungranted}`, 'FAIL', /exists, but is not granted to/, literal(`SET ROLE ${ungranted} fails`));
    assert.match(line.hint ?? '', literal(`grant ${ungranted} to ${login}`), show(r));
  });

  test('PostgreSQL 16+: a grant WITH SET FALSE does not allow SET ROLE, and fails', async (t) => {
    if (serverVersionNum < 160000) return t.skip('needs PostgreSQL 16 or newer');
    await asAdmin(`grant ${noSet} to ${login} with set false`);
    const r = await doctor(allowed(noSet), asLogin());
    assert.equal(r.code, 1, show(r));
    const line = assertMark(r, `role ${noSet}`, 'FAIL', /with the SET option/);
    assert.equal(line.hint, `grant ${noSet} to ${login} with set true;`);
  });

  test('an unreachable database fails fast with a hint; the checks that need it are skipped', async () => {
    const secret = `pw-${tag}-dead`;
    const r = await doctor(allowed(), ['-c', `postgres://someone:${secret}@127.0.0.1:${deadPort}/app`, '--default-role', 'app_anonymous']);
    assert.equal(r.code, 1, show(r));
    assert.ok(r.ms < 10_000, `took ${r.ms} ms\n${show(r)}`);
    const line = assertMark(r, 'database', 'FAIL', literal(`127.0.0.1:${deadPort}/app`), /connection refused/);
    assert.match(line.hint ?? '', /is PostgreSQL running/, show(r));
    for (const name of ['PostgreSQL version', 'role app_anonymous', 'role app_user', 'connecting role']) assertMark(r, name, 'SKIP', /no database connection/);
    assertMark(r, 'JWKS', 'PASS');
    assert.ok(!`${r.stdout}${r.stderr}`.includes(secret), `the password was printed\n${show(r)}`);
  });

  describe('JWKS faults fail the JWKS check and leave the database checks running', () => {
    const cases: { mode: JwksMode; pattern: RegExp }[] = [
      { mode: 'status-500', pattern: /HTTP 500/ },
      { mode: 'invalid-json', pattern: /not valid JSON/ },
      { mode: 'empty', pattern: /"keys" list is empty/ },
    ];
    for (const { mode, pattern } of cases) {
      test(mode, async () => {
        const faulty = await JwksFixture.start(['key-a']);
        fixtures.push(faulty);
        faulty.mode = mode;
        const r = await doctor(allowed(), asLogin(), { endpoint: faulty.endpoint });
        assert.equal(r.code, 1, show(r));
        assertMark(r, 'JWKS', 'FAIL', literal(faulty.endpoint), pattern);
        assertMark(r, 'JWKS cache headers', 'SKIP');
        // No copy was ever saved for this fresh endpoint: run will exit 3 (a warning here; the JWKS line failed).
        assertMark(r, 'JWKS copy on disk', 'WARN', /no copy in .*run will exit 3/);
        assertMark(r, 'database', 'PASS');
        assertMark(r, 'role app_user', 'PASS');
      });
    }

    test('nothing listening: connection refused', async () => {
      const r = await doctor(allowed(), asLogin(), { endpoint: `http://127.0.0.1:${deadPort}` });
      assert.equal(r.code, 1, show(r));
      const line = assertMark(r, 'JWKS', 'FAIL', /connection refused/);
      assert.ok(line.hint, show(r));
    });

    test('a key that cannot be used is a warning naming it; --kid not in the JWKS fails', async () => {
      const f = await JwksFixture.start(['key-a']);
      fixtures.push(f);
      f.addKey('key-weird');
      f.keys.get('key-weird')!.jwk.alg = 'RS512';
      const r = await doctor(allowed(), asLogin(), { endpoint: f.endpoint });
      assert.equal(r.code, 0, show(r));
      assertMark(r, 'JWKS', 'WARN', /1 usable RS256 key\(s\): key-a/, /skipped key "key-weird": alg is "RS512"/);
      const kid = await doctor([...allowed(), '--kid', 'key-z'], asLogin(), { endpoint: f.endpoint });
      assert.equal(kid.code, 1, show(kid));
      assertMark(kid, 'JWKS', 'FAIL', /--kid key-z is not one of them/, /pick one of key-a/);
    });
  });

  test('the JWKS copy on disk: saved after a fetch, reported when the JWKS is down, used by --offline', async () => {
    const cacheDir = dir();
    const f = await JwksFixture.start(['key-a']);
    fixtures.push(f);
    const withCache = (extra: string[] = []) => doctor([...allowed(), '--cache-dir', cacheDir, ...extra], asLogin(), { endpoint: f.endpoint });
    const noCopyOffline = await withCache(['--offline']);
    assert.equal(noCopyOffline.code, 1, show(noCopyOffline));
    assertMark(noCopyOffline, 'JWKS', 'SKIP', /--offline/);
    assertMark(noCopyOffline, 'JWKS copy on disk', 'FAIL', /no copy in .*run --offline would exit 3/);

    const fetched = await withCache();
    assert.equal(fetched.code, 0, show(fetched));
    assertMark(fetched, 'JWKS copy on disk', 'PASS', /saved to .*jwks-[0-9a-f]+\.json/);

    const requests = f.requests;
    const offline = await withCache(['--offline']);
    assert.equal(offline.code, 0, show(offline));
    assertMark(offline, 'JWKS copy on disk', 'PASS', /run --offline will use .*kids key-a/);
    assert.equal(f.requests, requests, '--offline touched the network');

    f.mode = 'status-500';
    const down = await withCache();
    assert.equal(down.code, 1, show(down));
    assertMark(down, 'JWKS', 'FAIL', /HTTP 500/);
    assertMark(down, 'JWKS copy on disk', 'WARN', /run would start from the cached copy .*fetched \d+ s ago, kids key-a/);
  });

  test('cache headers are reported, max-age in words', async () => {
    const f = await JwksFixture.start(['key-a']);
    fixtures.push(f);
    f.headers = { 'cache-control': 'public, max-age=3600', age: '120' };
    const r = await doctor(allowed(), asLogin(), { endpoint: f.endpoint });
    assert.equal(r.code, 0, show(r));
    assertMark(r, 'JWKS cache headers', 'PASS', /Cache-Control: public, max-age=3600 \(1 h\); Age: 120/);
  });

  test('a bad configuration fails with its hint and exits 1, not 2; the database is still checked', async () => {
    const r = await runCli(['doctor', '--user-pool-id', 'not a pool', '--endpoint', fixture.endpoint, '--', ...asLogin()], { env: cleanEnv(), cwd: dir() });
    assert.equal(r.code, 1, show(r));
    const line = assertMark(r, 'configuration', 'FAIL', /user pool id "not a pool" \(from --user-pool-id\) is malformed/);
    assert.ok(line.hint, show(r));
    assertMark(r, 'JWKS', 'SKIP', /needs a valid configuration/);
    assertMark(r, 'database', 'PASS');
    assertMark(r, 'role app_anonymous', 'PASS');
  });

  test('no configuration at all: says how to give the pool id', async () => {
    const r = await runCli(['doctor'], { env: cleanEnv({ PGHOST: '127.0.0.1', PGPORT: String(deadPort) }), cwd: dir() });
    assert.equal(r.code, 1, show(r));
    assertMark(r, 'configuration', 'FAIL', /no user pool id given/, /COGNITO_USER_POOL_ID/);
    assertMark(r, 'database', 'FAIL', /from the PG\* environment variables/, literal(`127.0.0.1:${deadPort}`));
    assertMark(r, 'default role', 'WARN', /no --default-role/);
  });

  test('a warning (no default role) still exits 0', async () => {
    const r = await runCli(['doctor', '--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--client-id', '*', '--allowed-roles', '*', '--', '-c', loginUrl], { env: cleanEnv(), cwd: dir() });
    assert.equal(r.code, 0, show(r));
    assertMark(r, 'configuration', 'PASS', /any app client \('\*'\)/, /any role \('\*'\)/);
    assertMark(r, 'default role', 'WARN', literal(`requests without a token run as ${login} itself`), /--default-role app_anonymous/);
  });

  test('security choices not made fail the configuration check (run would refuse to start), exit 1', async () => {
    const r = await runCli(['doctor', '--user-pool-id', POOL, '--endpoint', fixture.endpoint, '--', '-c', loginUrl], { env: cleanEnv(), cwd: dir() });
    assert.equal(r.code, 1, show(r));
    assertMark(r, 'configuration', 'FAIL', /run refuses to start: no choice made for the app client, nor for the roles/);
    assert.match(r.stdout, /--client-id '\*'/);
    // The other checks still run.
    assertMark(r, 'database', 'PASS', literal(`as ${login}`));
  });

  test('the database comes from DATABASE_URL, and the default role from the rc file', async () => {
    const cwd = dir(`module.exports = { options: { defaultRole: 'app_anonymous' } };\n`);
    const r = await doctor(allowed(), [], { env: { DATABASE_URL: loginUrl }, cwd });
    assert.equal(r.code, 0, show(r));
    assertMark(r, 'database', 'PASS', /from DATABASE_URL/, literal(`as ${login}`));
    assertMark(r, 'role app_anonymous', 'PASS', /default role, from options\.defaultRole in \.postgraphilerc\.js/);
  });

  test("as in PostGraphile, the rc file's options.connection beats DATABASE_URL and -c beats both", async () => {
    const cwd = dir(`module.exports = { options: { connection: ${JSON.stringify(loginUrl)} } };\n`);
    const dead = `postgres://nobody@127.0.0.1:${deadPort}/x`;
    const rc = await doctor(allowed(), [], { env: { DATABASE_URL: dead }, cwd });
    assertMark(rc, 'database', 'PASS', /from options\.connection in \.postgraphilerc\.js/);
    const flag = await doctor(allowed(), ['--connection', dead], { env: { DATABASE_URL: loginUrl }, cwd });
    assertMark(flag, 'database', 'FAIL', /from --connection/, /connection refused/);
  });

  test('--json prints { ok, checks } and nothing else on stdout', async () => {
    const missing = `pgc_missing_${tag}`;
    const r = await doctor(['--json', ...allowed(missing)], asLogin());
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stderr, '', show(r));
    const report = JSON.parse(r.stdout) as { ok: unknown; checks: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(report), ['ok', 'checks']);
    assert.equal(report.ok, false);
    for (const c of report.checks) {
      assert.ok(['pass', 'warn', 'fail', 'skip'].includes(c.status as string), JSON.stringify(c));
      assert.equal(typeof c.name, 'string');
      assert.equal(typeof c.detail, 'string');
      assert.ok(c.hint === undefined || typeof c.hint === 'string');
    }
    const failed = report.checks.filter((c) => c.status === 'fail');
    assert.deepEqual(failed.map((c) => c.name), [`role ${missing}`]);
    assert.match(String(failed[0]!.hint), /create role/);

    const ok = await doctor(['--json', ...allowed()], asLogin());
    assert.equal(ok.code, 0, show(ok));
    assert.equal((JSON.parse(ok.stdout) as { ok: boolean }).ok, true);
  });

  test('--help says what is checked, the order of connection sources and the exit codes; the top-level help lists doctor', async () => {
    const r = await runCli(['doctor', '--help'], { env: cleanEnv() });
    assert.equal(r.code, 0, show(r));
    for (const pattern of [/Usage: postgraphile-cognito doctor/, /--json/, /--allowed-roles/, /options\.connection, else DATABASE_URL/, /1 when a check failed/, /Examples:\n\s+\$ /]) {
      assert.match(r.stdout, pattern, show(r));
    }
    const top = await runCli(['--help'], { env: cleanEnv() });
    assert.match(top.stdout, /\bdoctor\b/, show(top));
    assert.match(top.stdout, /`doctor` exits 1 when a check fails/, show(top));
  });

  test('usage errors stay exit 2', async () => {
    const unknown = await runCli(['doctor', '--nope'], { env: cleanEnv(), cwd: dir() });
    assert.equal(unknown.code, 2, show(unknown));
    const stray = await runCli(['doctor', 'stray', '--', '-c', 'x'], { env: cleanEnv(), cwd: dir() });
    assert.equal(stray.code, 2, show(stray));
    assert.match(stray.stderr, /the commands are .*doctor/);
  });
});
