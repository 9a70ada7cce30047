/**
 * One table of refusals, run against every server the project drives (the
 * v4 plugin and the v5 preset): each case a token, the status it must get,
 * and the reason the answer names; each followed by a valid request.
 */
import assert from 'node:assert/strict';
import jwk2pem from 'jwk-to-pem';
import { accessClaims, idClaims, JwksFixture } from './jwks-server';
import { RunningServer } from './server';
import { hs256WithSecret, now, signRaw, tamperPayload, unsignedToken, withKid } from './tokens';

export const WHOAMI = '{ whoami }';
/** Notes by row-level security on jwt.claims.sub (the test fixture: user-1's 'one', user-2's 'two'). */
export const NOTES = '{ allNotes(orderBy: PRIMARY_KEY_ASC) { nodes { body } } }';

type Who = Record<string, string | null>;

/** A pool on a JWKS fixture with two keys: key-a signs ID tokens, key-b access tokens, as reported for real pools. */
export class BatteryPool {
  constructor(
    readonly jwks: JwksFixture,
    readonly poolId: string,
  ) {}

  get iss(): string {
    return this.jwks.issuer(this.poolId);
  }

  idToken(sub: string, extra: Record<string, unknown> = {}): string {
    return this.jwks.sign('key-a', idClaims(sub, extra), { issuer: this.iss });
  }

  accessToken(sub: string, extra: Record<string, unknown> = {}): string {
    return this.jwks.sign('key-b', accessClaims(sub, extra), { issuer: this.iss });
  }

  /** Exactly these header and payload texts, signed by key-b: for what jsonwebtoken will not sign. */
  raw(header: Record<string, unknown>, payloadJson: string): string {
    return signRaw(this.jwks.keys.get('key-b')!.signing.privateKey, { alg: 'RS256', typ: 'JWT', kid: 'key-b', ...header }, payloadJson);
  }

  /** A pool-signed access token's payload text, with `extra` claims. */
  claimsText(extra: Record<string, unknown> = {}): string {
    return JSON.stringify({ ...accessClaims('user-1'), iss: this.iss, exp: now() + 600, ...extra });
  }
}

export interface RefusalCase {
  name: string;
  token: (pool: BatteryPool) => string;
  status: 401 | 403;
  reason: RegExp;
}

/**
 * The refusals, for a server configured with the pool's issuer, client id
 * `client1`, any token use, and allowed roles app_user, app_admin and
 * app_staff (and no other).
 */
