/**
 * Cognito's own hosts, on this machine: an HTTPS server with a certificate
 * (from a throw-away CA) for both issuer forms of a region,
 * cognito-idp.{region}.amazonaws.com (ORIGINAL) and
 * issuer-cognito-idp.{region}.amazonaws.com (UPDATED), reached through a
 * CONNECT proxy on 127.0.0.1 (HTTPS_PROXY). Each host serves
 * /{pool}/.well-known/jwks.json, or answers 403 as the UPDATED host does for
 * a pool not switched to it.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SigningKey } from '../../src/issuer';
import { accessClaims } from './jwks-server';
import { ConnectProxy } from './proxy';
import { makeCertificates, TestCertificates } from './tls';

export const REGION = 'eu-west-1';
export const original = (pool: string, region = REGION) => `https://cognito-idp.${region}.amazonaws.com/${pool}`;
export const updated = (pool: string, region = REGION) => `https://issuer-cognito-idp.${region}.amazonaws.com/${pool}`;

/** An access token of app client `clientId` with issuer `iss`, signed by one of the stand-in's keys. */
export function awsAccessToken(key: SigningKey, iss: string, clientId: string, extra: Record<string, unknown> = {}): string {
  return key.sign({ ...accessClaims('staff-1', { client_id: clientId, ...extra }), iss }, { expiresIn: '1h' });
}

export type HostMode = 'ok' | 'forbidden';

export class AwsCognitoStandIn {
  /** `host path` of every request, in order. */
  readonly requests: string[] = [];
  readonly modes = new Map<string, HostMode>();
  /** When the last request arrived (ms since epoch). */
  lastRequestAt = 0;
  private constructor(
    private readonly server: https.Server,
    readonly proxy: ConnectProxy,
    readonly certs: TestCertificates,
    readonly region: string,
    /** The pool's keys, served on both hosts (the same JWKS content, as AWS says of the UPDATED form). */
    readonly keys: SigningKey[],
  ) {}

  static async start(dir: string, region: string, kids: readonly string[]): Promise<AwsCognitoStandIn> {
    const hosts = [`cognito-idp.${region}.amazonaws.com`, `issuer-cognito-idp.${region}.amazonaws.com`];
    const certs = makeCertificates(dir, hosts);
    let standIn: AwsCognitoStandIn | null = null;
    const server = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => standIn!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = await ConnectProxy.start({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    standIn = new AwsCognitoStandIn(server, proxy, certs, region, kids.map((kid) => new SigningKey(kid)));
    return standIn;
  }

  get originalHost(): string {
    return `cognito-idp.${this.region}.amazonaws.com`;
  }

  get updatedHost(): string {
    return `issuer-cognito-idp.${this.region}.amazonaws.com`;
  }

  /** The environment a CLI needs to reach these hosts: the proxy, the test CA, and loopback left direct. */
  env(): NodeJS.ProcessEnv {
    return { HTTPS_PROXY: this.proxy.url, NO_PROXY: '127.0.0.1,localhost', NODE_EXTRA_CA_CERTS: this.certs.caPath };
  }

  requestsTo(host: string): number {
    return this.requests.filter((r) => r.startsWith(`${host} `)).length;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    this.requests.push(`${host} ${req.url}`);
    this.lastRequestAt = Date.now();
    if (this.modes.get(host) === 'forbidden') {
      res.statusCode = 403;
      res.end('{"message":"Forbidden"}');
      return;
    }
    if (!/^\/[^/]+\/\.well-known\/jwks\.json$/.test(req.url ?? '')) {
      res.statusCode = 404;
      res.end('{"message":"User pool does not exist"}');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: this.keys.map((k) => k.jwk) }));
  }

  async close(): Promise<void> {
    await this.proxy.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
