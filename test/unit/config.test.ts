import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { redact } from '../../src/config/urls';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../../src/config/resolve';
import { requireSecurityChoices, securityChoicesMissing } from '../../src/config/choices';
import { loadRcFile, RcFile } from '../../src/config/sources';
import { CognitoConfig, CognitoIssuer, RawSettings, SettingKey } from '../../src/config/types';
import { ConfigError } from '../../src/errors';
import { literal } from '../helpers/cli-assert';
import { configError } from './helpers';

const POOL = 'eu-west-1_AbCdEf123';

/** The first trusted issuer: a pool's ORIGINAL form (or an emulator's only one). */
function pool(config: CognitoConfig): CognitoIssuer {
  const first = config.issuers[0]!;
  assert.equal(first.kind, 'cognito');
  return first as CognitoIssuer;
}

function rc(cognito: Record<string, unknown>, options: Record<string, unknown> = {}): RcFile {
  return { filepath: '/x/.postgraphilerc.js', cognito: cognito as RawSettings, options };
}


describe('resolveConfig: precedence', () => {
  test('a flag beats the environment, which beats the rc file', () => {
    const rcFile = rc({ userPoolId: 'eu-west-1_FromRc', clientId: 'rcclient', tokenUse: 'any' });
    const env = { COGNITO_USER_POOL_ID: 'eu-west-1_FromEnv', COGNITO_CLIENT_ID: 'envclient' };
    const { config } = resolveConfig({ flags: { userPoolId: 'eu-west-1_FromFlag' }, env, rc: rcFile });
    assert.equal(pool(config).userPoolId, 'eu-west-1_FromFlag');
    assert.deepEqual(pool(config).clientIds, ['envclient']);
    assert.equal(pool(config).tokenUse, 'any');
  });

  test('the environment beats the rc file when no flag is given', () => {
    const { config } = resolveConfig({
      env: { COGNITO_USER_POOL_ID: 'eu-west-1_FromEnv' },
      rc: rc({ userPoolId: 'eu-west-1_FromRc' }),
    });
    assert.equal(pool(config).userPoolId, 'eu-west-1_FromEnv');
  });

  test('the rc file is used when nothing else is given', () => {
    const { config } = resolveConfig({ rc: rc({ userPoolId: 'us-east-2_FromRc', clockTolerance: 7 }) });
    assert.equal(pool(config).userPoolId, 'us-east-2_FromRc');
    assert.equal(pool(config).region, 'us-east-2');
    assert.equal(config.clockTolerance, 7);
  });

  test('an empty flag or empty environment variable does not hide the next source', () => {
    const { config } = resolveConfig({
      flags: { userPoolId: '', clientId: '' },
      env: { COGNITO_USER_POOL_ID: '', COGNITO_CLIENT_ID: 'envclient' },
      rc: rc({ userPoolId: POOL }),
    });
    assert.equal(pool(config).userPoolId, POOL);
    assert.deepEqual(pool(config).clientIds, ['envclient']);
  });

  test('COGNITO_REGION is preferred over AWS_REGION', () => {
    const { config } = resolveConfig({
      flags: { userPoolId: 'local_abc', endpoint: 'http://127.0.0.1:9229' },
      env: { COGNITO_REGION: 'eu-central-1', AWS_REGION: 'us-west-2' },
    });
    assert.equal(pool(config).region, 'eu-central-1');
    const onlyAws = resolveConfig({
      flags: { userPoolId: 'local_abc', endpoint: 'http://127.0.0.1:9229' },
      env: { AWS_REGION: 'us-west-2' },
    });
    assert.equal(pool(onlyAws.config).region, 'us-west-2');
  });

  test('AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER is preferred over AWS_ENDPOINT_URL', () => {
    const { config } = resolveConfig({
      flags: { userPoolId: 'local_abc' },
      env: {
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: 'http://127.0.0.1:1111',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:2222',
      },
    });
    assert.equal(pool(config).endpoint, 'http://127.0.0.1:1111');
    const general = resolveConfig({ flags: { userPoolId: 'local_abc' }, env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:2222' } });
    assert.equal(pool(general.config).endpoint, 'http://127.0.0.1:2222');
  });

  test('an --endpoint flag beats the endpoint environment variables', () => {
    const { config } = resolveConfig({
      flags: { userPoolId: 'local_abc', endpoint: 'http://localhost:3333' },
      env: { AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: 'http://127.0.0.1:1111' },
    });
    assert.equal(pool(config).endpoint, 'http://localhost:3333');
  });
});

describe('resolveConfig: defaults and derived values', () => {
  test('defaults for a plain AWS pool id', () => {
    const { config } = resolveConfig({ flags: { userPoolId: POOL } });
    assert.equal(pool(config).region, 'eu-west-1');
    assert.equal(pool(config).tokenUse, 'access');
    assert.deepEqual(pool(config).roleClaim, ['cognito:groups']);
    assert.equal(config.clockTolerance, 5);
    assert.equal(config.kid, null);
    assert.deepEqual(pool(config).clientIds, []);
    assert.deepEqual(pool(config).allowedRoles, []);
    assert.equal(pool(config).authenticatedRole, null);
    assert.equal(pool(config).endpoint, 'https://cognito-idp.eu-west-1.amazonaws.com');
    assert.equal(pool(config).issuer, `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`);
    assert.equal(pool(config).jwksUrl, `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}/.well-known/jwks.json`);
  });

  test('China regions use amazonaws.com.cn', () => {
    const { config } = resolveConfig({ flags: { userPoolId: 'cn-north-1_AbC123' } });
    assert.equal(pool(config).endpoint, 'https://cognito-idp.cn-north-1.amazonaws.com.cn');
    assert.equal(pool(config).issuer, 'https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC123');
  });

  test('GovCloud-style multi-part regions are recognised', () => {
    const { config } = resolveConfig({ flags: { userPoolId: 'us-gov-west-1_AbC123' } });
    assert.equal(pool(config).region, 'us-gov-west-1');
    assert.equal(pool(config).endpoint, 'https://cognito-idp.us-gov-west-1.amazonaws.com');
  });

  test('issuer and jwksUrl derive from a custom endpoint, without a trailing slash', () => {
    const { config } = resolveConfig({ flags: { userPoolId: 'local_abc', endpoint: 'http://127.0.0.1:9229/' } });
    assert.equal(pool(config).endpoint, 'http://127.0.0.1:9229');
    assert.equal(pool(config).region, null);
    assert.equal(pool(config).issuer, 'http://127.0.0.1:9229/local_abc');
    assert.equal(pool(config).jwksUrl, 'http://127.0.0.1:9229/local_abc/.well-known/jwks.json');
  });

  test('a custom endpoint with a path keeps the path and loses trailing slashes', () => {
    const { config } = resolveConfig({ flags: { userPoolId: 'local_abc', endpoint: 'https://idp.example.com/cognito//' } });
    assert.equal(pool(config).endpoint, 'https://idp.example.com/cognito');
    assert.equal(pool(config).issuer, 'https://idp.example.com/cognito/local_abc');
  });

  test('a custom endpoint with an AWS pool id takes the region from the pool id', () => {
    const { config } = resolveConfig({ flags: { userPoolId: POOL, endpoint: 'http://localhost:4566' } });
    assert.equal(pool(config).region, 'eu-west-1');
    assert.equal(pool(config).endpoint, 'http://localhost:4566');
  });

  test('the pool id and token use are trimmed, token use is case-insensitive', () => {
    const { config } = resolveConfig({ flags: { userPoolId: `  ${POOL} `, tokenUse: ' ID ' } });
    assert.equal(pool(config).userPoolId, POOL);
    assert.equal(pool(config).tokenUse, 'id');
  });

  test('comma lists are trimmed and empty entries dropped', () => {
    const { config } = resolveConfig({
      flags: { userPoolId: POOL, clientId: ' c1 , c2,,c3 ', allowedRoles: 'app_user , app_admin,', roleClaim: ' a , b ' },
    });
    assert.deepEqual(pool(config).clientIds, ['c1', 'c2', 'c3']);
    assert.deepEqual(pool(config).allowedRoles, ['app_user', 'app_admin']);
    assert.deepEqual(pool(config).roleClaim, ['a', 'b']);
  });

  test('arrays from the rc file are accepted', () => {
    const { config } = resolveConfig({
      rc: rc({ userPoolId: POOL, clientId: ['c1', ' c2 '], allowedRoles: ['app_user'], roleClaim: ['custom:role'] }),
    });
    assert.deepEqual(pool(config).clientIds, ['c1', 'c2']);
    assert.deepEqual(pool(config).allowedRoles, ['app_user']);
    assert.deepEqual(pool(config).roleClaim, ['custom:role']);
  });

  test('kid, authenticated role and clock tolerance are read', () => {
    const { config } = resolveConfig({
      flags: { userPoolId: POOL, kid: ' k1 ', authenticatedRole: ' app_user ', clockTolerance: '0' },
    });
    assert.equal(config.kid, 'k1');
    assert.equal(pool(config).authenticatedRole, 'app_user');
    assert.equal(config.clockTolerance, 0);
    const env = resolveConfig({ flags: { userPoolId: POOL }, env: { COGNITO_CLOCK_TOLERANCE: '30' } });
    assert.equal(env.config.clockTolerance, 30);
  });

  test('the result and its lists are frozen', () => {
    const { config } = resolveConfig({ flags: { userPoolId: POOL, clientId: 'c1', allowedRoles: 'r' } });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.issuers));
    assert.ok(Object.isFrozen(pool(config)));
    assert.ok(Object.isFrozen(pool(config).clientIds));
    assert.ok(Object.isFrozen(pool(config).roleClaim));
    assert.ok(Object.isFrozen(pool(config).allowedRoles));
    assert.equal(Reflect.set(pool(config), 'userPoolId', 'eu-west-1_Other'), false);
    assert.throws(() => (pool(config).clientIds as string[]).push('c2'), TypeError);
    assert.equal(pool(config).userPoolId, POOL);
  });
});

