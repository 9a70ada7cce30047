/**
 * `login` end to end. Against cognito-local: the password flow, the fallback
 * from SRP (which cognito-local answers with HTTP 500 CognitoLocal#Unsupported),
 * refresh tokens, refusals and challenges, with real tokens that `verify`
 * accepts. Against the stand-in (test/helpers/cognito-standin.ts), what
 * cognito-local cannot do: an SRP proof checked by an independent
 * implementation, and a SECRET_HASH that is checked.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { BIN, cleanEnv, CliResult, ROOT, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, show } from '../helpers/cli-assert';
import { LocalPool, Tokens, USER_PASSWORD } from '../helpers/cognito';
import { CognitoStandIn } from '../helpers/cognito-standin';
import { freePort } from '../helpers/net';

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** stdout is exactly one token and a newline. */
function tokenOf(r: CliResult): string {
  assertOk(r);
  assert.match(r.stdout, /^[^\n]+\n$/, show(r));
  const token = r.stdout.trim();
  assert.match(token, JWT, show(r));
  return token;
}

describe('login against cognito-local', () => {
  let pool: LocalPool;
  let alice: Tokens;
  const email = 'alice@example.com';
  const pw = { COGNITO_PASSWORD: USER_PASSWORD };
  const base = () => ['login', '--user-pool-id', pool.poolId, '--endpoint', pool.endpoint, '--client-id', pool.clientId];

  before(async () => {
    pool = await LocalPool.create('login-e2e');
    alice = await pool.user(email);
    await pool.invitedUser('invited@example.com', 'Temporary-passw0rd!');
  });

  test('with no --flow it tries SRP, says it falls back, and prints an access token that verify accepts', async () => {
    const r = await runCli([...base(), '--username', email], { env: cleanEnv(pw) });
    const token = tokenOf(r);
    assert.match(r.stderr, /USER_SRP_AUTH is not offered here \(CognitoLocal#Unsupported\); signing in with USER_PASSWORD_AUTH/, show(r));
    assert.match(r.stderr, /signed in alice@example\.com with USER_PASSWORD_AUTH/, show(r));
    assert.equal(claimsOf(token).token_use, 'access');
    assert.equal(claimsOf(token).sub, alice.sub);
    const verified = await runCli(['verify', '--user-pool-id', pool.poolId, '--endpoint', pool.endpoint, '--client-id', pool.clientId, token]);
    assertOk(verified);
    assert.match(verified.stdout, /^VALID/, show(verified));
  });

  test('--flow password signs in at once; --id prints the ID token', async () => {
    const r = await runCli([...base(), '--username', email, '--flow', 'password', '--id'], { env: cleanEnv(pw) });
    const token = tokenOf(r);
    assert.doesNotMatch(r.stderr, /falls? back|not offered/, show(r));
    assert.equal(claimsOf(token).token_use, 'id');
    assert.equal(claimsOf(token).aud, pool.clientId);
  });

  test('--json prints all three tokens, each expiry from its exp', async () => {
    const r = await runCli([...base(), '--username', email, '--json', '--password-stdin'], { input: `${USER_PASSWORD}\n` });
    assertOk(r);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.flow, 'password');
    assert.equal(out.tokenType, 'Bearer');
    assert.match(String(out.accessToken), JWT);
    assert.match(String(out.idToken), JWT);
    assert.equal(typeof out.refreshToken, 'string');
    assert.equal(out.accessTokenExpiresAt, new Date(Number(claimsOf(String(out.accessToken)).exp) * 1000).toISOString());
    assert.equal(out.idTokenExpiresAt, new Date(Number(claimsOf(String(out.idToken)).exp) * 1000).toISOString());
    const left = Number(claimsOf(String(out.accessToken)).exp) - Date.now() / 1000;
    assert.ok(typeof out.expiresIn === 'number' && Math.abs(out.expiresIn - left) < 30, show(r));
  });

  test('--refresh (also from standard input) gives new tokens; a bogus refresh token is refused with exit 5', async () => {
    const first = await runCli([...base(), '--username', email, '--json'], { env: cleanEnv(pw) });
    assertOk(first);
    const { refreshToken } = JSON.parse(first.stdout) as { refreshToken: string };
    const fromArg = tokenOf(await runCli([...base(), '--refresh', refreshToken]));
    assert.equal(claimsOf(fromArg).sub, alice.sub);
    const fromStdin = await runCli([...base(), '--refresh', '-', '--json'], { input: `${refreshToken}\n` });
    assertOk(fromStdin);
    const out = JSON.parse(fromStdin.stdout) as Record<string, unknown>;
    assert.equal(out.flow, 'refresh');
    assert.equal(out.refreshToken, null);
    const bogus = await runCli([...base(), '--refresh', 'not-a-refresh-token']);
    assertCleanError(bogus, 5, /refused/);
  });

  test('a wrong password is exit 5 with a clear message, and the password is never shown', async () => {
    const r = await runCli([...base(), '--username', email, '--flow', 'password'], { env: cleanEnv({ COGNITO_PASSWORD: 'Wrong-passw0rd!' }) });
    assertCleanError(r, 5, /Cognito refused the sign-in of user alice@example\.com/, /hint: check the password/);
    assert.ok(!r.stderr.includes('Wrong-passw0rd!'), show(r));
  });

  test('an unknown user is exit 5', async () => {
    const r = await runCli([...base(), '--username', 'nobody@example.com', '--flow', 'password'], { env: cleanEnv(pw) });
    assertCleanError(r, 5, /nobody@example\.com/);
  });

  test('a user created with a temporary password (NEW_PASSWORD_REQUIRED) is exit 2 with what to do', async () => {
    const r = await runCli([...base(), '--username', 'invited@example.com', '--flow', 'password'], { env: cleanEnv({ COGNITO_PASSWORD: 'Temporary-passw0rd!' }) });
    assertCleanError(r, 2, /invited@example\.com must set a new password before signing in \(challenge NEW_PASSWORD_REQUIRED\)/, /admin-set-user-password --user-pool-id local_\w+ --username invited@example\.com/);
  });

  test('--flow srp against cognito-local says it does not support SRP (exit 2)', async () => {
    const r = await runCli([...base(), '--username', email, '--flow', 'srp'], { env: cleanEnv(pw) });
    assertCleanError(r, 2, /cognito-local\) does not support USER_SRP_AUTH/, /--flow password/);
  });

  test('without a password source and with no terminal it says where a password can come from (exit 2)', async () => {
    const r = await runCli([...base(), '--username', email]);
    assertCleanError(r, 2, /no password: standard input is not a terminal/, /--password-stdin, or set COGNITO_PASSWORD/);
  });

  test('--password is no flag: the hint says where the password comes from, and the value is never echoed', async () => {
    for (const words of [['--password', 'Hunter2-value'], ['--password=Hunter2-value'], ['--passwordHunter2-value'], ['--passwd=Hunter2-value']]) {
      const r = await runCli([...base(), '--username', email, ...words]);
      assertCleanError(r, 2, /unknown option '--passw(or)?d'\n/, /hint: the password is never a flag: use --password-stdin, COGNITO_PASSWORD, or the prompt/);
      assert.ok(!`${r.stdout}${r.stderr}`.includes('Hunter2'), show(r));
    }
  });

  test('login needs exactly one app client id and a username', async () => {
    assertCleanError(await runCli(['login', '--user-pool-id', pool.poolId, '--endpoint', pool.endpoint, '--username', email], { env: cleanEnv(pw) }), 2, /app client/, /--client-id/);
    assertCleanError(await runCli([...base(), '--client-id', 'a,b', '--username', email], { env: cleanEnv(pw) }), 2, /one app client, but 2/);
    assertCleanError(await runCli([...base()], { env: cleanEnv(pw) }), 2, /--username/);
  });

  test('tokens for another issuer than run expects (localhost for 127.0.0.1) come with a warning naming the --endpoint to use', async () => {
    const localhost = pool.endpoint.replace('127.0.0.1', 'localhost');
    const r = await runCli(['login', '--user-pool-id', pool.poolId, '--endpoint', localhost, '--client-id', pool.clientId, '--username', email, '--flow', 'password'], { env: cleanEnv(pw) });
    tokenOf(r);
    assert.match(r.stderr, new RegExp(`warning: the tokens name the issuer ${pool.endpoint}/${pool.poolId}, but run, verify and doctor expect ${localhost}/${pool.poolId} and will refuse them; set --endpoint ${pool.endpoint} `), show(r));
    const right = await runCli([...base(), '--username', email, '--flow', 'password'], { env: cleanEnv(pw) });
    assert.doesNotMatch(right.stderr, /warning/, show(right));
  });

  test('a wrong --user-pool-id (cognito-local signs in anyway) warns that the tokens are of another pool, not about --endpoint', async () => {
    const r = await runCli(['login', '--user-pool-id', 'local_Wrong1', '--endpoint', pool.endpoint, '--client-id', pool.clientId, '--username', email, '--flow', 'password'], { env: cleanEnv(pw) });
    assert.equal(claimsOf(tokenOf(r)).iss, `${pool.endpoint}/${pool.poolId}`);
    assert.match(r.stderr, new RegExp(`warning: the tokens are of user pool ${pool.poolId} \\(issuer ${pool.endpoint}/${pool.poolId}\\), but run, verify and doctor expect ${pool.endpoint}/local_Wrong1 and will refuse them; check --user-pool-id\n`), show(r));
    assert.doesNotMatch(r.stderr, /--endpoint/, show(r));
  });

  test('a dead endpoint fails at once with exit 3, never hangs', async () => {
    const port = await freePort();
    const r = await runCli(['login', '--user-pool-id', pool.poolId, '--endpoint', `http://127.0.0.1:${port}`, '--client-id', pool.clientId, '--username', email], { env: cleanEnv(pw) });
    assertCleanError(r, 3, /could not sign in at http:\/\/127\.0\.0\.1:\d+\/: connection refused/);
  });

  test('the prompt on a terminal does not echo the password', async () => {
    // `script` gives the command a pseudo-terminal; the password is typed once the prompt shows.
    const command = [process.execPath, BIN, ...base(), '--username', email, '--flow', 'password'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (d) => {
      screen += d;
      if (!typed && screen.includes('Password for alice@example.com: ')) {
        typed = true;
        child.stdin.write(`${USER_PASSWORD}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, screen);
    assert.ok(typed, screen);
    assert.ok(!screen.includes(USER_PASSWORD), `the password appeared on the terminal:\n${screen}`);
    assert.match(screen, /eyJ[\w-]+\.[\w-]+\.[\w-]+/, screen);
  });
});

describe('login against a stand-in that checks the SRP proof and the SECRET_HASH', () => {
  const poolId = 'eu-west-1_StandIn1';
  const username = 'carol@example.com';
  const password = 'Carol-passw0rd!';
  const secret = 'the-app-clients-secret';
  let plain: CognitoStandIn;
  let withSecret: CognitoStandIn;
  let passwordOnly: CognitoStandIn;

  before(async () => {
    const users = [{ username, password }];
    plain = await CognitoStandIn.start({ poolId, clientId: 'plainclient', users });
    withSecret = await CognitoStandIn.start({ poolId, clientId: 'secretclient', clientSecret: secret, users, flows: ['USER_SRP_AUTH', 'USER_PASSWORD_AUTH', 'REFRESH_TOKEN_AUTH'] });
    passwordOnly = await CognitoStandIn.start({ poolId, clientId: 'pwclient', users, flows: ['USER_PASSWORD_AUTH'] });
  });

  after(async () => {
    await Promise.all([plain, withSecret, passwordOnly].map((s) => s?.close()));
  });

  const login = (standIn: CognitoStandIn, clientId: string, ...args: string[]) => ['login', '--user-pool-id', poolId, '--endpoint', standIn.url, '--client-id', clientId, '--username', username, ...args];
  const env = (extra: NodeJS.ProcessEnv = {}) => cleanEnv({ COGNITO_PASSWORD: password, ...extra });

  test('SRP: the proof is accepted, signed for the user id Cognito named, and the password never leaves', async () => {
    const before = plain.calls.length;
    const token = tokenOf(await runCli(login(plain, 'plainclient'), { env: env() }));
    assert.equal(claimsOf(token).sub, plain.userIdOf(username));
    const calls = plain.calls.slice(before);
    assert.deepEqual(calls.map((c) => c.target.replace('AWSCognitoIdentityProviderService.', '')), ['InitiateAuth', 'RespondToAuthChallenge']);
    assert.equal(JSON.parse(calls[0]!.body).AuthFlow, 'USER_SRP_AUTH');
    for (const call of calls) assert.ok(!call.body.includes(password), `the password was sent: ${call.body}`);
  });

  test('SRP: a wrong password fails the proof and is exit 5', async () => {
    const r = await runCli(login(plain, 'plainclient'), { env: env({ COGNITO_PASSWORD: 'Not-her-passw0rd!' }) });
    assertCleanError(r, 5, /Incorrect username or password/);
  });

  test('auto falls back to the password flow when the app client does not allow SRP', async () => {
    const r = await runCli(login(passwordOnly, 'pwclient'), { env: env() });
    tokenOf(r);
    assert.match(r.stderr, /USER_SRP_AUTH is not offered here \(InvalidParameterException\); signing in with USER_PASSWORD_AUTH/, show(r));
    const forced = await runCli(login(passwordOnly, 'pwclient', '--flow', 'srp'), { env: env() });
    assertCleanError(forced, 2, /app client pwclient does not allow USER_SRP_AUTH/, /ALLOW_USER_SRP_AUTH/);
  });

  for (const flow of ['srp', 'password']) {
    test(`a client secret: --client-secret or COGNITO_CLIENT_SECRET adds a SECRET_HASH Cognito accepts (${flow})`, async () => {
      tokenOf(await runCli(login(withSecret, 'secretclient', '--flow', flow, '--client-secret', secret), { env: env() }));
      tokenOf(await runCli(login(withSecret, 'secretclient', '--flow', flow), { env: env({ COGNITO_CLIENT_SECRET: secret }) }));
    });
  }

  test('a missing or wrong client secret is refused with exit 2 and a hint', async () => {
    assertCleanError(await runCli(login(withSecret, 'secretclient'), { env: env() }), 2, /SECRET_HASH was not received/, /--client-secret or set COGNITO_CLIENT_SECRET/);
    assertCleanError(await runCli(login(withSecret, 'secretclient', '--client-secret', 'wrong'), { env: env() }), 2, /Unable to verify secret hash/);
  });

  test('a refresh with a client secret needs --username, and then works', async () => {
    const first = await runCli(login(withSecret, 'secretclient', '--json', '--client-secret', secret), { env: env() });
    assertOk(first);
    const { refreshToken } = JSON.parse(first.stdout) as { refreshToken: string };
    const base = ['login', '--user-pool-id', poolId, '--endpoint', withSecret.url, '--client-id', 'secretclient', '--client-secret', secret, '--refresh', refreshToken];
    assertCleanError(await runCli(base), 2, /needs --username/);
    tokenOf(await runCli([...base, '--username', username]));
  });
});
