import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/resolve';
import { RawSettings } from '../../src/config/types';
import { Gate } from '../../src/gate';
import { Verdict } from '../../src/gate/check';
import { VerdictCache } from '../../src/gate/verdicts';
import { givenKeys } from '../../src/jwks';
import * as log from '../../src/log';
import { TokenRejectedError } from '../../src/verify';
import { until } from '../helpers/process';
import { jwksOf, nowSeconds, sharedKey, signToken } from './helpers';

const k1 = sharedKey('k1');
const k2 = sharedKey('k2');
const POOL = 'local_verdicts1';
const ENDPOINT = 'http://127.0.0.1:9';
const ISSUER = `${ENDPOINT}/${POOL}`;

function configOf(flags: RawSettings = {}) {
  return resolveConfig({ flags: { userPoolId: POOL, endpoint: ENDPOINT, clientId: 'client1', allowedRoles: 'app_user', ...flags } }).config;
}

/** A gate over k1 and k2, given at start (no fetch). */
function gateOf(flags: RawSettings = {}) {
  const config = configOf(flags);
  return Gate.open({ config, keys: [givenKeys(config.issuers[0]!, jwksOf(k1, k2))] });
}

const access = (sub: string, extra: Record<string, unknown> = {}, key = k1) =>
  signToken({ sub, iss: ISSUER, token_use: 'access', client_id: 'client1', exp: nowSeconds() + 3600, ...extra }, key);

/** A verdict as checkToken makes them, for the cache on its own. */
function verdictOf(sub: string, claims: Record<string, unknown> = {}, kid = 'k1'): Verdict {
  const config = configOf();
  return { claims: Object.freeze({ sub, exp: 2_000, ...claims }), role: null, settings: Object.freeze({ 'jwt.claims': JSON.stringify({ sub }), 'jwt.claims.sub': sub }), issuer: config.issuers[0]!, kid };
}

before(() => log.setQuiet(true));

describe('VerdictCache on its own', () => {
  test('a hit is the very verdict put; another token (another user) never shares it', () => {
    const cache = new VerdictCache({ maxEntries: 10, clockTolerance: 0, now: () => 1_000_000 });
    const alice = verdictOf('alice');
    const bob = verdictOf('bob');
    cache.put('token-a', alice);
    cache.put('token-b', bob);
    assert.equal(cache.get('token-a'), alice);
    assert.equal(cache.get('token-b'), bob);
    assert.equal(cache.get('token-c'), null);
    // The whole token is the key: one character more is another token.
    assert.equal(cache.get('token-a '), null);
  });

  test('exp and nbf are checked on every hit, as jsonwebtoken checks them: the same second, with the tolerance', () => {
    let now = 1_990_000;
    const cache = new VerdictCache({ maxEntries: 10, clockTolerance: 5, now: () => now });
    cache.put('t', verdictOf('u', { exp: 2_000 }));
    now = 2_004_999; // 2004 < 2000 + 5
    assert.ok(cache.get('t'));
    now = 2_005_000; // 2005 >= 2000 + 5: jsonwebtoken says expired here
    assert.equal(cache.get('t'), null);
    assert.equal(cache.size, 0, 'an expired verdict is dropped');
    // A clock set back before nbf (beyond the tolerance) refuses too.
    now = 1_000_000;
    cache.put('n', verdictOf('u', { exp: 2_000, nbf: 1_500 }));
    assert.equal(cache.get('n'), null);
  });

  test('bounded in entries: the least recently used goes first', () => {
    const cache = new VerdictCache({ maxEntries: 3, clockTolerance: 0, now: () => 1_000_000 });
    for (const name of ['a', 'b', 'c']) cache.put(name, verdictOf(name));
    assert.ok(cache.get('a'), 'a used again');
    cache.put('d', verdictOf('d'));
    assert.equal(cache.size, 3);
    assert.equal(cache.get('b'), null, 'b, the least recently used, went');
    assert.ok(cache.get('a') && cache.get('c') && cache.get('d'));
  });

  test('bounded in memory: a flood of big distinct tokens never passes the bound', () => {
    const maxBytes = 256 * 1024;
    const cache = new VerdictCache({ maxEntries: 1_000_000, clockTolerance: 0, maxBytes, now: () => 1_000_000 });
    const padding = 'p'.repeat(4000);
    for (let i = 0; i < 2000; i++) {
      const claims = { sub: `u${i}`, padding };
      cache.put(`token-${i}`, { ...verdictOf(`u${i}`), settings: Object.freeze({ 'jwt.claims': JSON.stringify(claims), 'jwt.claims.padding': padding }) });
      assert.ok(cache.footprint <= maxBytes, `${cache.footprint} bytes after ${i + 1} tokens`);
    }
    assert.ok(cache.size > 0 && cache.size < 2000);
    assert.ok(cache.get('token-1999'), 'the newest is kept');
  });

  test('0 turns it off', () => {
    const cache = new VerdictCache({ maxEntries: 0, clockTolerance: 0, now: () => 1_000_000 });
    cache.put('t', verdictOf('u'));
    assert.equal(cache.get('t'), null);
    assert.equal(cache.size, 0);
  });

  test('a key that leaves takes exactly the verdicts it verified', () => {
    const cache = new VerdictCache({ maxEntries: 10, clockTolerance: 0, now: () => 1_000_000 });
    cache.put('by-k1', verdictOf('a', {}, 'k1'));
    cache.put('by-k2', verdictOf('b', {}, 'k2'));
    cache.dropKeys(ISSUER, ['k1']);
    assert.equal(cache.get('by-k1'), null);
    assert.ok(cache.get('by-k2'));
    cache.dropKeys('http://other/issuer', ['k2']);
    assert.ok(cache.get('by-k2'), "another issuer's k2 is another key");
  });
});