describe('security choices', () => {
  const missingOf = (flags: Record<string, string>, flagLabel?: (key: SettingKey) => string) =>
    securityChoicesMissing(resolveConfig({ flags: { userPoolId: POOL, ...flags } }).config, flagLabel);

  test('both are missing by default, each with the flags that make it', () => {
    const missing = missingOf({});
    assert.equal(missing.length, 2);
    assert.match(missing[0]!.what, /app client/);
    assert.match(missing[0]!.hint, /--client-id .*--client-id '\*'/);
    assert.match(missing[1]!.what, /cognito:groups/);
    assert.match(missing[1]!.hint, /--allowed-roles .*--allowed-roles '\*'.*--role-claim none/);
  });

  test("a list, or '*' alone, makes each choice", () => {
    assert.deepEqual(missingOf({ clientId: 'c1', allowedRoles: 'app_user' }), []);
    assert.deepEqual(missingOf({ clientId: '*', allowedRoles: '*' }), []);
    assert.equal(pool(resolveConfig({ flags: { userPoolId: POOL, clientId: ' * ', allowedRoles: '*' } }).config).clientIds, '*');
    assert.equal(pool(resolveConfig({ flags: { userPoolId: POOL, clientId: 'c1', allowedRoles: ['*'] as unknown as string } }).config).allowedRoles, '*');
    assert.equal(missingOf({ clientId: 'c1' }).length, 1);
    assert.equal(missingOf({ allowedRoles: 'r' }).length, 1);
  });

  test('--role-claim none needs no allowed roles, and drops the role claim', () => {
    assert.deepEqual(missingOf({ clientId: 'c1', roleClaim: 'none' }), []);
    assert.equal(pool(resolveConfig({ flags: { userPoolId: POOL, roleClaim: 'NONE' } }).config).roleClaim, null);
    const { warnings } = resolveConfig({ flags: { userPoolId: POOL, roleClaim: 'none', allowedRoles: 'r' } });
    assert.match(warnings.map((w) => w.text).join('\n'), /--allowed-roles is ignored/);
  });

  test("'*' mixed with names is refused", () => {
    configError(() => resolveConfig({ flags: { userPoolId: POOL, clientId: 'c1,*' } }), /--client-id mixes '\*'/);
    configError(() => resolveConfig({ rc: rc({ userPoolId: POOL, allowedRoles: ['*', 'app_user'] }) }), /cognito\.allowedRoles in .* mixes/);
  });

  test('environment and rc file make the choices too', () => {
    const env = resolveConfig({ flags: { userPoolId: POOL }, env: { COGNITO_CLIENT_ID: '*', COGNITO_ALLOWED_ROLES: '*' } }).config;
    assert.deepEqual(securityChoicesMissing(env), []);
    const fromRc = resolveConfig({ rc: rc({ userPoolId: POOL, clientId: '*', allowedRoles: ['app_user'] }) }).config;
    assert.deepEqual(securityChoicesMissing(fromRc), []);
  });

  test('requireSecurityChoices throws a ConfigError (exit 2) naming each, in the flags of whoever is asking', () => {
    const config = resolveConfig({ flags: { userPoolId: POOL } }).config;
    const error = configError(() => requireSecurityChoices(config, (key) => `--cognito-${key}`), /no choice made for the app client, nor for the roles/);
    assert.equal(error.exitCode, 2);
    assert.match(error.hint ?? '', /--cognito-clientId/);
    assert.match(error.hint ?? '', /--cognito-allowedRoles/);
    assert.doesNotThrow(() => requireSecurityChoices(resolveConfig({ flags: { userPoolId: POOL, clientId: '*', roleClaim: 'none' } }).config));
  });
});

