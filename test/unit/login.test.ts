import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChallengeError, CognitoUnavailableError, ConfigError, ExitCode, SignInRefusedError, UsageError } from '../../src/errors';
import { resolveConfig } from '../../src/config';
import {
  checkLoginFlags,
  CognitoApiError,
  describeRefusal,
  expiryOf,
  isFlowNotOffered,
  issuerMismatch,
  refreshTokenFrom,
  secretHash,
  signedInLine,
  signInTarget,
  tokenOutput,
  unansweredChallenge,
} from '../../src/login';

const context = { flow: 'password' as const, clientId: 'client1', userPoolId: 'eu-west-1_AbC123', username: 'alice@example.com' };
const refusal = (type: string, message: string, status = 400) => new CognitoApiError(status, type, message);

function jwtWith(payload: Record<string, unknown>): string {
  return ['{"alg":"RS256"}', JSON.stringify(payload)].map((p) => Buffer.from(p).toString('base64url')).join('.') + '.sig';
}

describe('login: which flows are not offered', () => {
  test("cognito-local's HTTP 500 for SRP, and Cognito's flow-not-enabled answers", () => {
    assert.equal(isFlowNotOffered(refusal('CognitoLocal#Unsupported', 'Cognito Local unsupported feature: InitAuth with AuthFlow=USER_SRP_AUTH', 500)), true);
    assert.equal(isFlowNotOffered(refusal('InvalidParameterException', 'USER_SRP_AUTH is not enabled for the client.')), true);
    assert.equal(isFlowNotOffered(refusal('InvalidParameterException', 'USER_PASSWORD_AUTH flow not enabled for this client')), true);
  });

  test('other refusals are not a reason to try another flow', () => {
    assert.equal(isFlowNotOffered(refusal('InvalidParameterException', 'Missing required parameter USERNAME')), false);
    assert.equal(isFlowNotOffered(refusal('NotAuthorizedException', 'Incorrect username or password.')), false);
    assert.equal(isFlowNotOffered(new Error('USER_SRP_AUTH is not enabled')), false);
  });
});

