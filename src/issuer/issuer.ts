import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { poolUrls } from '../config/urls';
import { SigningKey } from './signing-key';
import { IssuerUser } from './users';

export interface IssuerOptions {
  /** The pools whose JWKS is served; any other pool gets Cognito's 404. */
  poolIds: readonly string[];
  /** One key per kid. A real pool has two, and nothing says which signs which token type. */
  kids?: readonly string[];
  /** 127.0.0.1 unless told otherwise: plain http is for this machine only. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface TokenOptions {
  /** The app client: `client_id` of an access token, `aud` of an ID token. */
  clientId: string;
  /** Seconds from now; Cognito's default is one hour. */
  lifetime?: number;
  /** Claims to add or override (`undefined` removes one), for tests of odd tokens. */
  extra?: Record<string, unknown>;
}

/**
 * A Cognito-compatible token issuer on 127.0.0.1: it serves
 * `/{poolId}/.well-known/jwks.json` with two RSA keys, like a real pool, and
 * signs access and ID tokens with Cognito's claims (`iss` is
 * `{endpoint}/{poolId}`). ID tokens are signed with the first key and access
 * tokens with the second, as real pools are reported to do, so a verifier
 * that knows only one key fails on one token type.
 */
export class LocalIssuer {
  readonly keys: readonly SigningKey[];
  private readonly poolIds: Set<string>;

  private constructor(
    private readonly server: http.Server,
    options: IssuerOptions,
  ) {
    this.poolIds = new Set(options.poolIds);
    this.keys = (options.kids ?? ['local-key-1', 'local-key-2']).map((kid) => new SigningKey(kid));
    if (this.keys.length === 0) throw new Error('a local issuer needs at least one key');
  }

  static async start(options: IssuerOptions): Promise<LocalIssuer> {
    const server = http.createServer();
    const issuer = new LocalIssuer(server, options);
    server.on('request', (req, res) => issuer.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return issuer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** What `--endpoint` is set to; an IPv6 host is bracketed. */
  get endpoint(): string {
    const { address } = this.server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${this.port}`;
  }

  issuer(poolId: string): string {
    return poolUrls(this.endpoint, poolId).issuer;
  }

  jwksUrl(poolId: string): string {
    return poolUrls(this.endpoint, poolId).jwksUrl;
  }

  /** The JWKS document every configured pool serves. */
  jwks(): { keys: SigningKey['jwk'][] } {
    return { keys: this.keys.map((key) => key.jwk) };
  }

  /** An access token as Cognito issues it: `client_id`, `username`, `scope`, no `aud`, no custom attributes. */
  accessToken(poolId: string, user: IssuerUser, options: TokenOptions): string {
    const claims = {
      sub: user.sub,
      ...groupsOf(user),
      iss: this.issuer(poolId),
      version: 2,
      client_id: options.clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: user.username,
    };
    return this.signTimed(this.keys[this.keys.length - 1]!, claims, options);
  }

  /** An ID token as Cognito issues it: `aud`, `cognito:username`, `email`, and the `custom:*` attributes. */
  idToken(poolId: string, user: IssuerUser, options: TokenOptions): string {
    const custom = Object.fromEntries(Object.entries(user.custom ?? {}).map(([name, value]) => [`custom:${name}`, value]));
    const claims = {
      sub: user.sub,
      ...groupsOf(user),
      email_verified: true,
      iss: this.issuer(poolId),
      'cognito:username': user.username,
      aud: options.clientId,
      token_use: 'id',
      email: user.email,
      ...custom,
    };
    return this.signTimed(this.keys[0]!, claims, options);
  }

  /** Signs any payload with the key `kid`, for tests that need tokens no pool would issue. */
  sign(kid: string, payload: Record<string, unknown>, options?: Parameters<SigningKey['sign']>[1]): string {
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`the local issuer has no key ${kid}`);
    return key.sign(payload, options);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private signTimed(key: SigningKey, claims: Record<string, unknown>, options: TokenOptions): string {
    const iat = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    const payload: Record<string, unknown> = {
      ...claims,
      origin_jti: randomUUID(),
      event_id: randomUUID(),
      auth_time: iat,
      iat,
      exp: iat + (options.lifetime ?? 3600),
      jti,
      ...options.extra,
    };
    for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
    return key.sign(payload);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const match = /^\/([^/?]+)\/\.well-known\/jwks\.json(?:\?.*)?$/.exec(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.method !== 'GET' || !match || !this.poolIds.has(decodeURIComponent(match[1]!))) {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: 'User pool does not exist' }));
      return;
    }
    res.end(JSON.stringify(this.jwks()));
  }
}

function groupsOf(user: IssuerUser): { 'cognito:groups'?: string[] } {
  return user.groups && user.groups.length > 0 ? { 'cognito:groups': [...user.groups] } : {};
}