describe('resolveConfig: warnings', () => {
  test('no warning for a missing client id or allowed roles: they are security choices, required by the servers', () => {
    const { warnings } = resolveConfig({ flags: { userPoolId: POOL } });
    assert.deepEqual(warnings, []);
  });

  test('a region mismatch names the setting it came from', () => {
    assert.throws(
      () => resolveConfig({ flags: { userPoolId: POOL }, env: { COGNITO_REGION: 'us-east-1' } }),
      (e: ConfigError) => /drop COGNITO_REGION/.test(e.hint ?? ''),
    );
  });

  test('no warnings when client id and allowed roles are given', () => {
    const { warnings } = resolveConfig({ flags: { userPoolId: POOL, clientId: 'c1', allowedRoles: 'app_user' } });
    assert.deepEqual(warnings, []);
  });

  test('AWS_REGION differing from the pool prefix is only a warning, and the pool region wins', () => {
    const { config, warnings } = resolveConfig({
      flags: { userPoolId: POOL, clientId: 'c1', allowedRoles: 'r' },
      env: { AWS_REGION: 'us-east-1' },
    });
    assert.equal(pool(config).region, 'eu-west-1');
    assert.equal(pool(config).endpoint, 'https://cognito-idp.eu-west-1.amazonaws.com');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.about, 'pool');
    assert.match(warnings[0]!.text, /AWS_REGION/);
    assert.match(warnings[0]!.text, /us-east-1/);
    assert.match(warnings[0]!.text, /eu-west-1/);
  });

  // An AWS_REGION that is not a region name ("local" is common with emulators) is only a warning.
  test('an AWS_REGION that is not a region name does not stop an AWS pool id', () => {
    let result;
    try {
      result = resolveConfig({ flags: { userPoolId: POOL }, env: { AWS_REGION: 'local' } });
    } catch (error) {
      assert.fail(`AWS_REGION=local should be at most a warning, got: ${(error as Error).message}`);
    }
    assert.equal(pool(result.config).region, 'eu-west-1');
    assert.equal(pool(result.config).endpoint, 'https://cognito-idp.eu-west-1.amazonaws.com');
  });

  test('a matching --region is accepted silently', () => {
    const { config, warnings } = resolveConfig({
      flags: { userPoolId: POOL, region: 'eu-west-1', clientId: 'c1', allowedRoles: 'r' },
    });
    assert.equal(pool(config).region, 'eu-west-1');
    assert.deepEqual(warnings, []);
  });
});

