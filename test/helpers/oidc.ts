/**
 * A real OpenID Connect provider on 127.0.0.1: oidc-provider (OpenID
 * Certified), issuing real JWTs. Access tokens are JWTs through resource
 * indicators (client credentials, signed ES256); ID tokens come from the
 * authorization code flow through its development login pages (signed RS256).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcProviderOptions {
  /** The resource (audience) of its JWT access tokens. */
  resource: string;
  /** Scopes the machine client may ask for. */
  scopes: readonly string[];
  /** Claims of every signed-in user, next to sub (e.g. Keycloak's realm_access). */
  userClaims?: Record<string, unknown>;
}

export const MACHINE_CLIENT = 'machine-client';
export const WEB_CLIENT = 'web-client';
const REDIRECT = 'http://127.0.0.1:9/callback';

/** What the provider serves, and the tokens it issues. */
export class OidcProvider {
  /** Requests it received, by path; the tests count them. */
  readonly requests: string[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly issuer: string,
  ) {}

  static async start(options: OidcProviderOptions): Promise<OidcProvider> {
    // oidc-provider is an ES module without type definitions: imported by name when a test needs it.
    const moduleName = 'oidc-provider';
    const { default: Provider } = (await import(moduleName)) as { default: new (issuer: string, config: Record<string, unknown>) => OidcServer };
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const scope = options.scopes.join(' ');
    const provider = new Provider(issuer, {
      jwks: { keys: [{ ...rsa, kid: 'oidc-rsa', alg: 'RS256', use: 'sig' }, { ...ec, kid: 'oidc-ec', alg: 'ES256', use: 'sig' }] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      clients: [
        { client_id: MACHINE_CLIENT, client_secret: 'machine-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope },
        { client_id: WEB_CLIENT, client_secret: 'web-secret', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [REDIRECT] },
      ],
      features: {
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => options.resource,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope, audience: options.resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
        },
      },
      findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub, ...(options.userClaims ?? {}) }) }),
      claims: { openid: ['sub', ...Object.keys(options.userClaims ?? {})] },
      scopes: ['openid', 'offline_access', ...options.scopes],
      pkce: { required: () => false },
      ttl: { AccessToken: 600, ClientCredentials: 600, IdToken: 600, Interaction: 600, Session: 600, Grant: 600, AuthorizationCode: 60 },
    });
    const handle = provider.callback();
    const oidc = new OidcProvider(server, issuer);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      oidc.requests.push(new URL(req.url ?? '/', issuer).pathname);
      handle(req, res);
    });
    return oidc;
  }

  get discoveryUrl(): string {
    return `${this.issuer}/.well-known/openid-configuration`;
  }

  /** A client-credentials access token (a JWT for the resource) with `scope`. */
  async machineToken(scope: string): Promise<string> {
    const res = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(MACHINE_CLIENT, 'machine-secret') },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
    });
    const body = (await res.json()) as { access_token?: string; error?: string };
    if (!body.access_token) throw new Error(`no access token: ${res.status} ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /** An ID token for `login`, through the authorization code flow and the provider's own login and consent pages. */
  async idToken(login: string): Promise<string> {
    const jar = new Map<string, string>();
    const go = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(new URL(url, this.issuer), { redirect: 'manual', ...init, headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const cookie of res.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
      return res;
    };
    const query = new URLSearchParams({ client_id: WEB_CLIENT, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, nonce: 'n', state: 's' });
    let res = await go(`/auth?${query}`);
    for (let step = 0; step < 12; step++) {
      const location = res.headers.get('location');
      if (location?.startsWith(REDIRECT)) {
        const code = new URL(location).searchParams.get('code');
        const token = await fetch(`${this.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(WEB_CLIENT, 'web-secret') },
          body: new URLSearchParams({ grant_type: 'authorization_code', code: code ?? '', redirect_uri: REDIRECT }),
        });
        const body = (await token.json()) as { id_token?: string };
        if (!body.id_token) throw new Error(`no ID token: ${JSON.stringify(body)}`);
        return body.id_token;
      }
      if (location) {
        res = await go(location);
        continue;
      }
      // A development login or consent page: submit its form.
      const html = await res.text();
      const action = /action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
      if (!action || !prompt) throw new Error(`unexpected page from the provider: ${html.slice(0, 200)}`);
      const form: Record<string, string> = prompt === 'login' ? { prompt, login, password: 'any' } : { prompt };
      res = await go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    }
    throw new Error('the code flow did not end');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The slice of oidc-provider's Provider these tests use. */
interface OidcServer {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}
