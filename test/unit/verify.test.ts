import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { resolveConfig } from '../../src/config/resolve';
import { RawSettings } from '../../src/config/types';
import { KeyCache } from '../../src/jwks/cache';
import { CognitoVerifier, MAX_TOKEN_LENGTH, TokenRejectedError } from '../../src/verify';
import { pemOf } from '../../src/jwks';
import { b64url, jwksOf, nowSeconds, sharedKey, signToken, TestKey } from './helpers';

const k1 = sharedKey('k1');
const k2 = sharedKey('k2');
const stranger = sharedKey('stranger');
const SUB = 'sub-7f3a9c21-secret-value';
const USERNAME = 'alice-private-name';

function configOf(flags: RawSettings = {}) {
  return resolveConfig({ flags: { userPoolId: 'local_pool1', endpoint: 'http://127.0.0.1:9', clientId: '*', allowedRoles: '*', ...flags } }).config;
}

/** A verifier over a cache primed with k1 and k2; its loader serves the same keys and counts calls. */
function verifierOf(flags: RawSettings = {}) {
  const config = configOf(flags);
  const loads = { count: 0 };
  const cache = new KeyCache(async () => {
    loads.count++;
    return jwksOf(k1, k2);
  });
  cache.prime(jwksOf(k1, k2));
  return { verifier: new CognitoVerifier(config, cache), config, loads };
}

const ISSUER = configOf().issuer;

function accessClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: SUB,
    iss: ISSUER,
    token_use: 'access',
    client_id: 'client1',
    username: USERNAME,
    scope: 'aws.cognito.signin.user.admin',
    'cognito:groups': ['app_user'],
    iat: nowSeconds(),
    exp: nowSeconds() + 3600,
    ...extra,
  };
}

function idClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: SUB,
    iss: ISSUER,
    token_use: 'id',
    aud: 'client1',
    'cognito:username': USERNAME,
    email: 'alice@example.com',
    email_verified: true,
    iat: nowSeconds(),
    exp: nowSeconds() + 3600,
    ...extra,
  };
}

const sign = (claims: Record<string, unknown>, key: TestKey = k1, kid?: string) => signToken(claims, key, kid);

/** Every rejection seen, to check later that none leaks token content. */
const seenErrors: { token: string; error: TokenRejectedError }[] = [];

async function rejects(verifier: CognitoVerifier, token: string, statusCode: number, reason?: RegExp): Promise<TokenRejectedError> {
  let caught: unknown;
  try {
    await verifier.verify(token);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TokenRejectedError, `expected a TokenRejectedError, got ${String(caught)}`);
  assert.equal(caught.statusCode, statusCode, `status for reason "${caught.reason}"`);
  if (reason) assert.match(caught.reason, reason);
  assert.equal(caught.message, statusCode === 401 ? 'jwt expired' : statusCode === 503 ? 'signing keys are not available yet' : `jwt rejected: ${caught.reason}`);
  seenErrors.push({ token, error: caught });
  return caught;
}

describe('CognitoVerifier: accepted tokens', () => {
  test('a valid access token is accepted and its claims returned, frozen', async () => {
    const { verifier } = verifierOf();
    const claims = accessClaims();
    const result = await verifier.verify(sign(claims));
    assert.deepEqual(result, claims);
    assert.ok(Object.isFrozen(result));
  });

  test('a token signed by either pool key is accepted', async () => {
    const { verifier, loads } = verifierOf();
    assert.equal((await verifier.verify(sign(accessClaims(), k2))).sub, SUB);
    assert.equal((await verifier.verify(sign(accessClaims(), k1))).sub, SUB);
    assert.equal(loads.count, 0, 'known kids need no fetch');
  });

  test('a valid id token is accepted with tokenUse any', async () => {
    const { verifier } = verifierOf({ tokenUse: 'any' });
    const claims = idClaims();
    assert.deepEqual(await verifier.verify(sign(claims)), claims);
    assert.equal((await verifier.verify(sign(accessClaims()))).token_use, 'access');
  });

  test('a valid id token is accepted with tokenUse id', async () => {
    const { verifier } = verifierOf({ tokenUse: 'id', clientId: 'client1' });
    assert.equal((await verifier.verify(sign(idClaims()))).aud, 'client1');
  });

  test('a large but legitimate token under the size limit is accepted', async () => {
    const { verifier } = verifierOf();
    const groups = Array.from({ length: 300 }, (_, i) => `group_${i}`);
    const token = sign(accessClaims({ 'cognito:groups': groups }));
    assert.ok(token.length > 4096 && token.length < MAX_TOKEN_LENGTH, `token length ${token.length}`);
    assert.deepEqual((await verifier.verify(token))['cognito:groups'], groups);
  });
});

