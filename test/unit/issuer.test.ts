/**
 * The local issuer (src/issuer), over real HTTP: its JWKS passes the same
 * validation as a real pool's, and its tokens carry Cognito's claims and pass
 * the plugin's verifier configured for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { resolveConfig } from '../../src/config/resolve';
import { fetchJwks } from '../../src/jwks/fetch';
import { KeyCache } from '../../src/jwks/cache';
import { DEMO_USERS, LocalIssuer } from '../../src/issuer';
import { CognitoVerifier, TokenRejectedError } from '../../src/verify';

const POOL = 'local_Issuer1';
const CLIENT = 'issuerclient1';
const [alice, , carol] = DEMO_USERS;

function decode(token: string): { header: jwt.JwtHeader; payload: Record<string, unknown> } {
  const decoded = jwt.decode(token, { complete: true });
  assert.ok(decoded && typeof decoded.payload === 'object', 'not a JWT');
  return { header: decoded.header, payload: decoded.payload as Record<string, unknown> };
}

describe('the local issuer', () => {
  let issuer: LocalIssuer;

  before(async () => {
    issuer = await LocalIssuer.start({ poolIds: [POOL] });
  });

  after(async () => {
    await issuer?.stop();
  });

  function verifier(tokenUse: 'access' | 'id' | 'any') {
    const { config } = resolveConfig({ flags: { userPoolId: POOL, endpoint: issuer.endpoint, clientId: CLIENT, tokenUse } });
    return new CognitoVerifier(config, new KeyCache(() => fetchJwks(config.jwksUrl)));
  }

  test('serves two RS256 keys at {endpoint}/{poolId}/.well-known/jwks.json, which validate like a pool\'s', async () => {
    assert.match(issuer.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    const jwks = await fetchJwks(`${issuer.endpoint}/${POOL}/.well-known/jwks.json`);
    assert.deepEqual(jwks.skipped, []);
    assert.deepEqual(
      jwks.keys.map((k) => k.jwk.kid),
      issuer.keys.map((k) => k.kid),
    );
    assert.equal(jwks.keys.length, 2);
    assert.notEqual(jwks.keys[0]!.jwk.n, jwks.keys[1]!.jwk.n, 'two distinct keys');
  });

  test('answers 404 for a pool it does not serve, like Cognito', async () => {
    const res = await fetch(`${issuer.endpoint}/local_Other1/.well-known/jwks.json`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { message: 'User pool does not exist' });
  });

  test('an access token has the claims of a Cognito access token and its kid in the header', () => {
    const { header, payload } = decode(issuer.accessToken(POOL, carol!, { clientId: CLIENT }));
    assert.equal(header.alg, 'RS256');
    assert.equal(header.kid, issuer.keys[1]!.kid);
    assert.equal(payload.iss, `${issuer.endpoint}/${POOL}`);
    assert.equal(payload.token_use, 'access');
    assert.equal(payload.client_id, CLIENT);
    assert.equal(payload.aud, undefined, 'access tokens carry no aud');
    assert.equal(payload.username, 'carol');
    assert.equal(payload.sub, carol!.sub);
    assert.deepEqual(payload['cognito:groups'], ['demo_admin']);
    assert.equal(payload['custom:tenant_id'], undefined, 'custom attributes are in ID tokens only');
    assert.equal(payload.exp, (payload.iat as number) + 3600);
  });

  test('an ID token carries aud, cognito:username, email and the custom attributes', () => {
    const { header, payload } = decode(issuer.idToken(POOL, alice!, { clientId: CLIENT, lifetime: 60 }));
    assert.equal(header.kid, issuer.keys[0]!.kid, 'ID and access tokens use different keys');
    assert.equal(payload.token_use, 'id');
    assert.equal(payload.aud, CLIENT);
    assert.equal(payload.client_id, undefined);
    assert.equal(payload['cognito:username'], 'alice');
    assert.equal(payload.email, 'alice@acme.example');
    assert.equal(payload.email_verified, true);
    assert.equal(payload['custom:tenant_id'], 'acme');
    assert.equal('cognito:groups' in payload, false, 'a user in no group has no cognito:groups claim');
    assert.equal(payload.exp, (payload.iat as number) + 60);
  });

  test("the plugin's verifier accepts both token types, each signed by a different key of the pool", async () => {
    const any = verifier('any');
    const access = await any.verify(issuer.accessToken(POOL, alice!, { clientId: CLIENT }));
    assert.equal(access.sub, alice!.sub);
    const id = await any.verify(issuer.idToken(POOL, alice!, { clientId: CLIENT }));
    assert.equal(id['custom:tenant_id'], 'acme');
  });

  test('the verifier refuses its tokens for another client, token use, issuer or key, and once expired', async () => {
    const refusal = async (v: CognitoVerifier, token: string) => {
      const error = await v.verify(token).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(error instanceof TokenRejectedError, `expected a refusal, got ${String(error)}`);
      return error.code;
    };
    assert.equal(await refusal(verifier('any'), issuer.accessToken(POOL, alice!, { clientId: 'otherclient' })), 'client');
    assert.equal(await refusal(verifier('access'), issuer.idToken(POOL, alice!, { clientId: CLIENT })), 'token_use');
    assert.equal(await refusal(verifier('any'), issuer.accessToken(POOL, alice!, { clientId: CLIENT, extra: { iss: 'http://127.0.0.1:1/local_Issuer1' } })), 'issuer');
    // Another issuer has keys of the same kids, but not the same keys.
    const elsewhere = await LocalIssuer.start({ poolIds: [POOL] });
    try {
      assert.equal(await refusal(verifier('any'), elsewhere.accessToken(POOL, alice!, { clientId: CLIENT })), 'invalid_signature');
    } finally {
      await elsewhere.stop();
    }
    assert.equal(await refusal(verifier('any'), issuer.accessToken(POOL, alice!, { clientId: CLIENT, lifetime: -60 })), 'expired');
  });

  test('extra claims override or remove the usual ones; sign() signs anything with a named key', () => {
    const { payload } = decode(issuer.accessToken(POOL, alice!, { clientId: CLIENT, extra: { scope: undefined, tenant: 'x' } }));
    assert.equal('scope' in payload, false);
    assert.equal(payload.tenant, 'x');
    const { header } = decode(issuer.sign(issuer.keys[0]!.kid, { hello: 'world' }));
    assert.equal(header.kid, issuer.keys[0]!.kid);
    assert.throws(() => issuer.sign('nope', {}), /no key nope/);
  });
});
