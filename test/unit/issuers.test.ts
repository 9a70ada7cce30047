/**
 * Trusted issuers: both Cognito issuer forms, several pools, OpenID issuers,
 * scopes and machine clients; from configuration to the verdict on a token.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requireSecurityChoices, securityChoicesMissing } from '../../src/config/choices';
import { resolveConfig } from '../../src/config/resolve';
import { issuerDifference } from '../../src/config/urls';
import { RcFile } from '../../src/config/sources';
import { CognitoConfig, CognitoIssuer, OidcIssuer, RawSettings, TrustedIssuer } from '../../src/config/types';
import { DiscoveryError, JwksError } from '../../src/errors';
import { checkToken } from '../../src/gate/check';
import { KeyCache } from '../../src/jwks/cache';
import { validateDiscovery } from '../../src/jwks/discovery';
import { validateJwks, ValidatedJwks } from '../../src/jwks/validate';
import { TokenRejectedError, TokenVerifier, TrustedVerifier } from '../../src/verify';
import { b64url, configError, EcTestKey, makeEcKey, nowSeconds, sharedKey, signWith, TestKey } from './helpers';

const POOL_A = 'eu-west-1_PoolA1';
const POOL_B = 'us-east-1_PoolB2';
const OIDC = 'https://login.example.test/realms/app';
const ORIGINAL_A = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_A}`;
const UPDATED_A = `https://issuer-cognito-idp.eu-west-1.amazonaws.com/${POOL_A}`;
const ORIGINAL_B = `https://cognito-idp.us-east-1.amazonaws.com/${POOL_B}`;

function rc(cognito: Record<string, unknown>): RcFile {
  const { pools, issuers, ...settings } = cognito;
  return { filepath: '/app/.postgraphilerc.js', cognito: settings, options: {}, ...(pools !== undefined ? { pools } : {}), ...(issuers !== undefined ? { issuers } : {}) };
}

function configOf(flags: RawSettings, rcFile: RcFile | null = null): CognitoConfig {
  return resolveConfig({ flags, rc: rcFile }).config;
}


const issuerUrls = (config: CognitoConfig) => config.issuers.map((i) => i.issuer);
const byIssuer = (config: CognitoConfig, iss: string) => config.issuers.find((i) => i.issuer === iss)!;

describe('configuration: both Cognito issuer forms', () => {
  test('a pool on AWS trusts its ORIGINAL and its UPDATED issuer, each with its own JWKS URL', () => {
    const config = configOf({ userPoolId: POOL_A });
    assert.deepEqual(
      config.issuers.map((i) => [i.kind, (i as CognitoIssuer).form, i.issuer, (i as CognitoIssuer).jwksUrl, i.id]),
      [
        ['cognito', 'original', ORIGINAL_A, `${ORIGINAL_A}/.well-known/jwks.json`, POOL_A],
        ['cognito', 'updated', UPDATED_A, `${UPDATED_A}/.well-known/jwks.json`, POOL_A],
      ],
    );
  });

  test('China regions use amazonaws.com.cn for both forms', () => {
    assert.deepEqual(issuerUrls(configOf({ userPoolId: 'cn-north-1_AbC1' })), [
      'https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC1',
      'https://issuer-cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC1',
    ]);
  });

  test('a custom endpoint (an emulator) has one issuer form, {endpoint}/{pool}', () => {
    const config = configOf({ userPoolId: 'local_abc', endpoint: 'http://127.0.0.1:9229' });
    assert.deepEqual(config.issuers.map((i) => [(i as CognitoIssuer).form, i.issuer]), [['endpoint', 'http://127.0.0.1:9229/local_abc']]);
    assert.deepEqual(issuerUrls(configOf({ userPoolId: POOL_A, endpoint: 'http://localhost:4566' })), [`http://localhost:4566/${POOL_A}`]);
  });

  test("AWS's own endpoint spelled out (as args does) is AWS: both forms", () => {
    assert.deepEqual(issuerUrls(configOf({ userPoolId: POOL_A, endpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/' })), [ORIGINAL_A, UPDATED_A]);
  });
});

describe("a token's issuer against a pool's", () => {
  test('only the endpoint, or only the pool id, differs; anything else (or nothing) is no single difference', () => {
    assert.deepEqual(issuerDifference('http://127.0.0.1:9229/local_A', 'http://localhost:9229/local_A'), { only: 'endpoint', endpoint: 'http://127.0.0.1:9229' });
    assert.deepEqual(issuerDifference('http://127.0.0.1:9229/local_A', 'http://127.0.0.1:9229/local_B'), { only: 'pool', pool: 'local_A' });
    assert.equal(issuerDifference('http://127.0.0.1:9229/local_A', 'http://127.0.0.1:9229/local_A'), null);
    assert.equal(issuerDifference('http://127.0.0.1:9229/local_A', 'http://localhost:9229/local_B'), null);
    assert.equal(issuerDifference('not a url', 'http://localhost:9229/local_B'), null);
    assert.equal(issuerDifference('http://127.0.0.1:9229/', 'http://localhost:9229/local_B'), null);
  });
});

describe('configuration: several pools', () => {
  test('--user-pool-id a,b trusts both pools, each with its region, in order; a repeated id counts once', () => {
    const config = configOf({ userPoolId: `${POOL_A}, ${POOL_B},${POOL_A}` });
    assert.deepEqual(issuerUrls(config), [ORIGINAL_A, UPDATED_A, ORIGINAL_B, `https://issuer-cognito-idp.us-east-1.amazonaws.com/${POOL_B}`]);
    assert.deepEqual(config.shared.userPoolIds, [POOL_A, POOL_B]);
  });

  test('COGNITO_USER_POOL_ID and the rc file take a list too', () => {
    assert.equal(resolveConfig({ env: { COGNITO_USER_POOL_ID: `${POOL_A},${POOL_B}` } }).config.issuers.length, 4);
    assert.equal(configOf({}, rc({ userPoolId: [POOL_A, POOL_B] })).issuers.length, 4);
  });

  test("each pool's rc entry sets its own rules; the top-level settings fill the rest", () => {
    const config = configOf(
      { allowedRoles: 'app_user', clockTolerance: '7' },
      rc({
        clientId: 'sharedclient',
        pools: [
          { userPoolId: POOL_A, clientId: ['staffclient'], allowedRoles: ['app_admin'] },
          { userPoolId: 'local_tenant2', endpoint: 'http://127.0.0.1:9229', tokenUse: 'id' },
        ],
      }),
    );
    const a = byIssuer(config, UPDATED_A) as CognitoIssuer;
    assert.deepEqual([a.clientIds, a.allowedRoles, a.tokenUse], [['staffclient'], ['app_admin'], 'access']);
    const local = byIssuer(config, 'http://127.0.0.1:9229/local_tenant2') as CognitoIssuer;
    assert.deepEqual([local.clientIds, local.allowedRoles, local.tokenUse, local.form], [['sharedclient'], ['app_user'], 'id', 'endpoint']);
    assert.equal(config.clockTolerance, 7);
  });

  test('an rc entry for a pool named by --user-pool-id refines it; two entries for one pool are refused', () => {
    const config = configOf({ userPoolId: POOL_A, clientId: 'flagclient' }, rc({ pools: [{ userPoolId: POOL_A, clientId: 'entryclient' }] }));
    assert.equal(config.issuers.length, 2);
    assert.deepEqual((config.issuers[0] as CognitoIssuer).clientIds, ['entryclient']);
    configError(() => configOf({}, rc({ pools: [{ userPoolId: POOL_A }, { userPoolId: POOL_A }] })), /two entries/);
  });

  test('bad entries are refused, each naming where it stands', () => {
    configError(() => configOf({}, rc({ pools: { userPoolId: POOL_A } })), /cognito\.pools in \.postgraphilerc\.js must be a list/);
    configError(() => configOf({}, rc({ pools: ['x'] })), /cognito\.pools\[0\] in .* must be an object/);
    configError(() => configOf({}, rc({ pools: [{ clientId: 'c' }] })), /cognito\.pools\[0\] .* has no userPoolId/);
    configError(() => configOf({}, rc({ pools: [{ userPoolId: POOL_A, clientid: 'c' }] })), /unknown key cognito\.pools\[0\]\.clientid/, /did you mean cognito\.pools\[0\]\.clientId/);
    // Settings of the whole server are not per pool.
    configError(() => configOf({}, rc({ pools: [{ userPoolId: POOL_A, cacheDir: '/x' }] })), /unknown key cognito\.pools\[0\]\.cacheDir/);
    configError(() => configOf({}, rc({ pools: [{ userPoolId: 'nope' }] })), /user pool id "nope" \(from cognito\.pools\[0\]\.userPoolId in \.postgraphilerc\.js\) is malformed/);
  });
});

describe('configuration: OpenID Connect issuers', () => {
  test('--issuer: discovery URL from the issuer, exactly as given (a trailing slash counts)', () => {
    const config = configOf({ issuer: `${OIDC},https://tenant.auth0.example/`, audience: 'api' });
    const [keycloak, auth0] = config.issuers as OidcIssuer[];
    assert.deepEqual([keycloak!.kind, keycloak!.issuer, keycloak!.discoveryUrl, keycloak!.audiences], ['oidc', OIDC, `${OIDC}/.well-known/openid-configuration`, ['api']]);
    assert.equal(auth0!.issuer, 'https://tenant.auth0.example/');
    assert.equal(auth0!.discoveryUrl, 'https://tenant.auth0.example/.well-known/openid-configuration');
    assert.deepEqual(keycloak!.algorithms, ['RS256', 'ES256']);
  });

  test('OIDC_ISSUER and OIDC_AUDIENCE; rc issuers entries with their own rules', () => {
    const env = resolveConfig({ env: { OIDC_ISSUER: OIDC, OIDC_AUDIENCE: 'a,b' } }).config;
    assert.deepEqual((env.issuers[0] as OidcIssuer).audiences, ['a', 'b']);
    const config = configOf({ userPoolId: POOL_A }, rc({ issuers: [{ issuer: OIDC, audience: 'account', roleClaim: 'realm_access,roles', allowedRoles: ['app_user'] }] }));
    const keycloak = byIssuer(config, OIDC);
    assert.deepEqual([keycloak.roleClaim, keycloak.allowedRoles], [['realm_access', 'roles'], ['app_user']]);
    // The pool keeps Cognito's default role claim.
    assert.deepEqual(byIssuer(config, ORIGINAL_A).roleClaim, ['cognito:groups']);
  });

  test('without --role-claim an OpenID issuer has none (no claim is standard there); a given one applies to all', () => {
    assert.equal(configOf({ issuer: OIDC }).issuers[0]!.roleClaim, null);
    const both = configOf({ issuer: OIDC, userPoolId: POOL_A, roleClaim: 'roles' });
    assert.deepEqual(both.issuers.map((i) => i.roleClaim), [['roles'], ['roles'], ['roles']]);
  });

  test('https only (plain http to this machine), no query, fragment or credentials', () => {
    configError(() => configOf({ issuer: 'http://login.example.test' }), /issuer "http:\/\/login\.example\.test" \(from --issuer\) uses plain http/);
    configError(() => configOf({ issuer: 'ftp://x' }), /must use http or https/);
    configError(() => configOf({ issuer: 'https://u:p@login.example.test' }), /\*\*\*@/, /credentials/);
    configError(() => configOf({ issuer: 'not a url' }), /not a URL/);
    assert.equal(configOf({ issuer: 'http://127.0.0.1:4000' }).issuers[0]!.issuer, 'http://127.0.0.1:4000');
  });

  test('an issuer trusted twice (an OpenID issuer that is a pool) is refused', () => {
    configError(() => configOf({ userPoolId: POOL_A, issuer: UPDATED_A }), /trusted twice/, /user pool eu-west-1_PoolA1/);
  });

  test('settings of the other family are ignored with a warning', () => {
    const oidc = resolveConfig({ flags: { issuer: OIDC, audience: 'api', clientId: 'c1' } });
    assert.match(oidc.warnings.map((w) => w.text).join('\n'), /--client-id is ignored: it applies to Cognito user pools/);
    const pool = resolveConfig({ flags: { userPoolId: POOL_A, audience: 'api' } });
    assert.match(pool.warnings.map((w) => w.text).join('\n'), /--audience is ignored: it applies to OpenID Connect issuers/);
  });

  test('with neither a pool nor an issuer, the hint names both', () => {
    configError(() => resolveConfig({}), /no user pool id given/, /--user-pool-id/, /--issuer URL/);
  });
});

describe('configuration: security choices per pool and issuer', () => {
  test('an OpenID issuer needs an audience, or the explicit --audience *', () => {
    const missing = securityChoicesMissing(configOf({ issuer: OIDC }));
    assert.deepEqual(missing.map((m) => m.what), ['the audience']);
    assert.match(missing[0]!.hint, /--audience .*--audience '\*'/);
    assert.deepEqual(securityChoicesMissing(configOf({ issuer: OIDC, audience: '*' })), []);
  });

  test('with several sources, each missing choice names its pool or issuer', () => {
    const config = configOf({ userPoolId: POOL_A }, rc({ issuers: [{ issuer: OIDC, roleClaim: 'roles' }], pools: [{ userPoolId: POOL_B, clientId: '*', allowedRoles: '*' }] }));
    const error = configError(() => requireSecurityChoices(config), /the app client of user pool eu-west-1_PoolA1/, /the audience of issuer https:\/\/login/, /the roles the role claim roles of issuer/);
    assert.doesNotMatch(error.message, /PoolB2/);
  });

  test('client roles need allowed roles, even with no role claim', () => {
    const missing = securityChoicesMissing(configOf({ userPoolId: POOL_A, clientId: 'm2m', roleClaim: 'none', clientRoles: 'm2m=app_worker' }));
    assert.deepEqual(missing.map((m) => m.what), ['the roles --client-roles may name']);
  });
});

describe('configuration: scopes and machine clients', () => {
  test('--scope is a list; --client-roles CLIENT=ROLE pairs, also as an rc object', () => {
    const config = configOf({ userPoolId: POOL_A, clientId: 'web,m2m', allowedRoles: 'app_user,app_worker', scope: 'api/read, api/write', clientRoles: 'm2m=app_worker' });
    assert.deepEqual(config.issuers[0]!.scopes, ['api/read', 'api/write']);
    assert.deepEqual(config.issuers[0]!.clientRoles, { m2m: 'app_worker' });
    const fromRc = configOf({}, rc({ userPoolId: POOL_A, clientId: '*', allowedRoles: '*', clientRoles: { m2m: 'app_worker' } }));
    assert.deepEqual(fromRc.issuers[0]!.clientRoles, { m2m: 'app_worker' });
  });

  test('a client role must be an allowed role, of an accepted app client, and not none', () => {
    configError(() => configOf({ userPoolId: POOL_A, clientId: 'm2m', allowedRoles: 'app_user', clientRoles: 'm2m=app_admin' }), /the role app_admin of app client m2m .* is not an allowed role/);
    configError(() => configOf({ userPoolId: POOL_A, clientId: 'web', allowedRoles: 'app_worker', clientRoles: 'm2m=app_worker' }), /app client m2m .* has a role, but is not an accepted app client/);
    configError(() => configOf({ userPoolId: POOL_A, clientId: '*', allowedRoles: '*', clientRoles: 'm2m=NONE' }), /SET ROLE NONE/);
    configError(() => configOf({ userPoolId: POOL_A, clientRoles: 'm2m' }), /"m2m" in --client-roles is not CLIENT=ROLE/);
    configError(() => configOf({ userPoolId: POOL_A, clientId: '*', allowedRoles: '*', clientRoles: 'm2m=a,m2m=b' }), /given two roles/);
  });
});

/** Keys and verifiers for one configuration: each issuer's cache serves `keysOf(issuer)` and counts its loads. */
function verifierFor(config: CognitoConfig, keysOf: (issuer: TrustedIssuer) => ValidatedJwks | null) {
  const loads = new Map<string, number>();
  const verifiers = config.issuers.map((issuer) => {
    const jwks = keysOf(issuer);
    const cache = new KeyCache(async () => {
      loads.set(issuer.issuer, (loads.get(issuer.issuer) ?? 0) + 1);
      if (!jwks) throw new JwksError('https://test.invalid', 'HTTP 403');
      return jwks;
    });
    if (jwks) cache.prime(jwks);
    return new TokenVerifier(issuer, cache, config.clockTolerance);
  });
  return { verifier: new TrustedVerifier(verifiers), loads };
}