describe('CognitoVerifier: token use and client', () => {
  test('an id token is refused when only access tokens are accepted', async () => {
    const { verifier } = verifierOf();
    await rejects(verifier, sign(idClaims()), 403, /token_use is id/);
  });

  test('an access token is refused when only id tokens are accepted', async () => {
    const { verifier } = verifierOf({ tokenUse: 'id' });
    await rejects(verifier, sign(accessClaims()), 403, /token_use is access/);
  });

  test("token_use 'refresh' or a missing token_use is refused, whatever is accepted", async () => {
    for (const tokenUse of ['access', 'id', 'any']) {
      const { verifier } = verifierOf({ tokenUse });
      await rejects(verifier, sign(accessClaims({ token_use: 'refresh' })), 403, /token_use/);
      await rejects(verifier, sign(accessClaims({ token_use: undefined })), 403, /token_use/);
      await rejects(verifier, sign(accessClaims({ token_use: ['access'] })), 403, /token_use/);
    }
  });

  test('the client id of an access token is checked against client_id', async () => {
    const { verifier } = verifierOf({ clientId: 'client1,client2' });
    assert.equal((await verifier.verify(sign(accessClaims({ client_id: 'client2' })))).client_id, 'client2');
    await rejects(verifier, sign(accessClaims({ client_id: 'other' })), 403, /client_id/);
    await rejects(verifier, sign(accessClaims({ client_id: undefined })), 403, /client_id/);
    // An aud claim naming the client does not stand in for client_id on an access token.
    await rejects(verifier, sign(accessClaims({ client_id: 'other', aud: 'client1' })), 403, /client_id/);
  });

  test('the client id of an id token is checked against aud', async () => {
    const { verifier } = verifierOf({ tokenUse: 'any', clientId: 'client1' });
    assert.equal((await verifier.verify(sign(idClaims({ aud: ['x', 'client1'] })))).sub, SUB);
    await rejects(verifier, sign(idClaims({ aud: 'other' })), 403, /aud/);
    await rejects(verifier, sign(idClaims({ aud: undefined })), 403, /aud/);
    // client_id naming the client does not stand in for aud on an id token.
    await rejects(verifier, sign(idClaims({ aud: 'other', client_id: 'client1' })), 403, /aud/);
  });

  test("with client id '*' every client is accepted", async () => {
    const { verifier } = verifierOf({ tokenUse: 'any', clientId: '*' });
    assert.equal((await verifier.verify(sign(accessClaims({ client_id: 'anything' })))).client_id, 'anything');
    assert.equal((await verifier.verify(sign(idClaims({ aud: 'whatever' })))).aud, 'whatever');
  });

  test('with no client id chosen, no token passes (the servers refuse to start; this fails closed)', async () => {
    const config = resolveConfig({ flags: { userPoolId: 'local_pool1', endpoint: 'http://127.0.0.1:9', tokenUse: 'any' } }).config;
    const cache = new KeyCache(async () => jwksOf(k1, k2));
    cache.prime(jwksOf(k1, k2));
    const verifier = new CognitoVerifier(config, cache);
    await rejects(verifier, sign(accessClaims()), 403, /app client/);
    await rejects(verifier, sign(idClaims()), 403, /app client/);
  });
});

