/**
 * OpenID issuers by discovery, through the CLI: bad discovery documents are
 * exit 3 with the cause, the document and the JWKS are cached for --offline
 * and outages, and `verify` checks a real oidc-provider's tokens.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { cleanEnv, emptyCacheDir, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, literal, show } from '../helpers/cli-assert';
import { MACHINE_CLIENT, OidcProvider } from '../helpers/oidc';

type DiscoveryMode = 'ok' | 'not-json' | 'wrong-issuer' | 'no-jwks-uri' | 'http-jwks-uri' | 'redirect' | 'huge' | 'status-500';

/** An issuer at http://127.0.0.1:port whose discovery document misbehaves on purpose; its keys (one P-256 key) at /keys. */
class DiscoveryFixture {
  mode: DiscoveryMode = 'ok';
  requests = 0;
  readonly jwk = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'ec-key', alg: 'ES256', use: 'sig' };
  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<DiscoveryFixture> {
    let fixture: DiscoveryFixture | null = null;
    const server = http.createServer((req, res) => fixture!.handle(req, res));
    fixture = new DiscoveryFixture(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fixture;
  }

  get issuer(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests++;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/keys') {
      res.end(JSON.stringify({ keys: [this.jwk] }));
      return;
    }
    const doc = { issuer: this.issuer, jwks_uri: `${this.issuer}/keys` };
    switch (this.mode) {
      case 'not-json':
        return void res.end('{ "issuer": ');
      case 'wrong-issuer':
        return void res.end(JSON.stringify({ ...doc, issuer: `${this.issuer}/` }));
      case 'no-jwks-uri':
        return void res.end(JSON.stringify({ issuer: this.issuer }));
      case 'http-jwks-uri':
        return void res.end(JSON.stringify({ ...doc, jwks_uri: 'http://keys.example.test/keys' }));
      case 'redirect':
        res.statusCode = 302;
        res.setHeader('location', `${this.issuer}/elsewhere/.well-known/openid-configuration`);
        return void res.end();
      case 'huge':
        return void res.end(JSON.stringify({ ...doc, padding: 'x'.repeat(2 * 1024 * 1024) }));
      case 'status-500':
        res.statusCode = 500;
        return void res.end('{}');
      default:
        res.end(JSON.stringify(doc));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('discovery documents through the CLI', () => {
  let fixture: DiscoveryFixture;
  let cwd: string;
  const discoveryUrl = () => `${fixture.issuer}/.well-known/openid-configuration`;
  const keys = (extra: string[] = [], env: NodeJS.ProcessEnv = {}) => runCli(['keys', '--issuer', fixture.issuer, ...extra], { env: cleanEnv(env), cwd });

  before(async () => {
    fixture = await DiscoveryFixture.start();
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-discovery-'));
  });

  after(async () => {
    await fixture?.close();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  const BAD: [DiscoveryMode, RegExp][] = [
    ['not-json', /the answer is not valid JSON/],
    ['wrong-issuer', /the document names the issuer "http:\/\/127\.0\.0\.1:\d+\/", not http:\/\/127\.0\.0\.1:\d+$/m],
    ['no-jwks-uri', /the document has no jwks_uri/],
    ['http-jwks-uri', /its jwks_uri http:\/\/keys\.example\.test\/keys is not https/],
    ['redirect', /HTTP 302 redirect to .*, not followed/],
    ['huge', /larger than 1 MiB/],
  ];
  for (const [mode, cause] of BAD) {
    test(`${mode}: exit 3 naming the document and the cause`, async () => {
      fixture.mode = mode;
      const r = await keys(['--cache-dir', emptyCacheDir()]);
      assertCleanError(r, 3, literal(`could not get the OpenID configuration from ${discoveryUrl()}`), cause);
    });
  }

  test('the keys of a good document: ES256 key listed; the document and the JWKS are cached for --offline and outages', async () => {
    fixture.mode = 'ok';
    const cacheDir = emptyCacheDir();
    const online = await keys(['--json', '--cache-dir', cacheDir]);
    assertOk(online);
    assert.deepEqual(JSON.parse(online.stdout), [{ kid: 'ec-key', alg: 'ES256', kty: 'EC', use: 'sig', issuer: fixture.issuer }]);
    assert.equal(fs.readdirSync(cacheDir).filter((f) => /^(openid|jwks)-[0-9a-f]+\.json$/.test(f)).length, 2, fs.readdirSync(cacheDir).join(' '));

    const before = fixture.requests;
    const offline = await keys(['--json', '--cache-dir', cacheDir, '--offline']);
    assertOk(offline);
    assert.equal(JSON.parse(offline.stdout)[0].kid, 'ec-key');
    assert.equal(fixture.requests, before, '--offline made a request');

    fixture.mode = 'status-500';
    const down = await keys(['--json', '--cache-dir', cacheDir]);
    assertOk(down);
    assert.match(down.stderr, /warning: could not get the OpenID configuration .*HTTP 500.*; using the cached copy from \d+ s ago/);

    fixture.mode = 'ok';
    const doctor = await runCli(['doctor', '--json', '--issuer', fixture.issuer, '--audience', '*', '--cache-dir', emptyCacheDir()], { env: cleanEnv(), cwd });
    const checks = JSON.parse(doctor.stdout).checks as { name: string; status: string; detail: string }[];
    const discovery = checks.find((c) => c.name === 'OpenID configuration');
    assert.equal(discovery?.status, 'pass', show(doctor));
    assert.match(discovery!.detail, new RegExp(`issuer ${fixture.issuer}, keys at ${fixture.issuer}/keys`));
    assert.match(checks.find((c) => c.name === 'JWKS')!.detail, /1 usable ES256 key\(s\): ec-key/);

    const nothing = await keys(['--cache-dir', emptyCacheDir(), '--offline']);
    assertCleanError(nothing, 3, literal(`could not get the OpenID configuration from ${discoveryUrl()}: offline, and there is no cached copy`));
  });
});

describe('verify against oidc-provider', () => {
  let oidc: OidcProvider;
  let cwd: string;
  const RESOURCE = 'https://notes.example.test';

  before(async () => {
    oidc = await OidcProvider.start({ resource: RESOURCE, scopes: ['notes:read', 'notes:write'] });
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-oidc-verify-'));
  });

  after(async () => {
    await oidc?.close();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  const verify = (token: string, flags: string[]) => runCli(['verify', '--json', '--issuer', oidc.issuer, ...flags, token], { env: cleanEnv(), cwd });

  test('a JWT access token (ES256, client credentials) is valid with its audience, scope and client role', async () => {
    const token = await oidc.machineToken('notes:read');
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, 'ES256');
    const r = await verify(token, ['--audience', RESOURCE, '--scope', 'notes:read', '--allowed-roles', 'app_worker', '--client-roles', `${MACHINE_CLIENT}=app_worker`]);
    assert.equal(r.code, 0, show(r));
    const report = JSON.parse(r.stdout);
    assert.equal(report.issuer, oidc.issuer);
    assert.equal(report.role, 'app_worker');
    assert.equal(report.settings['jwt.issuer.id'], oidc.issuer);
    assert.equal(report.settings['jwt.issuer.kind'], 'oidc');
    assert.equal(report.settings['jwt.claims.client_id'], MACHINE_CLIENT);
  });

  test('another audience, a missing scope: refused with their reasons', async () => {
    const token = await oidc.machineToken('notes:write');
    const audience = await verify(token, ['--audience', 'https://other.example.test']);
    assert.equal(audience.code, 4, show(audience));
    assert.equal(JSON.parse(audience.stdout).reason, 'audience');
    const scope = await verify(token, ['--audience', RESOURCE, '--scope', 'notes:read']);
    assert.equal(JSON.parse(scope.stdout).reason, 'scope');
  });

  test('an ID token (RS256, code flow) is valid with its client as audience; the text report names the issuer', async () => {
    const token = await oidc.idToken('alice');
    const r = await runCli(['verify', '--issuer', oidc.issuer, '--audience', 'web-client', token], { env: cleanEnv(), cwd });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, new RegExp(`^VALID for OpenID issuer ${oidc.issuer}$`, 'm'));
    assert.match(r.stdout, /^ {2}subject {4}alice$/m);
  });
});