async function refusal(promise: Promise<unknown>): Promise<TokenRejectedError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TokenRejectedError, `expected a TokenRejectedError, got ${String(error)}`);
    return error;
  }
  assert.fail('the token was accepted');
}

const rsaA = sharedKey('pool-a-key');
const rsaB = sharedKey('pool-b-key');
const ec = makeEcKey('oidc-ec');
const rsaOidc = sharedKey('oidc-rsa');
const jwksOfKeys = (...keys: (TestKey | EcTestKey)[]) => validateJwks({ keys: keys.map((k) => k.jwk) }, 'https://test.invalid/jwks', ['RS256', 'ES256']);

function accessToken(iss: string, key: TestKey, extra: Record<string, unknown> = {}): string {
  return signWith({ iss, sub: 'u1', token_use: 'access', client_id: 'web', username: 'u1', scope: 'api/read', exp: nowSeconds() + 600, ...extra }, key, 'RS256');
}

describe('verification: the token picks its issuer', () => {
  const config = configOf({ userPoolId: `${POOL_A},${POOL_B}`, clientId: 'web,m2m', allowedRoles: 'app_user,app_worker', clientRoles: 'm2m=app_worker' });
  const keysOf = (issuer: TrustedIssuer) => (issuer.id === POOL_A ? jwksOfKeys(rsaA) : jwksOfKeys(rsaB));

  test('both forms of pool A and pool B are accepted, each with its own keys and settings naming the pool', async () => {
    const { verifier } = verifierFor(config, keysOf);
    for (const [iss, key, pool] of [[ORIGINAL_A, rsaA, POOL_A], [UPDATED_A, rsaA, POOL_A], [ORIGINAL_B, rsaB, POOL_B]] as const) {
      const verdict = await checkToken(verifier, accessToken(iss, key, { 'cognito:groups': ['app_user'] }));
      assert.equal(verdict.issuer.issuer, iss);
      assert.equal(verdict.settings['jwt.issuer.id'], pool);
      assert.equal(verdict.settings['jwt.issuer.kind'], 'cognito');
      assert.equal(verdict.settings['jwt.claims.iss'], iss);
      assert.equal(verdict.role, 'app_user');
    }
  });

  test("one pool's token presented as another's is refused: its keys are not the other pool's", async () => {
    const { verifier } = verifierFor(config, keysOf);
    const error = await refusal(checkToken(verifier, accessToken(ORIGINAL_B, rsaA, {}, )));
    assert.equal(error.code, 'unknown_kid');
  });

  test('an unknown issuer is refused before any key is looked up or fetched, naming its iss made printable', async () => {
    const { verifier, loads } = verifierFor(config, () => null);
    const forged = accessToken('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fake\u001b[31m', rsaA, {}, );
    const error = await refusal(checkToken(verifier, forged));
    assert.equal(error.code, 'issuer');
    assert.equal(error.statusCode, 403);
    assert.match(error.reason, /issuer "https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\/eu-west-1_Fake\\u001b\[31m" is not trusted/);
    assert.match(error.reason, new RegExp(`expected ${ORIGINAL_A}, ${UPDATED_A}, ${ORIGINAL_B}, https://issuer-cognito-idp\\.us-east-1\\.amazonaws\\.com/${POOL_B}\\)$`));
    // Many trusted issuers: the first few, and how many more.
    const three = verifierFor(configOf({ userPoolId: `${POOL_A},${POOL_B},eu-west-1_PoolC3`, clientId: '*', allowedRoles: '*' }), () => null).verifier;
    assert.match((await refusal(checkToken(three, forged))).reason, /, https:\/\/issuer-cognito-idp\.us-east-1\.amazonaws\.com\/us-east-1_PoolB2 and 2 more\)$/);
    // Tokens without iss, or with a non-string one, are refused the same way.
    const unsigned = (payload: Record<string, unknown>) => `${b64url({ alg: 'RS256', kid: 'x' })}.${b64url(payload)}.c2ln`;
    assert.match((await refusal(checkToken(verifier, unsigned({ exp: nowSeconds() + 60 })))).reason, /issuer \(none\) is not trusted/);
    assert.match((await refusal(checkToken(verifier, unsigned({ iss: 7, exp: nowSeconds() + 60 })))).reason, /issuer 7 is not trusted/);
    assert.deepEqual([...loads.values()], [], 'no key cache was asked');
  });

  test('a machine token (client_id, scope, no username, no groups) runs as its client role; a role claim wins over it', async () => {
    const { verifier } = verifierFor(config, keysOf);
    const machine = accessToken(ORIGINAL_A, rsaA, { client_id: 'm2m', sub: 'm2m', username: undefined, scope: 'api/write' });
    assert.equal((await checkToken(verifier, machine)).role, 'app_worker');
    const grouped = accessToken(ORIGINAL_A, rsaA, { client_id: 'm2m', 'cognito:groups': ['app_user'] });
    assert.equal((await checkToken(verifier, grouped)).role, 'app_user');
    // Another client's token without groups gets no role of its own.
    assert.equal((await checkToken(verifier, accessToken(ORIGINAL_A, rsaA))).role, null);
  });
});