describe('resolveConfig: errors', () => {
  test('no pool id at all', () => {
    const error = configError(() => resolveConfig({}), /no user pool id/);
    assert.match(error.hint ?? '', /--user-pool-id/);
    assert.match(error.hint ?? '', /COGNITO_USER_POOL_ID/);
  });

  test('a malformed pool id names its source', () => {
    configError(() => resolveConfig({ flags: { userPoolId: 'notapool' } }), /notapool/, /--user-pool-id/, /malformed/);
    configError(() => resolveConfig({ env: { COGNITO_USER_POOL_ID: 'eu-west-1_' } }), /COGNITO_USER_POOL_ID/);
    configError(
      () => resolveConfig({ rc: rc({ userPoolId: 'eu-west-1-AbC' }) }),
      /cognito\.userPoolId in \.postgraphilerc\.js/,
    );
  });

  test('a pool id without a region is accepted only with a custom endpoint', () => {
    const error = configError(() => resolveConfig({ flags: { userPoolId: 'local_abc' } }), /local_abc/, /malformed/);
    assert.match(error.hint ?? '', /region/);
    const { config } = resolveConfig({ flags: { userPoolId: 'local_abc', endpoint: 'http://127.0.0.1:9229' } });
    assert.equal(pool(config).userPoolId, 'local_abc');
  });

  test('even with a custom endpoint a pool id needs name_alnum', () => {
    configError(
      () => resolveConfig({ flags: { userPoolId: 'local_ab-c', endpoint: 'http://127.0.0.1:9229' } }),
      /local_ab-c/,
      /malformed/,
    );
    configError(() => resolveConfig({ flags: { userPoolId: 'local', endpoint: 'http://127.0.0.1:9229' } }), /malformed/);
  });

  test('--region differing from the pool prefix is an error', () => {
    configError(() => resolveConfig({ flags: { userPoolId: POOL, region: 'us-east-1' } }), /--region/, /eu-west-1/, /us-east-1/);
  });

  test('COGNITO_REGION or rc region differing from the pool prefix is an error too', () => {
    configError(() => resolveConfig({ flags: { userPoolId: POOL }, env: { COGNITO_REGION: 'us-east-1' } }), /COGNITO_REGION/);
    configError(() => resolveConfig({ flags: { userPoolId: POOL }, rc: rc({ region: 'us-east-1' }) }), /cognito\.region in \.postgraphilerc\.js/);
  });

  test('a region that is not an AWS region', () => {
    configError(() => resolveConfig({ flags: { userPoolId: POOL, region: 'Europe' } }), /Europe/, /--region/, /not an AWS region/);
  });

  test('unknown token use', () => {
    configError(() => resolveConfig({ flags: { userPoolId: POOL, tokenUse: 'refresh' } }), /refresh/, /--token-use/);
    configError(() => resolveConfig({ flags: { userPoolId: POOL }, env: { COGNITO_TOKEN_USE: 'both' } }), /both/, /COGNITO_TOKEN_USE/);
  });

  test('an endpoint that is not http(s)', () => {
    configError(() => resolveConfig({ flags: { userPoolId: 'local_abc', endpoint: 'ftp://127.0.0.1/' } }), /ftp/, /--endpoint/);
    configError(
      () => resolveConfig({ flags: { userPoolId: 'local_abc' }, env: { AWS_ENDPOINT_URL: 'not a url' } }),
      /not a URL/,
      /AWS_ENDPOINT_URL/,
    );
  });

  test('plain http to a non-loopback host is refused', () => {
    for (const endpoint of ['http://example.com', 'http://10.0.0.1:9229', 'http://127.0.0.1.example.com', 'http://localhostx:1']) {
      configError(() => resolveConfig({ flags: { userPoolId: 'local_abc', endpoint } }), /plain http/, /--endpoint/);
    }
  });

  test('plain http to loopback hosts is accepted', () => {
    for (const [endpoint, expected] of [
      ['http://127.0.0.1:9229', 'http://127.0.0.1:9229'],
      ['http://localhost:1', 'http://localhost:1'],
      ['http://[::1]:1', 'http://[::1]:1'],
      ['http://127.5.6.7:80/', 'http://127.5.6.7'],
      ['HTTP://LOCALHOST:1/', 'http://localhost:1'],
    ] as const) {
      const { config } = resolveConfig({ flags: { userPoolId: 'local_abc', endpoint } });
      assert.equal(pool(config).endpoint, expected, endpoint);
    }
  });

  test('https to any host is accepted', () => {
    const { config } = resolveConfig({ flags: { userPoolId: 'local_abc', endpoint: 'https://example.com/' } });
    assert.equal(pool(config).endpoint, 'https://example.com');
  });

  test('an endpoint with query, fragment or credentials is refused', () => {
    for (const endpoint of ['https://example.com/?a=1', 'https://example.com/#x', 'https://u:p@example.com/']) {
      configError(() => resolveConfig({ flags: { userPoolId: 'local_abc', endpoint } }), /--endpoint/);
    }
  });

  test('a bad clock tolerance', () => {
    for (const clockTolerance of ['-1', 'five', '301', '1e9', 'Infinity', ' ']) {
      configError(() => resolveConfig({ flags: { userPoolId: POOL, clockTolerance } }), /clock tolerance/, /--clock-tolerance/);
    }
    configError(() => resolveConfig({ flags: { userPoolId: POOL }, rc: rc({ clockTolerance: -3 }) }), /cognito\.clockTolerance/);
    configError(() => resolveConfig({ flags: { userPoolId: POOL }, env: { COGNITO_CLOCK_TOLERANCE: 'x' } }), /COGNITO_CLOCK_TOLERANCE/);
  });

  test('a malformed client id', () => {
    configError(() => resolveConfig({ flags: { userPoolId: POOL, clientId: 'good,bad id' } }), /bad id/, /--client-id/);
  });

  test('an empty role claim', () => {
    configError(() => resolveConfig({ flags: { userPoolId: POOL, roleClaim: ' , ' } }), /role claim/, /--role-claim/);
  });

  test('non-string values from the rc file are refused with their source', () => {
    configError(() => resolveConfig({ rc: rc({ userPoolId: 42 }) }), /cognito\.userPoolId in \.postgraphilerc\.js/, /number/);
    configError(() => resolveConfig({ rc: rc({ userPoolId: POOL, tokenUse: true }) }), /cognito\.tokenUse/, /boolean/);
    configError(() => resolveConfig({ rc: rc({ userPoolId: POOL, clientId: ['c1', 7] }) }), /cognito\.clientId/, /number/);
    configError(() => resolveConfig({ rc: rc({ userPoolId: POOL, region: ['eu-west-1'] }) }), /cognito\.region/, /array/);
    configError(() => resolveConfig({ rc: rc({ userPoolId: POOL, allowedRoles: { a: 1 } }) }), /cognito\.allowedRoles/, /object/);
  });
});