describe('the gate with its verdict cache', () => {
  test('a repeated token is verified once; its verdict is the same as the first', async () => {
    const gate = gateOf();
    const token = access('alice');
    const first = await gate.authenticate(token);
    assert.equal(gate.verdicts.size, 1);
    const again = await gate.authenticate(token);
    assert.equal(again, first);
    assert.equal((await gate.authenticate(access('bob'))).claims.sub, 'bob');
    assert.equal(gate.verdicts.size, 2);
  });

  test('refusals are never cached: a refused token stays refused, and leaves no entry', async () => {
    const gate = gateOf();
    const token = access('mallory', { client_id: 'other' });
    for (let i = 0; i < 3; i++) await assert.rejects(gate.authenticate(token), (e: TokenRejectedError) => e.code === 'client');
    assert.equal(gate.verdicts.size, 0);
  });

  test('a key that leaves the JWKS (a refetch without it) drops its verdicts at once: the token is refused after', async () => {
    const gate = gateOf();
    const byK1 = access('alice', {}, k1);
    const byK2 = access('bob', {}, k2);
    await gate.authenticate(byK1);
    await gate.authenticate(byK2);
    // What a refetch does when k1 is gone from the pool's JWKS.
    gate.keys.get(ISSUER)!.prime(jwksOf(k2));
    assert.equal(gate.verdicts.size, 1);
    await assert.rejects(gate.authenticate(byK1), (e: TokenRejectedError) => e.code === 'unknown_kid');
    assert.equal((await gate.authenticate(byK2)).claims.sub, 'bob');
  });

  test('a 404 (the pool is gone) drops every verdict', async () => {
    const gate = gateOf();
    await gate.authenticate(access('alice'));
    gate.keys.get(ISSUER)!.clear();
    assert.equal(gate.verdicts.size, 0);
  });

  test('an expired token is refused as expired, cached or not', async () => {
    const gate = gateOf({ clockTolerance: '0' });
    // exp is 1 to 2 s away (nowSeconds() rounds down): the first call is in time, and the cache must not outlive exp.
    const exp = nowSeconds() + 2;
    const token = access('alice', { exp });
    await gate.authenticate(token);
    assert.equal(gate.verdicts.size, 1);
    await until(() => nowSeconds() >= exp, 'the token to expire', 5_000);
    await assert.rejects(gate.authenticate(token), (e: TokenRejectedError) => e.code === 'expired');
  });

  test('--token-cache 0: nothing is kept', async () => {
    const gate = gateOf({ tokenCache: '0' });
    await gate.authenticate(access('alice'));
    assert.equal(gate.verdicts.size, 0);
  });

  test('a gate with another configuration has its own cache: a verdict of one never serves the other', async () => {
    const open = gateOf();
    const strict = gateOf({ clientId: 'client2' });
    const token = access('alice');
    await open.authenticate(token);
    await assert.rejects(strict.authenticate(token), (e: TokenRejectedError) => e.code === 'client');
  });
});
