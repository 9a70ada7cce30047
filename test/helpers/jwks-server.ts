import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { SigningKey } from '../../src/issuer';

/** A pool key; its published `jwk` is a copy that tests may spoil (use, alg) to serve an unfit key. */
interface FixtureKey {
  kid: string;
  jwk: Record<string, unknown>;
  signing: SigningKey;
}

export type JwksMode =
  | 'ok'
  | 'status-500'
  | 'hang'
  | 'hold'
  | 'drip'
  | 'huge'
  | 'cut-off'
  | 'invalid-json'
  | 'html'
  | 'no-rsa'
  | 'empty'
  | 'not-found'
  | 'redirect';

/**
 * Our own JWKS server on 127.0.0.1: serves any `/<pool>/.well-known/jwks.json`,
 * holds several keys, rotates them, and fails on purpose. (For well-behaved
 * pools with Cognito-shaped tokens, src/issuer's LocalIssuer does the job;
 * this one shares its keys.)
 */
export class JwksFixture {
  readonly keys = new Map<string, FixtureKey>();
  served: string[] = [];
  mode: JwksMode = 'ok';
  /** Extra headers on a good answer, such as Cache-Control. */
  headers: Record<string, string> = {};
  requests = 0;
  /** When the last JWKS request arrived (ms since epoch). */
  lastRequestAt = 0;
  /** Requests held by mode 'hold' until release(). */
  private held: [http.IncomingMessage, http.ServerResponse][] = [];
  private constructor(private readonly server: http.Server) {}

  static async start(kids: string[] = ['key-a', 'key-b']): Promise<JwksFixture> {
    let fixture: JwksFixture | null = null;
    const server = http.createServer((req, res) => fixture!.handle(req, res));
    fixture = new JwksFixture(server);
    for (const kid of kids) fixture.addKey(kid);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fixture;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  issuer(poolId: string): string {
    return `${this.endpoint}/${poolId}`;
  }

  /** Makes a key and, unless told otherwise, publishes it. */
  addKey(kid: string, publish = true): FixtureKey {
    const signing = new SigningKey(kid);
    const key = { kid, jwk: { ...signing.jwk }, signing };
    this.keys.set(kid, key);
    if (publish) this.served.push(kid);
    return key;
  }

  sign(kid: string, payload: Record<string, unknown>, options: jwt.SignOptions = {}): string {
    const key = this.keys.get(kid);
    if (!key) throw new Error(`no fixture key ${kid}`);
    return key.signing.sign(payload, { ...(payload.exp === undefined ? { expiresIn: '1h' } : {}), ...options });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!req.url?.endsWith('/.well-known/jwks.json')) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    this.requests++;
    this.lastRequestAt = Date.now();
    this.respond(req, res);
  }

  /** Answers as the current mode says. */
  private respond(req: http.IncomingMessage, res: http.ServerResponse): void {
    switch (this.mode) {
      case 'hang':
        return; // never answers
      case 'hold':
        // Answers when the test says so (release), as a slow JWKS would.
        this.held.push([req, res]);
        return;
      case 'drip': {
        // Answers, but a byte every half second: never idle long enough for an idle timeout.
        res.setHeader('content-type', 'application/json');
        res.write('{');
        const timer = setInterval(() => res.write(' '), 500);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'huge':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [], padding: 'x'.repeat(2 * 1024 * 1024) }));
        return;
      case 'cut-off':
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-length', '5000');
        res.write('{"keys": [');
        setTimeout(() => res.destroy(), 20);
        return;
      case 'status-500':
        res.statusCode = 500;
        res.end('internal error');
        return;
      case 'redirect':
        // To a path this server answers normally, so following it would succeed.
        res.statusCode = 302;
        res.setHeader('location', `${this.endpoint}/elsewhere${req.url!.replace(/^\/[^/]+/, '')}`);
        res.end();
        return;
      case 'not-found':
        res.statusCode = 404;
        res.end('{"message":"User pool does not exist"}');
        return;
      case 'invalid-json':
        res.setHeader('content-type', 'application/json');
        res.end('{"keys": [ this is not json');
        return;
      case 'html':
        // What a captive portal or a misrouted proxy answers with.
        res.setHeader('content-type', 'text/html');
        res.end('<!doctype html><html><body><h1>Sign in to the network</h1></body></html>');
        return;
      case 'no-rsa':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [{ kty: 'EC', kid: 'ec-key', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', use: 'sig' }] }));
        return;
      case 'empty':
        res.setHeader('content-type', 'application/json');
        res.end('{"keys": []}');
        return;
      default:
        this.answerKeys(res);
    }
  }

  private answerKeys(res: http.ServerResponse): void {
    res.setHeader('content-type', 'application/json');
    for (const [name, value] of Object.entries(this.headers)) res.setHeader(name, value);
    res.end(JSON.stringify({ keys: this.served.map((kid) => this.keys.get(kid)!.jwk) }));
  }

  /** How many requests mode 'hold' is holding. */
  get holding(): number {
    return this.held.filter(([, res]) => !res.destroyed).length;
  }

  /** Answers every held request, and later ones, as `mode` says (by default with the keys). */
  release(mode: JwksMode = 'ok'): void {
    this.mode = mode;
    const held = this.held;
    this.held = [];
    for (const [req, res] of held) if (!res.destroyed) this.respond(req, res);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Claims shaped like a Cognito access token. */
export function accessClaims(sub: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub, token_use: 'access', client_id: 'client1', username: sub, scope: 'aws.cognito.signin.user.admin', ...extra };
}

/** Claims shaped like a Cognito ID token. */
export function idClaims(sub: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub, token_use: 'id', aud: 'client1', 'cognito:username': sub, email: `${sub}@example.com`, email_verified: true, ...extra };
}