describe('loadRcFile', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-rc-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('reads .postgraphilerc.js with options and cognito sections', () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, '.postgraphilerc.js'),
      `module.exports = { options: { connection: 'postgres:///app', plugins: ['a'] }, cognito: { userPoolId: '${POOL}', clientId: ['c1'] } };\n`,
    );
    const file = loadRcFile(dir);
    assert.ok(file);
    assert.equal(file.filepath, path.join(dir, '.postgraphilerc.js'));
    assert.deepEqual(file.options, { connection: 'postgres:///app', plugins: ['a'] });
    assert.deepEqual(file.cognito, { userPoolId: POOL, clientId: ['c1'] });
    const { config } = resolveConfig({ rc: file });
    assert.equal(pool(config).userPoolId, POOL);
    assert.deepEqual(pool(config).clientIds, ['c1']);
  });

  test('reads .postgraphilerc.json', () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, '.postgraphilerc.json'),
      JSON.stringify({ options: { watch: true }, cognito: { userPoolId: POOL, tokenUse: 'id' } }),
    );
    const file = loadRcFile(dir);
    assert.ok(file);
    assert.equal(path.basename(file.filepath), '.postgraphilerc.json');
    assert.deepEqual(file.options, { watch: true });
    assert.deepEqual(file.cognito, { userPoolId: POOL, tokenUse: 'id' });
  });

  test('an rc file without a cognito section gives an empty one', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), `module.exports = { options: { watch: true } };\n`);
    const file = loadRcFile(dir);
    assert.ok(file);
    assert.deepEqual(file.cognito, {});
    assert.deepEqual(file.options, { watch: true });
  });

  test('an extensionless .postgraphilerc is JavaScript, as PostGraphile require()s it, and comes first', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc'), `module.exports = { options: { plugins: ['x'] }, cognito: { userPoolId: '${POOL}' } };\n`);
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), `module.exports = { cognito: { userPoolId: 'eu-west-1_Other' } };\n`);
    const file = loadRcFile(dir);
    assert.ok(file);
    assert.equal(path.basename(file.filepath), '.postgraphilerc');
    assert.deepEqual(file.cognito, { userPoolId: POOL });
    assert.deepEqual(file.options, { plugins: ['x'] });
  });

  test('a syntax error in an extensionless .postgraphilerc is a ConfigError with its line, not a crash', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc'), 'module.exports = {\n  cognito: ;\n};\n');
    const error = configError(() => loadRcFile(dir), /could not read the rc file .*\.postgraphilerc:2: syntax error: Unexpected token ';'$/m);
    assert.equal(error.hint, 'fix line 2 of that file, or move it away to run without it');
  });

  test('.postgraphilerc.js wins over .postgraphilerc.json, as in PostGraphile', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), `module.exports = { cognito: { userPoolId: '${POOL}' } };\n`);
    fs.writeFileSync(path.join(dir, '.postgraphilerc.json'), JSON.stringify({ cognito: { userPoolId: 'eu-west-1_Other' } }));
    assert.equal(path.basename(loadRcFile(dir)!.filepath), '.postgraphilerc.js');
  });

  test('no rc file gives null', () => {
    assert.equal(loadRcFile(tempDir()), null);
  });

  test('an rc file is looked for only in the given directory, not its parents', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.json'), JSON.stringify({ cognito: { userPoolId: POOL } }));
    const child = path.join(dir, 'sub');
    fs.mkdirSync(child);
    assert.equal(loadRcFile(child), null);
  });

  test('a syntax error is a ConfigError naming the file and the line', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), "module.exports = {\n  options: {\n    connection: 'postgres://app:s3cret@db/app',\n  }\n  cognito: {},\n};\n");
    const error = configError(() => loadRcFile(dir), new RegExp(`could not read the rc file ${literal(path.join(dir, '.postgraphilerc.js')).source}:5: syntax error: Unexpected identifier 'cognito'$`, 'm'));
    assert.doesNotMatch(error.message, /s3cret/, "the file's text is not quoted");
  });

  test('an error the file throws when it runs names the line too', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), "module.exports = {\n  options: { connection: databaseUrl },\n};\n");
    const error = configError(() => loadRcFile(dir), /\.postgraphilerc\.js:2: databaseUrl is not defined$/m);
    assert.doesNotMatch(error.message, /syntax error/);
  });

  test('a broken .json file is a ConfigError with its line, without quoting the file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.json'), '{\n  "options": {\n    "connection": "postgres://app:s3cret@db/app",\n  }\n}\n');
    const error = configError(() => loadRcFile(dir), /\.postgraphilerc\.json:4: syntax error: .*JSON/);
    assert.doesNotMatch(error.message, /s3cret|while parsing/);
  });

  test('a .json file with a bare word: the error quotes none of the file, even where the word ends a line', () => {
    // Node 20's JSON.parse quotes up to ten characters either side of the bad token, line breaks included.
    for (const text of ['{\n  "options": { "connection": "postgres://db/app", "pw": hunter2 }\n}\n', '{"pw": hunter2\n}\n']) {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, '.postgraphilerc.json'), text);
      const error = configError(() => loadRcFile(dir), /\.postgraphilerc\.json: syntax error: Unexpected token 'h'\n/);
      assert.doesNotMatch(error.message, /hunter|"pw"|postgres:|not valid JSON|while parsing/, error.message);
    }
  });

  test('an unknown key in the cognito section is a ConfigError with a did-you-mean hint on case mismatch', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), `module.exports = { cognito: { userpoolid: '${POOL}' } };\n`);
    const error = configError(() => loadRcFile(dir), /cognito\.userpoolid/, /\.postgraphilerc\.js/);
    assert.match(error.hint ?? '', /did you mean cognito\.userPoolId\?/);
  });

  test('an unknown key without a near match lists the known keys', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), `module.exports = { cognito: { poolName: 'x' } };\n`);
    const error = configError(() => loadRcFile(dir), /cognito\.poolName/);
    assert.match(error.hint ?? '', /known keys: .*userPoolId/);
  });

  test('a cognito section that is not an object is a ConfigError', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.postgraphilerc.js'), `module.exports = { cognito: '${POOL}' };\n`);
    configError(() => loadRcFile(dir), /cognito section/);
  });
});