describe("login: Cognito's refusals as typed errors", () => {
  const cases: [string, string, Function, number][] = [
    ['NotAuthorizedException', 'Incorrect username or password.', SignInRefusedError, ExitCode.signInRefused],
    ['UserNotFoundException', 'User does not exist.', SignInRefusedError, ExitCode.signInRefused],
    ['InvalidPasswordException', 'Invalid password', SignInRefusedError, ExitCode.signInRefused],
    ['UserNotConfirmedException', 'User is not confirmed.', SignInRefusedError, ExitCode.signInRefused],
    ['NotAuthorizedException', 'Unable to verify secret hash for client client1', ConfigError, ExitCode.usage],
    ['NotAuthorizedException', 'Client client1 is configured with secret but SECRET_HASH was not received', ConfigError, ExitCode.usage],
    ['ResourceNotFoundException', 'User pool client client1 does not exist.', ConfigError, ExitCode.usage],
    ['TooManyRequestsException', 'Rate exceeded', CognitoUnavailableError, ExitCode.cognitoUnavailable],
    ['InvalidParameterException', 'USER_PASSWORD_AUTH flow not enabled for this client', ConfigError, ExitCode.usage],
    ['SomethingNewException', 'who knows', UsageError, ExitCode.usage],
  ];
  for (const [type, message, kind, code] of cases) {
    test(`${type}: ${message} -> exit ${code}`, () => {
      const error = describeRefusal(refusal(type, message), context);
      assert.ok(error instanceof kind, `${error.constructor.name}`);
      assert.equal(error.exitCode, code);
      assert.ok(error.hint, 'every refusal says what to change');
    });
  }

  test('exit 5 is its own code, documented next to the others', () => {
    assert.equal(ExitCode.signInRefused, 5);
    assert.equal(new Set(Object.values(ExitCode)).has(5), true);
  });

  test('an expired refresh token is a refusal (5) that says to sign in again', () => {
    const error = describeRefusal(refusal('NotAuthorizedException', 'Refresh Token has expired'), { ...context, flow: 'refresh', username: null });
    assert.ok(error instanceof SignInRefusedError);
    assert.match(error.hint!, /sign in again/);
  });

  test('a server message cannot put escape sequences on the terminal', () => {
    const error = describeRefusal(refusal('NotAuthorizedException', 'Incorrect \u001b[2J password \u202e'), context);
    assert.ok(!/[\u001b\u202e]/.test(error.message), error.message);
    assert.match(error.message, /\\u001b\[2J/);
  });
});

describe('login: challenges it cannot answer', () => {
  test('NEW_PASSWORD_REQUIRED names the user and the command that sets a password', () => {
    const error = unansweredChallenge('NEW_PASSWORD_REQUIRED', 'bob@example.com', 'eu-west-1_AbC123');
    assert.ok(error instanceof ChallengeError);
    assert.equal(error.exitCode, ExitCode.usage);
    assert.equal(error.challenge, 'NEW_PASSWORD_REQUIRED');
    assert.match(error.hint!, /admin-set-user-password --user-pool-id eu-west-1_AbC123 --username bob@example\.com/);
  });

  test('MFA challenges say that login does not do MFA', () => {
    for (const name of ['SMS_MFA', 'SOFTWARE_TOKEN_MFA', 'SELECT_MFA_TYPE']) {
      assert.match(unansweredChallenge(name, 'bob', 'eu-west-1_AbC123').hint!, /multi-factor/);
    }
  });
});

describe('login: SECRET_HASH and token expiry', () => {
  test('SECRET_HASH is Base64(HMAC-SHA256(secret, username + client id))', () => {
    // Computed with: printf '%s' 'alice1example23456789' | openssl dgst -sha256 -hmac 'secret1' -binary | base64
    assert.equal(secretHash('alice', '1example23456789', 'secret1'), 'yTzemcFwQVquCcE6UmXfcykX83bD5hGT+9uyUh8cL7s=');
  });

  test('expiry comes from exp; a token without one, or not a JWT, has none', () => {
    assert.equal(expiryOf(jwtWith({ exp: 1_800_000_000 })), 1_800_000_000);
    assert.equal(expiryOf(jwtWith({ sub: 'x' })), null);
    assert.equal(expiryOf('opaque-refresh-token'), null);
    assert.equal(expiryOf('a.%%%.c'), null);
  });

  test('--json output: ISO expiries and expiresIn counted from now', () => {
    const out = tokenOutput({ flow: 'srp', accessToken: jwtWith({ exp: 2_000 }), idToken: jwtWith({ exp: 2_100 }), refreshToken: 'r' }, 1_000_000);
    assert.deepEqual(out, {
      flow: 'srp',
      tokenType: 'Bearer',
      accessToken: jwtWith({ exp: 2_000 }),
      accessTokenExpiresAt: new Date(2_000_000).toISOString(),
      idToken: jwtWith({ exp: 2_100 }),
      idTokenExpiresAt: new Date(2_100_000).toISOString(),
      refreshToken: 'r',
      expiresIn: 1_000,
    });
  });
});

describe('login: the issuer of the tokens against the one run checks', () => {
  test('the same issuer says nothing; another names the --endpoint that matches it', () => {
    assert.equal(issuerMismatch({ accessToken: jwtWith({ iss: 'http://127.0.0.1:9229/local_AbC' }) }, ['http://127.0.0.1:9229/local_AbC']), null);
    // A pool on AWS has two issuer forms: either one is the pool's.
    assert.equal(issuerMismatch({ accessToken: jwtWith({ iss: 'https://b/p' }) }, ['https://a/p', 'https://b/p']), null);
    const text = issuerMismatch({ accessToken: jwtWith({ iss: 'http://127.0.0.1:9229/local_AbC' }) }, ['http://localhost:9229/local_AbC']);
    assert.match(text!, /expect http:\/\/localhost:9229\/local_AbC/);
    assert.match(text!, /set --endpoint http:\/\/127\.0\.0\.1:9229 /);
  });

  test('only the pool id differs: the tokens are of another pool, so --user-pool-id is the one to check', () => {
    const text = issuerMismatch({ accessToken: jwtWith({ iss: 'http://127.0.0.1:9229/local_A' }) }, ['http://127.0.0.1:9229/local_B']);
    assert.equal(text, 'the tokens are of user pool local_A (issuer http://127.0.0.1:9229/local_A), but run, verify and doctor expect http://127.0.0.1:9229/local_B and will refuse them; check --user-pool-id');
  });
});

describe("login: the flags, checked before the configuration is read", () => {
  const flags = { flow: 'auto', id: false, json: false, refresh: null, passwordStdin: false };

  test('each flow is taken as named; any other word is a usage error', () => {
    for (const flow of ['auto', 'srp', 'password']) assert.equal(checkLoginFlags({ ...flags, flow }), flow);
    assert.throws(() => checkLoginFlags({ ...flags, flow: 'SRP' }), (error: unknown) => error instanceof UsageError && error.message === '--flow SRP is not a flow');
  });

  test('--id with --json, and --refresh - with --password-stdin, are refused', () => {
    assert.throws(() => checkLoginFlags({ ...flags, id: true, json: true }), { message: '--id and --json cannot be combined' });
    assert.throws(() => checkLoginFlags({ ...flags, refresh: '-', passwordStdin: true }), { message: '--refresh - and --password-stdin both read standard input' });
    // Only one of them reads standard input here.
    assert.equal(checkLoginFlags({ ...flags, refresh: 'token', passwordStdin: true }), 'auto');
    assert.equal(checkLoginFlags({ ...flags, id: true }), 'auto');
  });
});

describe('login: the refresh token of --refresh', () => {
  const noStdin = () => assert.fail('standard input must not be read');

  test('the argument, or standard input for -, without surrounding white space', () => {
    assert.equal(refreshTokenFrom(' eyJ.refresh\n', noStdin), 'eyJ.refresh');
    assert.equal(refreshTokenFrom('-', () => 'eyJ.piped\r\n'), 'eyJ.piped');
  });

  test('none given: the hint says where it was looked for', () => {
    assert.throws(() => refreshTokenFrom('-', () => ' \n'), (error: unknown) => error instanceof UsageError && error.hint === 'standard input was empty');
    assert.throws(() => refreshTokenFrom('', noStdin), (error: unknown) => error instanceof UsageError && /or - to read it from standard input/.test(error.hint!));
  });
});

describe('login: the pool and app client it signs in with', () => {
  const POOL = 'eu-west-1_AbC123';
  const configOf = (flags: Record<string, string>) => resolveConfig({ flags }).config;
  const refused = (pattern: RegExp) => (error: unknown) => error instanceof UsageError && error.exitCode === ExitCode.usage && pattern.test(error.message);

  test('exactly one pool: none (an OpenID issuer only) or several are refused', () => {
    assert.throws(() => signInTarget(configOf({ issuer: 'https://login.example.com/realms/app' }), null, {}), refused(/and none is configured/));
    assert.throws(() => signInTarget(configOf({ userPoolId: `${POOL},eu-west-1_Def456`, clientId: 'c1' }), null, {}), refused(/but 2 are configured/));
  });

  test("exactly one app client: none, '*' (which names none) or several are refused", () => {
    assert.throws(() => signInTarget(configOf({ userPoolId: POOL }), null, {}), refused(/needs the app client/));
    assert.throws(() => signInTarget(configOf({ userPoolId: POOL, clientId: '*' }), null, {}), refused(/needs the app client/));
    assert.throws(() => signInTarget(configOf({ userPoolId: POOL, clientId: 'c1,c2' }), null, {}), refused(/one app client, but 2 are configured/));
  });

  test("the pool's endpoint and client; tokens of either issuer form of an AWS pool are run's", () => {
    assert.deepEqual(signInTarget(configOf({ userPoolId: POOL, clientId: 'c1' }), null, {}), {
      client: { endpoint: 'https://cognito-idp.eu-west-1.amazonaws.com', userPoolId: POOL, clientId: 'c1', clientSecret: null },
      issuers: [`https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`, `https://issuer-cognito-idp.eu-west-1.amazonaws.com/${POOL}`],
    });
    const local = signInTarget(configOf({ userPoolId: 'local_AbC123', endpoint: 'http://127.0.0.1:9229', clientId: 'c1' }), null, {});
    assert.equal(local.client.endpoint, 'http://127.0.0.1:9229');
    assert.deepEqual(local.issuers, ['http://127.0.0.1:9229/local_AbC123']);
    // An OpenID issuer next to the pool is not where these tokens come from.
    const withOidc = signInTarget(configOf({ userPoolId: 'local_AbC123', endpoint: 'http://127.0.0.1:9229', clientId: 'c1', issuer: 'https://login.example.com/realms/app' }), null, {});
    assert.deepEqual(withOidc.issuers, ['http://127.0.0.1:9229/local_AbC123']);
  });

  test('the secret: --client-secret, else COGNITO_CLIENT_SECRET; an empty flag means none, even with the variable set', () => {
    const config = configOf({ userPoolId: POOL, clientId: 'c1' });
    const env = { COGNITO_CLIENT_SECRET: 'from-env' };
    assert.equal(signInTarget(config, 'from-flag', env).client.clientSecret, 'from-flag');
    assert.equal(signInTarget(config, null, env).client.clientSecret, 'from-env');
    assert.equal(signInTarget(config, '', env).client.clientSecret, null);
    assert.equal(signInTarget(config, null, { COGNITO_CLIENT_SECRET: '' }).client.clientSecret, null);
  });
});

describe('login: the line that says what happened', () => {
  test('the flow by its Cognito name, the user made printable, and the expiry when known', () => {
    assert.equal(signedInLine({ flow: 'srp' }, 'alice@example.com', '2030-01-01T00:00:00.000Z'), 'signed in alice@example.com with USER_SRP_AUTH; the access token expires at 2030-01-01T00:00:00.000Z');
    assert.equal(signedInLine({ flow: 'password' }, 'alice', null), 'signed in alice with USER_PASSWORD_AUTH');
    assert.equal(signedInLine({ flow: 'refresh' }, null, '2030-01-01T00:00:00.000Z'), 'refreshed the tokens; the access token expires at 2030-01-01T00:00:00.000Z');
    assert.doesNotMatch(signedInLine({ flow: 'password' }, 'eve\u001b[2J', null), /\u001b/);
  });
});
