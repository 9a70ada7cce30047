/**
 * One server, several trusted issuers: a Cognito pool on AWS host names in
 * its UPDATED issuer form (through a loopback CONNECT proxy and a test CA),
 * an emulator's pool (our JWKS fixture) and a real OpenID provider
 * (oidc-provider), each with its own clients or audience, roles and key
 * cache. Also `verify` and `doctor` on the two Cognito issuer forms.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SigningKey } from '../../src/issuer';
import { AwsCognitoStandIn } from '../helpers/aws-cognito';
import { cleanEnv, emptyCacheDir, runCli } from '../helpers/cli';
import { show } from '../helpers/cli-assert';
import { createTestDatabase, TestDatabase } from '../helpers/db';
import { accessClaims, JwksFixture } from '../helpers/jwks-server';
import { MACHINE_CLIENT, OidcProvider, WEB_CLIENT } from '../helpers/oidc';
import { RunningServer, startServer } from '../helpers/server';
import { haveOpenssl, OPENSSL } from '../helpers/tls';

const REGION = 'eu-west-1';
const NO_OPENSSL = `openssl not found at ${OPENSSL}; cannot make a test certificate`;
const original = (pool: string) => `https://cognito-idp.${REGION}.amazonaws.com/${pool}`;
const updated = (pool: string) => `https://issuer-cognito-idp.${REGION}.amazonaws.com/${pool}`;

function awsAccessToken(key: SigningKey, iss: string, clientId: string, extra: Record<string, unknown> = {}): string {
  return key.sign({ ...accessClaims('staff-1', { client_id: clientId, ...extra }), iss }, { expiresIn: '1h' });
}

describe('the two Cognito issuer forms, on AWS host names', () => {
  const POOL = 'eu-west-1_Forms1';
  let tmp: string;
  let aws: AwsCognitoStandIn | null = null;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-forms-'));
    if (haveOpenssl()) aws = await AwsCognitoStandIn.start(tmp, REGION, ['forms-key']);
  });

  after(async () => {
    await aws?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const verify = (token: string, cacheDir = emptyCacheDir()) =>
    runCli(['verify', '--json', '--user-pool-id', POOL, '--client-id', 'c1', '--allowed-roles', '*', '--cache-dir', cacheDir, token], { env: cleanEnv(aws!.env()), cwd: tmp });

  test('a token of either form verifies, each with the keys of its own host; another pool is refused by name', async (t) => {
    if (!aws) return t.skip(NO_OPENSSL);
    aws.modes.clear();
    const key = aws.keys[0]!;
    for (const [iss, host] of [[updated(POOL), aws.updatedHost], [original(POOL), aws.originalHost]] as const) {
      const before = aws.requestsTo(host);
      const r = await verify(awsAccessToken(key, iss, 'c1'));
      assert.equal(r.code, 0, show(r));
      const report = JSON.parse(r.stdout);
      assert.equal(report.issuer, iss);
      assert.equal(report.settings['jwt.issuer.id'], POOL);
      assert.ok(aws.requestsTo(host) > before, `no request to ${host}`);
    }
    const other = await verify(awsAccessToken(key, updated('eu-west-1_Other9'), 'c1'));
    assert.equal(other.code, 4, show(other));
    assert.match(JSON.parse(other.stdout).detail, new RegExp(`issuer "${updated('eu-west-1_Other9')}" is not trusted \\(expected ${original(POOL)}, ${updated(POOL)}\\)`));
  });

  test('doctor and keys say which form tokens use: UPDATED when its host serves keys, else ORIGINAL', async (t) => {
    if (!aws) return t.skip(NO_OPENSSL);
    const doctor = async () => {
      const r = await runCli(['doctor', '--json', '--user-pool-id', POOL, '--client-id', 'c1', '--allowed-roles', '*', '--cache-dir', emptyCacheDir()], { env: cleanEnv(aws!.env()), cwd: tmp });
      return JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === `issuer form of ${POOL}`) as { status: string; detail: string };
    };
    aws.modes.clear();
    const switched = await doctor();
    assert.equal(switched.status, 'pass');
    assert.match(switched.detail, new RegExp(`^tokens use the UPDATED issuer ${updated(POOL)}; the ORIGINAL ${original(POOL)} is accepted too`));
    const keys = await runCli(['keys', '--user-pool-id', POOL, '--cache-dir', emptyCacheDir()], { env: cleanEnv(aws.env()), cwd: tmp });
    assert.match(keys.stdout, /^KID +ALG +KTY +USE +ISSUER$/m, show(keys));
    assert.match(keys.stdout, new RegExp(`^forms-key +RS256 +RSA +sig +${updated(POOL)}$`, 'm'));

    aws.modes.set(aws.updatedHost, 'forbidden');
    const notSwitched = await doctor();
    assert.equal(notSwitched.status, 'pass');
    assert.match(notSwitched.detail, new RegExp(`^tokens use the ORIGINAL issuer ${original(POOL)}; the UPDATED issuer's JWKS answered HTTP 403.*, so the pool is not switched to it`));
    const one = await runCli(['keys', '--user-pool-id', POOL, '--cache-dir', emptyCacheDir()], { env: cleanEnv(aws.env()), cwd: tmp });
    assert.match(one.stdout, /^KID +ALG +KTY +USE$/m, show(one));
    aws.modes.clear();
  });
});

describe('one server trusting two pools (one in the UPDATED form) and an OpenID provider', () => {
  const STAFF = 'eu-west-1_Staff1';
  const TENANT = 'local_tenant1';
  const RESOURCE = 'https://notes.example.test';
  const WHO = '{ trusted }';
  let tmp: string;
  let db: TestDatabase;
  let aws: AwsCognitoStandIn | null = null;
  let tenant: JwksFixture;
  let oidc: OidcProvider;
  let server: RunningServer | null = null;
  let startedAt = 0;

  type Who = { role: string; issuerId: string | null; issuerKind: string | null; iss: string | null; sub: string | null };
  const who = async (token: string): Promise<Who> => {
    const res = await server!.graphql(WHO, token);
    assert.equal(res.status, 200, res.text);
    return JSON.parse(res.body.data!.trusted as string) as Who;
  };
  const refused = async (token: string, reason: RegExp) => {
    const res = await server!.graphql(WHO, token);
    assert.equal(res.status, 403, res.text);
    assert.match(res.body.errors?.[0]?.message ?? '', reason);
  };
  const tenantToken = (kid: 'tenant-key', extra: Record<string, unknown> = {}) =>
    tenant.sign(kid, accessClaims('tenant-user', { client_id: 'tenantweb', scope: 'api/read', ...extra }), { issuer: tenant.issuer(TENANT) });
  const traffic = () => [tenant.requests, aws!.requests.length, oidc.requests.length];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-issuers-'));
    if (!haveOpenssl()) return;
    [db, aws, tenant, oidc] = await Promise.all([
      createTestDatabase('issuers'),
      AwsCognitoStandIn.start(tmp, REGION, ['staff-key']),
      JwksFixture.start(['tenant-key']),
      OidcProvider.start({ resource: RESOURCE, scopes: ['notes:read'], userClaims: { realm_access: { roles: ['offline_access', 'app_user'] } } }),
    ]);
    await db.query(`
      create function trusted() returns json language sql stable as $$
        select json_build_object('role', current_user, 'issuerId', current_setting('jwt.issuer.id', true),
          'issuerKind', current_setting('jwt.issuer.kind', true), 'iss', current_setting('jwt.claims.iss', true),
          'sub', current_setting('jwt.claims.sub', true))
      $$;
      grant execute on function trusted() to app_anonymous, app_user, app_admin, app_staff;`);
    const rc = {
      cognito: {
        pools: [
          { userPoolId: STAFF, clientId: 'staffclient', allowedRoles: ['app_admin'] },
          { userPoolId: TENANT, endpoint: tenant.endpoint, clientId: ['tenantweb', 'tenantm2m'], allowedRoles: ['app_user', 'app_staff'], scope: 'api/read', clientRoles: { tenantm2m: 'app_staff' } },
        ],
        issuers: [{ issuer: oidc.issuer, audience: [RESOURCE, WEB_CLIENT], roleClaim: 'realm_access,roles', allowedRoles: ['app_user', 'app_staff'], clientRoles: { [MACHINE_CLIENT]: 'app_staff' } }],
        cacheDir: emptyCacheDir(),
      },
    };
    fs.writeFileSync(path.join(tmp, '.postgraphilerc.js'), `module.exports = ${JSON.stringify(rc, null, 2)};\n`);
    startedAt = Date.now();
    server = await startServer({ cwd: tmp, env: cleanEnv(aws.env()), postgraphileArgs: ['-c', db.url, '--default-role', 'app_anonymous'] });
  });

  after(async () => {
    await server?.stop();
    await Promise.all([aws?.close(), tenant?.close(), oidc?.close()]);
    await db?.drop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the start-up lines name each pool and issuer, and the form the AWS pool uses', async (t) => {
    if (!server) return t.skip(NO_OPENSSL);
    const out = await server.said(/; PostGraphile/);
    assert.match(out, new RegExp(`user pool ${STAFF} \\(tokens use the UPDATED issuer ${updated(STAFF)}; the ORIGINAL ${original(STAFF)} is accepted too\\): access tokens, app client check on \\(1 client\\), kids \\[staff-key\\] fetched`));
    assert.match(out, new RegExp(`user pool ${TENANT} \\(issuer ${tenant.issuer(TENANT)}\\): access tokens, app client check on \\(2 clients\\), scope required \\(one of api/read\\), 1 client role, kids \\[tenant-key\\] fetched`));
    assert.match(out, new RegExp(`OpenID issuer ${oidc.issuer}, keys at ${oidc.issuer}/jwks: audience check on \\(2 audiences\\), 1 client role, kids \\[oidc-rsa, oidc-ec\\] fetched \\(cache not used\\); PostGraphile`));
  });

  test('each source is accepted with its own rules, and PostgreSQL is told which one', async (t) => {
    if (!server) return t.skip(NO_OPENSSL);
    const staffKey = aws!.keys[0]!;
    const staff = await who(awsAccessToken(staffKey, updated(STAFF), 'staffclient', { 'cognito:groups': ['app_admin'] }));
    assert.deepEqual([staff.role, staff.issuerId, staff.issuerKind, staff.iss], ['app_admin', STAFF, 'cognito', updated(STAFF)]);
    // The ORIGINAL form of the same pool: the same pool in SQL.
    assert.equal((await who(awsAccessToken(staffKey, original(STAFF), 'staffclient', { 'cognito:groups': ['app_admin'] }))).issuerId, STAFF);

    const user = await who(tenantToken('tenant-key', { 'cognito:groups': ['app_user'] }));
    assert.deepEqual([user.role, user.issuerId], ['app_user', TENANT]);
    // A client-credentials token: client_id and scope, no username, no groups: its client's role.
    const machine = await who(tenantToken('tenant-key', { client_id: 'tenantm2m', sub: 'tenantm2m', username: undefined }));
    assert.deepEqual([machine.role, machine.issuerId], ['app_staff', TENANT]);

    const m2m = await who(await oidc.machineToken('notes:read'));
    assert.deepEqual([m2m.role, m2m.issuerId, m2m.issuerKind, m2m.sub], ['app_staff', oidc.issuer, 'oidc', MACHINE_CLIENT]);
    const alice = await who(await oidc.idToken('alice'));
    assert.deepEqual([alice.role, alice.issuerId, alice.sub], ['app_user', oidc.issuer, 'alice']);
  });

  test("each pool's tokens are refused when presented as another's", async (t) => {
    if (!server) return t.skip(NO_OPENSSL);
    const staffKey = aws!.keys[0]!;
    // The staff pool's key, the tenant pool's issuer: not a key of the tenant pool.
    await refused(awsAccessToken(staffKey, tenant.issuer(TENANT), 'tenantweb', { scope: 'api/read' }), /unknown kid/);
    // The tenant pool's key, the staff pool's issuer.
    await refused(tenant.sign('tenant-key', accessClaims('x', { client_id: 'staffclient' }), { issuer: updated(STAFF) }), /unknown kid/);
    // The staff pool's own token, of the tenant pool's app client.
    await refused(awsAccessToken(staffKey, updated(STAFF), 'tenantweb'), /app client is not allowed/);
    // The OpenID provider's machine client asking to be in a Cognito pool: its key is none of the pool's.
    const m2m = await oidc.machineToken('notes:read');
    const [header, , signature] = m2m.split('.');
    const asTenant = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(m2m.split('.')[1]!, 'base64url').toString()), iss: tenant.issuer(TENANT) })).toString('base64url');
    await refused(`${header}.${asTenant}.${signature}`, /algorithm is not RS256/);
  });

  test('the required scope of the tenant pool is enforced (403, reason scope)', async (t) => {
    if (!server) return t.skip(NO_OPENSSL);
    await refused(tenantToken('tenant-key', { scope: 'aws.cognito.signin.user.admin' }), /no required scope \(needs one of api\/read\)/);
  });

  test('a flood of tokens naming made-up issuers is refused with no network traffic at all', async (t) => {
    if (!server) return t.skip(NO_OPENSSL);
    const before = traffic();
    const forged = Array.from({ length: 40 }, (_, i) =>
      tenant.sign('tenant-key', accessClaims(`f${i}`), { issuer: i % 2 ? `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_Fake${i}` : `http://127.0.0.1:1/made-up-${i}`, keyid: `random-${i}` }),
    );
    const answers = await Promise.all(forged.map((token) => server!.graphql(WHO, token)));
    for (const res of answers) {
      assert.equal(res.status, 403, res.text);
      assert.match(res.body.errors?.[0]?.message ?? '', /is not trusted \(expected /);
    }
    assert.deepEqual(traffic(), before, 'a token naming an untrusted issuer caused a fetch');
  });

  test("one pool's outage and refetch window leave another's rotation alone", async (t) => {
    if (!server) return t.skip(NO_OPENSSL);
    // Every key cache counts its window (10 s) from its last fetch, at start-up: wait it out once.
    const lastFetch = Math.max(startedAt, tenant.lastRequestAt, aws!.lastRequestAt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastFetch + 10_500 - Date.now())));
    tenant.mode = 'status-500';
    const tenantBefore = tenant.requests;
    const ghost = tenant.sign('tenant-key', accessClaims('ghost', { client_id: 'tenantweb', scope: 'api/read' }), { issuer: tenant.issuer(TENANT), keyid: 'unknown-kid' });
    await refused(ghost, /unknown kid/);
    assert.equal(tenant.requests, tenantBefore + 1, 'the tenant pool refetched once');
    // The staff pool rotates in a new key: fetched through its own cache, while the tenant pool is down.
    const rotated = new SigningKey('staff-key-2');
    aws!.keys.push(rotated);
    const updatedBefore = aws!.requestsTo(aws!.updatedHost);
    const staff = await who(awsAccessToken(rotated, updated(STAFF), 'staffclient', { 'cognito:groups': ['app_admin'] }));
    assert.equal(staff.role, 'app_admin');
    assert.equal(aws!.requestsTo(aws!.updatedHost), updatedBefore + 1);
    // And the tenant pool's known key still works through its outage.
    assert.equal((await who(tenantToken('tenant-key', { 'cognito:groups': ['app_user'] }))).role, 'app_user');
    tenant.mode = 'ok';
  });
});