describe('verification: scope', () => {
  const config = configOf({ userPoolId: POOL_A, clientId: '*', roleClaim: 'none', scope: 'api/read,api/write', tokenUse: 'any' });
  const { verifier } = verifierFor(config, () => jwksOfKeys(rsaA));

  test('a token with one of the required scopes passes; without, 403 with reason scope', async () => {
    assert.ok(await checkToken(verifier, accessToken(ORIGINAL_A, rsaA, { scope: 'openid api/write' })));
    const error = await refusal(checkToken(verifier, accessToken(ORIGINAL_A, rsaA, { scope: 'aws.cognito.signin.user.admin' })));
    assert.deepEqual([error.code, error.statusCode], ['scope', 403]);
    assert.match(error.reason, /needs one of api\/read, api\/write/);
  });

  test('an ID token carries no scope, so it is refused too', async () => {
    const id = signWith({ iss: ORIGINAL_A, sub: 'u1', token_use: 'id', aud: 'web', exp: nowSeconds() + 600 }, rsaA, 'RS256');
    assert.equal((await refusal(checkToken(verifier, id))).code, 'scope');
  });
});

describe('verification: an OpenID issuer', () => {
  const config = configOf({ issuer: OIDC, audience: 'api', roleClaim: 'realm_access,roles', allowedRoles: 'app_user' });
  const oidcToken = (key: TestKey | EcTestKey, alg: 'RS256' | 'ES256', extra: Record<string, unknown> = {}, kid?: string) =>
    signWith({ iss: OIDC, sub: 'u1', aud: 'api', exp: nowSeconds() + 600, realm_access: { roles: ['x', 'app_user'] }, ...extra }, key, alg, kid);

  test('ES256 and RS256 tokens pass; the role comes from a nested claim path; settings name the issuer', async () => {
    const { verifier } = verifierFor(config, () => jwksOfKeys(ec, rsaOidc));
    for (const token of [oidcToken(ec, 'ES256'), oidcToken(rsaOidc, 'RS256')]) {
      const verdict = await checkToken(verifier, token);
      assert.equal(verdict.role, 'app_user');
      assert.deepEqual([verdict.settings['jwt.issuer.id'], verdict.settings['jwt.issuer.kind']], [OIDC, 'oidc']);
    }
  });

  test("the key's kty decides the algorithm: an RS256 token naming the EC key's kid is refused, and the reverse", async () => {
    const { verifier } = verifierFor(config, () => jwksOfKeys(ec, rsaOidc));
    assert.equal((await refusal(checkToken(verifier, oidcToken(rsaOidc, 'RS256', {}, ec.kid)))).code, 'algorithm');
    assert.equal((await refusal(checkToken(verifier, oidcToken(ec, 'ES256', {}, rsaOidc.kid)))).code, 'algorithm');
  });

  test('HS256 and none are never accepted', async () => {
    const { verifier } = verifierFor(config, () => jwksOfKeys(ec));
    const hs = `${b64url({ alg: 'HS256', kid: ec.kid })}.${b64url({ iss: OIDC, aud: 'api', exp: nowSeconds() + 60 })}.c2ln`;
    const none = `${b64url({ alg: 'none', kid: ec.kid })}.${b64url({ iss: OIDC, aud: 'api', exp: nowSeconds() + 60 })}.`;
    for (const token of [hs, none]) assert.match((await refusal(checkToken(verifier, token))).reason, /algorithm is not RS256 or ES256/);
  });

  test('the audience must match (reason audience); an aud list passes with one match; --audience * checks none', async () => {
    const { verifier } = verifierFor(config, () => jwksOfKeys(ec));
    assert.equal((await refusal(checkToken(verifier, oidcToken(ec, 'ES256', { aud: 'other' })))).code, 'audience');
    assert.ok(await checkToken(verifier, oidcToken(ec, 'ES256', { aud: ['other', 'api'] })));
    const any = verifierFor(configOf({ issuer: OIDC, audience: '*' }), () => jwksOfKeys(ec)).verifier;
    assert.ok(await checkToken(any, oidcToken(ec, 'ES256', { aud: undefined })));
  });

  test('a Cognito pool accepts RS256 only', async () => {
    const pool = verifierFor(configOf({ userPoolId: POOL_A, clientId: '*', allowedRoles: '*' }), () => jwksOfKeys(ec, rsaA)).verifier;
    const es = signWith({ iss: ORIGINAL_A, token_use: 'access', client_id: 'web', exp: nowSeconds() + 60 }, ec, 'ES256');
    assert.match((await refusal(checkToken(pool, es))).reason, /algorithm is not RS256$/);
  });

  test('scp (Entra ID, Okta) counts as the scope when there is no scope claim; machine clients by client_id, else azp', async () => {
    const m2m = configOf({ issuer: OIDC, audience: 'api', scope: 'notes.write', allowedRoles: 'app_worker', clientRoles: 'svc=app_worker' });
    const { verifier } = verifierFor(m2m, () => jwksOfKeys(ec));
    const viaScp = oidcToken(ec, 'ES256', { scp: ['notes.read', 'notes.write'], azp: 'svc' });
    assert.equal((await checkToken(verifier, viaScp)).role, 'app_worker');
    assert.equal((await refusal(checkToken(verifier, oidcToken(ec, 'ES256', { scp: 'notes.read' })))).code, 'scope');
  });
});

