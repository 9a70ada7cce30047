/**
 * HTTPS_PROXY / NO_PROXY end to end. The default AWS endpoint URL is used,
 * but the only connection made is to a CONNECT proxy on 127.0.0.1 that
 * tunnels to a local HTTPS JWKS server with a certificate for the AWS host
 * name, signed by a throw-away CA passed in NODE_EXTRA_CA_CERTS.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, emptyCacheDir, runCli } from '../helpers/cli';
import { assertCleanError, assertOk, literal, show } from '../helpers/cli-assert';
import { JwksFixture } from '../helpers/jwks-server';
import { freePort } from '../helpers/net';
import { ConnectProxy } from '../helpers/proxy';
import { makeCertificates, TestCertificates } from '../helpers/tls';

const HOST = 'cognito-idp.eu-west-1.amazonaws.com';
const POOL = 'eu-west-1_AbC123';
const KID = 'proxied-key';

describe('proxies', () => {
  let tmp: string;
  let certs: TestCertificates | null = null;
  let httpsServer: https.Server | null = null;
  let proxy: ConnectProxy | null = null;
  let fixture: JwksFixture;
  let deadPort: number;
  const httpsPaths: string[] = [];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-proxy-'));
    fixture = await JwksFixture.start(['plain-key']);
    deadPort = await freePort();
    certs = makeCertificates(tmp, HOST);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] });
    httpsServer = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
      httpsPaths.push(req.url ?? '');
      if (req.url !== `/${POOL}/.well-known/jwks.json`) {
        res.statusCode = 404;
        res.end('not found');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(jwks);
    });
    await new Promise<void>((resolve) => httpsServer!.listen(0, '127.0.0.1', resolve));
    proxy = await ConnectProxy.start({ host: '127.0.0.1', port: (httpsServer.address() as AddressInfo).port });
  });

  after(async () => {
    await proxy?.close();
    if (httpsServer) {
      httpsServer.closeAllConnections();
      await new Promise<void>((resolve) => httpsServer!.close(() => resolve()));
    }
    await fixture?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('HTTPS_PROXY carries the fetch from the default AWS endpoint (CONNECT tunnel)', async () => {
    assert.ok(certs && proxy, 'the certificates or the proxy were not made');
    const connectsBefore = proxy.connects.length;
    const r = await runCli(['keys', '--user-pool-id', POOL], {
      env: cleanEnv({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: certs.caPath }),
      cwd: tmp,
    });
    assertOk(r);
    assert.match(r.stdout, new RegExp(`^${KID}\\s+RS256\\s+RSA\\s+sig$`, 'm'), show(r));
    const connects = proxy.connects.slice(connectsBefore);
    assert.ok(connects.includes(`${HOST}:443`), `CONNECTs seen: ${JSON.stringify(connects)}`);
    assert.ok(httpsPaths.includes(`/${POOL}/.well-known/jwks.json`), JSON.stringify(httpsPaths));
    assert.deepEqual(proxy.plainRequests, []);
  });

  test('lower-case https_proxy works too', async () => {
    assert.ok(certs && proxy, 'the certificates or the proxy were not made');
    const connectsBefore = proxy.connects.length;
    const r = await runCli(['keys', '--json', '--user-pool-id', POOL], {
      env: cleanEnv({ https_proxy: proxy.url, NODE_EXTRA_CA_CERTS: certs.caPath }),
      cwd: tmp,
    });
    assertOk(r);
    assert.deepEqual(JSON.parse(r.stdout).map((k: { kid: string }) => k.kid), [KID]);
    assert.ok(proxy.connects.slice(connectsBefore).includes(`${HOST}:443`));
  });

  test('the TLS certificate is really checked: without the test CA, exit 3 with a TLS error', async () => {
    assert.ok(certs && proxy, 'the certificates or the proxy were not made');
    // A fresh cache folder: the earlier tests saved this URL's keys, which would be used instead.
    const r = await runCli(['keys', '--user-pool-id', POOL, '--cache-dir', emptyCacheDir()], { env: cleanEnv({ HTTPS_PROXY: proxy.url }), cwd: tmp });
    assertCleanError(r, 3, literal(`https://${HOST}/${POOL}/.well-known/jwks.json`), /TLS|certificate/i, /NODE_EXTRA_CA_CERTS/);
  });

  test('NO_PROXY=127.0.0.1 bypasses a dead HTTP_PROXY for a loopback endpoint', async () => {
    const r = await runCli(['keys', '--json', '--user-pool-id', 'local_abc123', '--endpoint', fixture.endpoint], {
      env: cleanEnv({ HTTP_PROXY: `http://127.0.0.1:${deadPort}`, NO_PROXY: '127.0.0.1' }),
      cwd: tmp,
    });
    assertOk(r);
    assert.deepEqual(JSON.parse(r.stdout).map((k: { kid: string }) => k.kid), ['plain-key']);
  });

  test('without NO_PROXY the same dead HTTP_PROXY is used, and the fetch fails (exit 3)', async () => {
    const before = fixture.requests;
    const r = await runCli(['keys', '--user-pool-id', 'local_abc123', '--endpoint', fixture.endpoint, '--cache-dir', emptyCacheDir()], {
      env: cleanEnv({ HTTP_PROXY: `http://127.0.0.1:${deadPort}` }),
      cwd: tmp,
    });
    assertCleanError(r, 3, literal(`${fixture.endpoint}/local_abc123/.well-known/jwks.json`), /connection refused/);
    assert.equal(fixture.requests, before, 'the fixture was reached directly despite HTTP_PROXY');
  });
});