export const REFUSALS: readonly RefusalCase[] = [
  { name: 'a group naming only a role outside the allow-list (postgres)', token: (p) => p.accessToken('r', { 'cognito:groups': ['postgres'] }), status: 403, reason: /no allowed role/ },
  { name: 'groups naming no allowed role at all', token: (p) => p.accessToken('r', { 'cognito:groups': ['hackers', 'newsletter'] }), status: 403, reason: /no allowed role/ },
  { name: 'a group named none (SET ROLE NONE)', token: (p) => p.accessToken('r', { 'cognito:groups': ['none'] }), status: 403, reason: /no allowed role/ },
  { name: 'an expired token', token: (p) => p.jwks.sign('key-b', accessClaims('x', { exp: now() - 60 }), { issuer: p.iss }), status: 401, reason: /expired/ },
  { name: 'a token not yet valid (nbf)', token: (p) => p.jwks.sign('key-b', accessClaims('x', { nbf: now() + 600 }), { issuer: p.iss }), status: 403, reason: /not yet valid/ },
  { name: "another pool's issuer", token: (p) => p.jwks.sign('key-b', accessClaims('x'), { issuer: p.jwks.issuer('local_otherpool') }), status: 403, reason: /issuer is not this user pool's \(expected http/ },
  { name: 'a token_use that is neither access nor id', token: (p) => p.accessToken('x', { token_use: 'refresh' }), status: 403, reason: /token_use/ },
  { name: "another app client's access token", token: (p) => p.accessToken('x', { client_id: 'other-client' }), status: 403, reason: /app client/ },
  { name: "another app client's ID token", token: (p) => p.idToken('x', { aud: 'other-client' }), status: 403, reason: /app client/ },
  { name: 'alg none', token: (p) => unsignedToken({ ...accessClaims('x'), iss: p.iss, exp: now() + 600 }, 'key-b'), status: 403, reason: /RS256/ },
  {
    name: 'HS256 signed with the PEM text (key confusion)',
    token: (p) => hs256WithSecret({ ...accessClaims('x'), iss: p.iss, exp: now() + 600 }, 'key-b', jwk2pem(p.jwks.keys.get('key-b')!.jwk as unknown as jwk2pem.RSA)),
    status: 403,
    reason: /RS256/,
  },
  { name: 'a tampered payload', token: (p) => tamperPayload(p.accessToken('x'), (c) => ({ ...c, sub: 'admin' })), status: 403, reason: /signature/ },
  { name: 'the right kid with the wrong key', token: (p) => withKid(p.accessToken('x'), 'key-a'), status: 403, reason: /signature/ },
  { name: 'an unknown kid', token: (p) => withKid(p.accessToken('x'), 'no-such-kid'), status: 403, reason: /unknown kid/ },
  { name: 'no kid', token: (p) => p.jwks.keys.get('key-b')!.signing.sign({ ...accessClaims('x'), iss: p.iss }, { keyid: undefined, expiresIn: '1h' }), status: 403, reason: /no kid/ },
  { name: 'exp of the wrong type', token: (p) => p.raw({}, p.claimsText({ exp: String(now() + 600) })), status: 403, reason: /exp claim has the wrong type/ },
  { name: 'cognito:groups that is not a list of strings', token: (p) => p.accessToken('x', { 'cognito:groups': 'app_admin' }), status: 403, reason: /cognito:groups claim has the wrong type/ },
  ...['junk', 'a.b.c', '...', 'eyJhbGciOiJSUzI1NiJ9.e30.', 'x'.repeat(300)].map(
    (junk): RefusalCase => ({ name: `the junk string ${JSON.stringify(junk.slice(0, 12))}`, token: () => junk, status: 403, reason: /malformed|RS256|kid/ }),
  ),
  ...['null', '[]', '42', '"text"', 'true'].map(
    (payload): RefusalCase => ({ name: `a signed payload that is ${payload}, not an object`, token: (p) => p.raw({}, payload), status: 403, reason: /malformed/ }),
  ),
  { name: 'a NUL character in a claim value', token: (p) => p.raw({}, p.claimsText({ name: 'a\u0000b' })), status: 403, reason: /cannot store/ },
  { name: 'a NUL character in sub', token: (p) => p.raw({}, p.claimsText({ sub: 'user\u0000x' })), status: 403, reason: /cannot store/ },
  { name: 'a NUL character in a claim name, nested', token: (p) => p.raw({}, p.claimsText({ nested: { ['k\u0000']: ['v'] } })), status: 403, reason: /cannot store/ },
  { name: 'an unpaired surrogate in a claim', token: (p) => p.raw({}, p.claimsText({ name: '\ud800' })), status: 403, reason: /cannot store/ },
  { name: 'a crit header', token: (p) => p.raw({ crit: ['exp'] }, p.claimsText()), status: 403, reason: /unsupported critical header/ },
];

/** A refused token gets its status, no data, our reason and none of its own content; the next valid request works. */
export async function assertRefused(server: RunningServer, pool: BatteryPool, refusal: Pick<RefusalCase, 'status' | 'reason'>, token: string): Promise<void> {
  const res = await server.graphql(WHOAMI, token);
  assert.equal(res.status, refusal.status, res.text);
  assert.ok(!res.body.data?.whoami, `data for a refused token: ${res.text}`);
  assert.match(res.body.errors?.[0]?.message ?? '', refusal.reason, res.text);
  assert.doesNotMatch(res.text, /Cannot read|TypeError|invalid byte sequence|at [\w.<>]+ \(/, 'an internal message reached the client');
  const payload = token.split('.')[1];
  if (payload && payload.length >= 16) assert.ok(!res.text.includes(payload), 'the answer echoes token content');
  const next = await server.graphql(WHOAMI, pool.accessToken('after-refusal'));
  assert.equal(next.status, 200, next.text);
  assert.equal((next.body.data!.whoami as { sub: string }).sub, 'after-refusal');
}

/** Every case of the table against `server`, each as a test of its own. */
export function refusalTests(test: (name: string, fn: () => Promise<void>) => unknown, get: () => { server: RunningServer; pool: BatteryPool }): void {
  for (const refusal of REFUSALS) {
    test(`refused: ${refusal.name} (${refusal.status})`, async () => {
      const { server, pool } = get();
      await assertRefused(server, pool, refusal, refusal.token(pool));
    });
  }
}

/**
 * Roles the database refuses (one that does not exist; postgres, which the
 * login role may not SET ROLE to) are 403 with reason role, and the log names
 * each once; a granted role still works. `server` must connect as a login
 * role that is not a superuser and has app_admin granted, and allow any role ('*').
 */
export async function assertDatabaseRoleRefusals(server: RunningServer, pool: BatteryPool): Promise<void> {
  const ghost = `pgc_ghost_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const refusal = { status: 403 as const, reason: /database refuses the role/ };
  for (let i = 0; i < 5; i++) await assertRefused(server, pool, refusal, pool.accessToken(`g${i}`, { 'cognito:groups': [ghost] }));
  await assertRefused(server, pool, refusal, pool.accessToken('p', { 'cognito:groups': ['postgres'] }));
  const log = server.output();
  assert.equal(log.split('\n').filter((line) => line.includes(ghost)).length, 1, log);
  assert.match(log, new RegExp(`the database refuses role "${ghost}" \\(role "${ghost}" does not exist\\); tokens naming it get 403`));
  assert.equal(log.split('the database refuses role "postgres"').length - 1, 1, log);
  const admin = await server.graphql(WHOAMI, pool.accessToken('adm', { 'cognito:groups': ['app_admin'] }));
  assert.equal((admin.body.data!.whoami as { role: string }).role, 'app_admin', admin.text);
}

/** A look-alike claim (SUB, Cognito:Groups, Token_Use) never supplies a registered claim's setting, nor chooses the role. */
export async function assertNoLookAlikes(server: RunningServer, pool: BatteryPool, authenticatedRole: string): Promise<void> {
  const res = await server.graphql(WHOAMI, pool.accessToken('real-sub', { SUB: 'fake-sub', 'Cognito:Groups': ['app_admin'], Token_Use: 'id' }));
  assert.equal(res.status, 200, res.text);
  const who = res.body.data!.whoami as { sub: string; groups: string | null; role: string; tokenUse: string; claims: string };
  assert.equal(who.sub, 'real-sub');
  assert.equal(who.tokenUse, 'access');
  // Unset in this transaction ('' once a pooled connection has seen the setting).
  assert.ok(!who.groups, JSON.stringify(who));
  assert.equal(who.role, authenticatedRole, 'a look-alike of cognito:groups chose the role');
  assert.equal(JSON.parse(who.claims).sub, 'real-sub');
}

/** The fixture's rows the two scenarios below read: tenant documents and two users' notes. */
export async function seedScenarioRows(query: (sql: string) => Promise<unknown>): Promise<void> {
  await query(`insert into tenant_doc (tenant, title) values ('acme', 'acme plan'), ('globex', 'globex plan')`);
  await query(`insert into note (owner_sub, body) values ('user-1', 'one'), ('user-2', 'two')`);
}

/** Every claim reaches PostgreSQL: as JSON under jwt.claims and under sanitised names; row-level security on a custom attribute. */
export async function assertClaimsInSql(server: RunningServer, pool: BatteryPool): Promise<void> {
  const token = pool.idToken('user-1', { 'custom:tenant_id': 'acme', 'cognito:groups': ['app_staff'], 'cognito:username': 'alice' });
  const res = await server.graphql(WHOAMI, token);
  assert.equal(res.status, 200, res.text);
  const w = res.body.data!.whoami as Who;
  assert.equal(w.tenant, 'acme');
  assert.equal(w.tenantFromJson, 'acme');
  assert.equal(w.username, 'alice');
  assert.equal(w.groups, '["app_staff"]');
  assert.equal(w.emailVerified, 'true');
  assert.match(w.exp!, /^\d+$/);
  const claims = JSON.parse(w.claims!);
  assert.equal(claims['custom:tenant_id'], 'acme');
  assert.deepEqual(claims['cognito:groups'], ['app_staff']);
  const docs = await server.graphql('{ allTenantDocs { nodes { title } } }', token);
  assert.deepEqual(docs.body.data?.allTenantDocs, { nodes: [{ title: 'acme plan' }] }, docs.text);
}

/** 60 concurrent requests from two users (one ID, one access token) never see each other's sub or rows. */
export async function assertNoCrossTalk(server: RunningServer, pool: BatteryPool): Promise<void> {
  const tokens = { 'user-1': pool.accessToken('user-1'), 'user-2': pool.idToken('user-2') };
  const results = await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      const sub = i % 2 ? 'user-1' : 'user-2';
      const [res, notes] = await Promise.all([server.graphql(WHOAMI, tokens[sub]), server.graphql(NOTES, tokens[sub])]);
      return { sub, seen: (res.body.data!.whoami as Who).sub, notes: notes.body.data?.allNotes };
    }),
  );
  for (const r of results) {
    assert.equal(r.seen, r.sub);
    assert.deepEqual(r.notes, { nodes: [{ body: r.sub === 'user-1' ? 'one' : 'two' }] });
  }
}