describe('JWKS: EC keys only where the issuer signs with ES256', () => {
  test('a pool skips EC keys; an OpenID issuer keeps P-256 keys and refuses other curves or private keys', () => {
    assert.throws(() => validateJwks({ keys: [ec.jwk] }, 'u'), (e: JwksError) => /kty is "EC", not "RSA"/.test(e.reason));
    const oidc = validateJwks({ keys: [ec.jwk, { ...ec.jwk, kid: 'p384', crv: 'P-384' }, { ...ec.jwk, kid: 'leak', d: 'AAAA' }, { ...ec.jwk, kid: 'bad', x: 'AAAA' }] }, 'u', ['RS256', 'ES256']);
    assert.deepEqual(oidc.keys.map((k) => k.jwk.kid), [ec.kid]);
    assert.match(oidc.skipped.join('\n'), /p384.*crv is "P-384"/);
    assert.match(oidc.skipped.join('\n'), /leak.*private key/);
    assert.match(oidc.skipped.join('\n'), /bad.*not a valid P-256 public key/);
  });
});

describe('discovery documents', () => {
  const url = `${OIDC}/.well-known/openid-configuration`;
  const refused = (doc: unknown, pattern: RegExp) =>
    assert.throws(
      () => validateDiscovery(doc, url, OIDC),
      (e: unknown) => e instanceof DiscoveryError && e.exitCode === 3 && pattern.test(e.message) && e.message.startsWith(`could not get the OpenID configuration from ${url}`),
    );

  test('the jwks_uri of a document whose issuer is exactly the configured one', () => {
    assert.equal(validateDiscovery({ issuer: OIDC, jwks_uri: `${OIDC}/protocol/openid-connect/certs` }, url, OIDC), `${OIDC}/protocol/openid-connect/certs`);
    assert.equal(validateDiscovery({ issuer: OIDC, jwks_uri: 'http://127.0.0.1:8080/certs' }, url, OIDC), 'http://127.0.0.1:8080/certs');
  });

  test('refused: not an object, another issuer (made printable), no jwks_uri, jwks_uri over http elsewhere or with credentials', () => {
    refused([], /not a JSON object/);
    refused({ issuer: `${OIDC}/`, jwks_uri: 'https://x/certs' }, /names the issuer "https:\/\/login\.example\.test\/realms\/app\/", not https/);
    refused({ issuer: 'https://evil\u001b]0;x\u0007', jwks_uri: 'https://x/certs' }, /\\u001b/);
    refused({ issuer: OIDC }, /no jwks_uri/);
    refused({ issuer: OIDC, jwks_uri: 'http://keys.example.test/certs' }, /is not https/);
    refused({ issuer: OIDC, jwks_uri: 'https://u:p@keys.example.test/certs' }, /\*\*\*@.*credentials/);
    refused({ issuer: OIDC, jwks_uri: 'not a url' }, /is not a URL/);
  });
});