describe('resolveConfig: NONE is not a role', () => {
  test('none in --allowed-roles or as --authenticated-role is a ConfigError', () => {
    assert.throws(() => resolveConfig({ flags: { userPoolId: POOL, allowedRoles: 'app_user,none' } }), (e: ConfigError) => /SET ROLE NONE/.test(e.message));
    assert.throws(() => resolveConfig({ flags: { userPoolId: POOL, authenticatedRole: 'None' } }), (e: ConfigError) => /--authenticated-role/.test(e.message));
  });
});

describe('redact', () => {
  test('hides credentials in URLs, also a password containing @', () => {
    assert.equal(redact('http://user:pa@ss@127.0.0.1:1/x'), 'http://***@127.0.0.1:1/x');
    assert.equal(redact('https://proxy.example:3128'), 'https://proxy.example:3128');
    assert.equal(redact('http://u@h/p@q'), 'http://***@h/p@q');
  });

  test('hides a password given as a query parameter, as libpq allows', () => {
    assert.equal(redact('postgres:///app?host=/tmp&password=s3cret&user=me'), 'postgres:///app?host=/tmp&password=***&user=me');
    assert.equal(redact('postgres://h/app?PASSWORD=x#f'), 'postgres://h/app?PASSWORD=***#f');
  });
});

describe('--token-cache', () => {
  test('a whole number of tokens, 0 for off; the default otherwise', () => {
    assert.equal(resolveConfig({ flags: { userPoolId: POOL } }).config.tokenCache, 10_000);
    assert.equal(resolveConfig({ flags: { userPoolId: POOL, tokenCache: '0' } }).config.tokenCache, 0);
    assert.equal(resolveConfig({ flags: { userPoolId: POOL }, env: { POSTGRAPHILE_COGNITO_TOKEN_CACHE: '250' } }).config.tokenCache, 250);
    assert.equal(resolveConfig({ rc: rc({ userPoolId: POOL, tokenCache: 42 }) }).config.tokenCache, 42);
  });

  test('anything else is a configuration error naming the setting', () => {
    for (const bad of ['-1', '1.5', 'lots', '2000000']) {
      configError(() => resolveConfig({ flags: { userPoolId: POOL, tokenCache: bad } }), /token cache/, /--token-cache/);
    }
  });
});