describe('CognitoVerifier: time', () => {
  test('an expired token is a 401', async () => {
    const { verifier } = verifierOf();
    await rejects(verifier, sign(accessClaims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 })), 401, /expired/);
  });

  test('a token expired 3 s ago is accepted with tolerance 5 and refused with tolerance 0', async () => {
    const token = sign(accessClaims({ iat: nowSeconds() - 600, exp: nowSeconds() - 3 }));
    const lenient = verifierOf({ clockTolerance: '5' }).verifier;
    assert.equal((await lenient.verify(token)).sub, SUB);
    const strict = verifierOf({ clockTolerance: '0' }).verifier;
    await rejects(strict, token, 401);
  });

  test('the default tolerance (5 s) applies', async () => {
    const { verifier, config } = verifierOf();
    assert.equal(config.clockTolerance, 5);
    assert.equal((await verifier.verify(sign(accessClaims({ exp: nowSeconds() - 2 })))).sub, SUB);
    await rejects(verifier, sign(accessClaims({ exp: nowSeconds() - 30 })), 401);
  });

  test('nbf in the future is a 403', async () => {
    const { verifier } = verifierOf();
    await rejects(verifier, sign(accessClaims({ nbf: nowSeconds() + 600 })), 403, /nbf/);
  });

  test('a token without exp is refused', async () => {
    const { verifier } = verifierOf();
    const claims = accessClaims();
    delete claims.exp;
    const token = jwt.sign(claims, k1.privateKey, { algorithm: 'RS256', keyid: 'k1' });
    assert.equal(jwt.decode(token, { json: true })?.exp, undefined);
    await rejects(verifier, token, 403, /exp/);
  });

  test('a non-numeric exp is refused', async () => {
    const { verifier } = verifierOf();
    const claims = accessClaims({ exp: 'tomorrow' });
    // jsonwebtoken.sign refuses such a payload, so build the token by hand.
    const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64url(claims)}`;
    const { createSign } = await import('node:crypto');
    const signature = createSign('RSA-SHA256').update(input).sign(k1.privateKey).toString('base64url');
    await rejects(verifier, `${input}.${signature}`, 403);
  });
});

describe('CognitoVerifier: signature, algorithm, key and issuer', () => {
  test('a wrong issuer is a 403', async () => {
    const { verifier } = verifierOf();
    for (const iss of ['http://127.0.0.1:9/local_pool2', 'https://cognito-idp.eu-west-1.amazonaws.com/local_pool1', `${ISSUER}/`, undefined]) {
      await rejects(verifier, sign(accessClaims({ iss })), 403, /issuer|verified/);
    }
  });

  test("alg 'none' is a 403", async () => {
    const { verifier } = verifierOf();
    const token = `${b64url({ alg: 'none', kid: 'k1' })}.${b64url(accessClaims())}.`;
    await rejects(verifier, token, 403, /RS256/);
  });

  test('an HS256 token whose secret is the PEM text of a pool key is a 403', async () => {
    const { verifier } = verifierOf();
    const pem = pemOf(k1.jwk);
    const input = `${b64url({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64url(accessClaims())}`;
    const signature = createHmac('sha256', pem).update(input).digest('base64url');
    await rejects(verifier, `${input}.${signature}`, 403, /RS256/);
  });

  test('an RS512 token signed with the right key is a 403 (alg pinned)', async () => {
    const { verifier } = verifierOf();
    const token = jwt.sign(accessClaims(), k1.privateKey, { algorithm: 'RS512', keyid: 'k1' });
    await rejects(verifier, token, 403, /RS256/);
  });

  test('a tampered payload is a 403', async () => {
    const { verifier } = verifierOf();
    const [header, , signature] = sign(accessClaims()).split('.');
    const forged = `${header}.${b64url(accessClaims({ 'cognito:groups': ['app_admin'] }))}.${signature}`;
    await rejects(verifier, forged, 403, /signature/);
  });

  test('a tampered signature is a 403', async () => {
    const { verifier } = verifierOf();
    const token = sign(accessClaims());
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    await rejects(verifier, `${token.slice(0, -2)}${last}${token.at(-1)}`, 403);
  });

  test('the right kid with the wrong key (signed with k2, header kid k1) is a 403', async () => {
    const { verifier } = verifierOf();
    await rejects(verifier, sign(accessClaims(), k2, 'k1'), 403, /signature/);
  });

  test('a token signed by a key outside the pool, under a pool kid, is a 403', async () => {
    const { verifier } = verifierOf();
    await rejects(verifier, sign(accessClaims(), stranger, 'k2'), 403, /signature/);
  });

  test('an unknown kid is a 403', async () => {
    const { verifier } = verifierOf();
    await rejects(verifier, sign(accessClaims(), stranger), 403, /unknown kid/);
  });

  test('a header without kid is a 403', async () => {
    const { verifier } = verifierOf();
    const token = jwt.sign(accessClaims(), k1.privateKey, { algorithm: 'RS256' });
    await rejects(verifier, token, 403, /kid/);
  });

  test('within the refetch window after start-up, an unknown kid causes no fetch', async () => {
    const { verifier, loads } = verifierOf();
    // The cache was primed just now, so the window is closed: no fetch at all.
    for (let i = 0; i < 10; i++) await rejects(verifier, sign(accessClaims(), stranger, `random-${i}`), 403);
    assert.equal(loads.count, 0);
  });

  test('while no key could ever be loaded, the answer is 503', async () => {
    const config = configOf();
    const cache = new KeyCache(
      async () => {
        throw new Error('JWKS endpoint down');
      },
      { onFetchError: () => {} },
    );
    const verifier = new CognitoVerifier(config, cache);
    await rejects(verifier, sign(accessClaims()), 503);
  });
});

describe('CognitoVerifier: junk', () => {
  test('junk strings are a 403', async () => {
    const { verifier } = verifierOf();
    for (const junk of ['', 'abc', 'a.b.c', '....', 'a.b', `${b64url({ alg: 'RS256', kid: 'k1' })}.bm90IGpzb24.x`, ' ', 'Bearer x.y.z']) {
      await rejects(verifier, junk, 403);
    }
  });

  test('non-string input is a 403', async () => {
    const { verifier } = verifierOf();
    for (const junk of [undefined, null, 42, { token: 'x' }]) {
      await rejects(verifier, junk as unknown as string, 403);
    }
  });

  test('a 20 kB token is a 403 before any decoding', async () => {
    const { verifier } = verifierOf();
    const token = sign(accessClaims({ padding: 'x'.repeat(20_000) }));
    assert.ok(token.length > MAX_TOKEN_LENGTH);
    await rejects(verifier, token, 403, /too large/);
  });
});

describe('CognitoVerifier: error messages', () => {
  test('no rejection message or reason contains the token or a claim value', async () => {
    const { verifier } = verifierOf({ clientId: 'client1' });
    // Make sure the interesting cases are in the list even if run alone.
    await rejects(verifier, sign(accessClaims({ client_id: 'other' })), 403);
    await rejects(verifier, sign(accessClaims({ iss: `https://evil.example/${SUB}` })), 403);
    await rejects(verifier, sign(idClaims()), 403);
    await rejects(verifier, sign(accessClaims({ exp: nowSeconds() - 600 })), 401);
    await rejects(verifier, sign(accessClaims(), stranger, SUB), 403);
    assert.ok(seenErrors.length >= 5);
    for (const { token: raw, error } of seenErrors) {
      const token = typeof raw === 'string' ? raw : '';
      for (const text of [error.message, error.reason, String(error.stack ?? '')]) {
        for (const secret of [SUB, USERNAME, 'alice@example.com', 'evil.example']) {
          assert.ok(!text.includes(secret), `"${text}" leaks ${secret}`);
        }
        if (token.length >= 8) assert.ok(!text.includes(token), `"${text}" leaks the token`);
        for (const part of token.split('.')) {
          if (part.length >= 8) assert.ok(!text.includes(part), `"${text}" leaks a token part`);
        }
      }
    }
  });
});

describe('CognitoVerifier: refusal codes and claim types', () => {
  const code = async (verifier: CognitoVerifier, token: string) => (await rejects(verifier, token, 403)).code;

  test('each refusal carries a code callers can tell apart', async () => {
    const { verifier } = verifierOf({ tokenUse: 'access', clientId: 'client1' });
    assert.equal(await code(verifier, 'junk'), 'malformed');
    assert.equal(await code(verifier, sign(accessClaims(), k1, 'nope')), 'unknown_kid');
    assert.equal(await code(verifier, sign(accessClaims(), k2, 'k1')), 'invalid_signature');
    assert.equal(await code(verifier, sign(accessClaims({ iss: 'http://127.0.0.1:9/local_other' }))), 'issuer');
    assert.equal(await code(verifier, sign(idClaims())), 'token_use');
    assert.equal(await code(verifier, sign(accessClaims({ client_id: 'other' }))), 'client');
    const expired = await rejects(verifier, sign(accessClaims({ exp: nowSeconds() - 600 })), 401);
    assert.equal(expired.code, 'expired');
  });

  test('claims of the wrong JWT type are refused, as aws-jwt-verify does', async () => {
    const { verifier } = verifierOf({ tokenUse: 'any', clientId: 'client1' });
    // Signed as a string payload: jsonwebtoken's sign would refuse these claim types itself.
    const signRaw = (claims: Record<string, unknown>) => jwt.sign(JSON.stringify(claims), k1.privateKey, { algorithm: 'RS256', keyid: 'k1' });
    for (const bad of [{ client_id: ['client1'] }, { iat: 'yesterday' }, { nbf: '0' }, { sub: 42 }, { token_use: ['access'] }]) {
      const error = await rejects(verifier, signRaw(accessClaims(bad)), 403);
      assert.equal(error.code, 'claim_types', JSON.stringify(bad));
    }
    assert.equal((await rejects(verifier, signRaw(idClaims({ aud: [1] })), 403)).code, 'claim_types');
    for (const bad of [{ scope: ['a'] }, { jti: 7 }]) {
      assert.equal((await rejects(verifier, signRaw(accessClaims(bad)), 403)).code, 'claim_types', JSON.stringify(bad));
    }
    // exp 1e400 is Infinity once parsed: a token that would never expire.
    const forever = JSON.stringify(accessClaims()).replace(/"exp":\d+/, '"exp":1e400');
    assert.match(forever, /1e400/);
    const neverExpires = jwt.sign(forever, k1.privateKey, { algorithm: 'RS256', keyid: 'k1' });
    assert.equal((await rejects(verifier, neverExpires, 403)).code, 'claim_types');
    // An aud list of strings is valid JWT, and the client is looked for in it.
    const claims = await verifier.verify(sign(idClaims({ aud: ['other', 'client1'] })));
    assert.equal(claims.sub, SUB);
  });
});
