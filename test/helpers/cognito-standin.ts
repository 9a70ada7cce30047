/**
 * A stand-in for Cognito's sign-in API on 127.0.0.1, for what cognito-local
 * cannot do: it checks the SRP proof (USER_SRP_AUTH, PASSWORD_VERIFIER) and
 * the SECRET_HASH of an app client with a secret, with Cognito's error types
 * and messages.
 *
 * Its SRP side is written here from the protocol (SRP-6a as Cognito runs it:
 * RFC 5054's 3072-bit group, SHA-256, HKDF "Caldera Derived Key", Java's
 * two's-complement byte encoding), on node:crypto alone (the group from
 * OpenSSL's modp15, modular powers through its Diffie-Hellman, HKDF and HMAC),
 * and shares no code with the client library login uses: a sign-in that it
 * accepts is two independent implementations agreeing.
 */
import { createDiffieHellman, createHash, createHmac, getDiffieHellman, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

type Flow = 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH';

export interface StandInUser {
  /** What the user types (e.g. an e-mail alias). */
  username: string;
  password: string;
  /** FORCE_CHANGE_PASSWORD: created with a temporary password. */
  status?: 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD';
}

export interface StandInOptions {
  poolId: string;
  clientId: string;
  clientSecret?: string;
  users: StandInUser[];
  flows?: Flow[];
}

export interface Call {
  target: string;
  body: string;
}

const N = BigInt(`0x${getDiffieHellman('modp15').getPrime('hex')}`);
const g = 2n;

/** Java's BigInteger.toByteArray() of a non-negative number: minimal, with room for a sign bit. */
function javaBytes(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  else if (/^[89a-f]/.test(hex)) hex = `00${hex}`;
  return Buffer.from(hex, 'hex');
}
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const toBig = (buf: Buffer) => BigInt(`0x${buf.toString('hex') || '0'}`);
const N_BYTES = javaBytes(N);

/** base^exponent mod N, by OpenSSL's Diffie-Hellman (g^x when base is g). */
function modPow(base: bigint, exponent: bigint): bigint {
  const dh = createDiffieHellman(N_BYTES, Number(g));
  dh.setPrivateKey(javaBytes(exponent));
  return toBig(base === g ? dh.generateKeys() : dh.computeSecret(javaBytes(base)));
}

const k = toBig(sha256(javaBytes(N), javaBytes(g)));

interface Account {
  user: StandInUser;
  /** USER_ID_FOR_SRP: Cognito's own name for the user, not what they typed. */
  userId: string;
  salt: bigint;
  verifier: bigint;
}

interface Pending {
  account: Account;
  A: bigint;
  b: bigint;
  B: bigint;
  secretBlock: Buffer;
}

class Refusal extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export class CognitoStandIn {
  readonly calls: Call[] = [];
  private readonly accounts: Account[];
  private readonly sessions = new Map<string, Pending>();
  private readonly refreshTokens = new Map<string, Account>();
  private readonly poolName: string;

  private constructor(
    private readonly server: http.Server,
    private readonly options: StandInOptions,
  ) {
    this.poolName = options.poolId.split('_')[1]!;
    this.accounts = options.users.map((user) => {
      const userId = randomUUID();
      const salt = toBig(randomBytes(16));
      const x = toBig(sha256(javaBytes(salt), sha256(Buffer.from(`${this.poolName}${userId}:${user.password}`, 'utf8'))));
      return { user, userId, salt, verifier: modPow(g, x) };
    });
  }

  static async start(options: StandInOptions): Promise<CognitoStandIn> {
    let standIn: CognitoStandIn | null = null;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => standIn!.handle(String(req.headers['x-amz-target'] ?? ''), body, res));
    });
    standIn = new CognitoStandIn(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Cognito's USER_ID_FOR_SRP for a user. */
  userIdOf(username: string): string {
    return this.accounts.find((a) => a.user.username === username)!.userId;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(target: string, body: string, res: http.ServerResponse): void {
    this.calls.push({ target, body });
    const send = (status: number, value: unknown, type?: string) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) });
      res.end(JSON.stringify(value));
    };
    try {
      const request = JSON.parse(body) as Record<string, unknown>;
      if (request.ClientId !== this.options.clientId) throw new Refusal('ResourceNotFoundException', `User pool client ${String(request.ClientId)} does not exist.`);
      if (target === 'AWSCognitoIdentityProviderService.InitiateAuth') send(200, this.initiateAuth(request));
      else if (target === 'AWSCognitoIdentityProviderService.RespondToAuthChallenge') send(200, this.respond(request));
      else throw new Refusal('UnknownOperationException', '');
    } catch (error) {
      if (error instanceof Refusal) send(400, { __type: error.type, message: error.message }, error.type);
      else send(500, { __type: 'InternalErrorException', message: String(error) }, 'InternalErrorException');
    }
  }

  private checkSecretHash(username: string, given: unknown): void {
    const secret = this.options.clientSecret;
    if (secret === undefined) return;
    if (typeof given !== 'string') throw new Refusal('NotAuthorizedException', `Client ${this.options.clientId} is configured with secret but SECRET_HASH was not received`);
    const expected = createHmac('sha256', secret).update(username + this.options.clientId).digest('base64');
    if (given !== expected) throw new Refusal('NotAuthorizedException', `Unable to verify secret hash for client ${this.options.clientId}`);
  }

  private flowAllowed(flow: Flow): void {
    const flows = this.options.flows ?? ['USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH'];
    if (flows.includes(flow)) return;
    throw new Refusal('InvalidParameterException', flow === 'USER_SRP_AUTH' ? 'USER_SRP_AUTH is not enabled for the client.' : `${flow} flow not enabled for this client`);
  }

  private initiateAuth(request: Record<string, unknown>): unknown {
    const flow = request.AuthFlow as Flow;
    this.flowAllowed(flow);
    const params = (request.AuthParameters ?? {}) as Record<string, string>;
    if (flow === 'REFRESH_TOKEN_AUTH') {
      const account = this.refreshTokens.get(params.REFRESH_TOKEN ?? '');
      if (!account) throw new Refusal('NotAuthorizedException', 'Invalid Refresh Token');
      this.checkSecretHash(params.USERNAME ?? account.user.username, params.SECRET_HASH);
      return { ChallengeParameters: {}, AuthenticationResult: this.tokens(account, false) };
    }
    const account = this.accounts.find((a) => a.user.username === params.USERNAME);
    this.checkSecretHash(params.USERNAME ?? '', params.SECRET_HASH);
    if (!account) throw new Refusal('NotAuthorizedException', 'Incorrect username or password.');
    if (flow === 'USER_PASSWORD_AUTH') {
      if (params.PASSWORD !== account.user.password) throw new Refusal('NotAuthorizedException', 'Incorrect username or password.');
      return this.afterPassword(account);
    }
    // A number in hex, as Java's BigInteger(hex, 16) reads it: it may have an odd number of digits.
    if (!/^[0-9a-fA-F]+$/.test(params.SRP_A ?? '')) throw new Refusal('InvalidParameterException', 'SRP_A is invalid');
    const A = BigInt(`0x${params.SRP_A}`);
    if (A % N === 0n) throw new Refusal('InvalidParameterException', 'SRP_A is invalid');
    const b = toBig(randomBytes(32));
    const B = (k * account.verifier + modPow(g, b)) % N;
    const session = randomBytes(24).toString('base64');
    const secretBlock = randomBytes(64);
    this.sessions.set(session, { account, A, b, B, secretBlock });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      Session: session,
      ChallengeParameters: { SALT: account.salt.toString(16), SRP_B: B.toString(16), SECRET_BLOCK: secretBlock.toString('base64'), USER_ID_FOR_SRP: account.userId, USERNAME: account.userId },
    };
  }

  private respond(request: Record<string, unknown>): unknown {
    if (request.ChallengeName !== 'PASSWORD_VERIFIER') throw new Refusal('InvalidParameterException', 'unexpected challenge');
    const pending = this.sessions.get(String(request.Session));
    if (!pending) throw new Refusal('NotAuthorizedException', 'Invalid session for the user.');
    this.sessions.delete(String(request.Session));
    const r = (request.ChallengeResponses ?? {}) as Record<string, string>;
    const { account, A, b, B, secretBlock } = pending;
    if (r.USERNAME !== account.userId) throw new Refusal('NotAuthorizedException', 'Incorrect username or password.');
    this.checkSecretHash(account.userId, r.SECRET_HASH);
    if (!/^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} UTC \d{4}$/.test(r.TIMESTAMP ?? '')) throw new Refusal('InvalidParameterException', 'TIMESTAMP format is invalid');
    if (r.PASSWORD_CLAIM_SECRET_BLOCK !== secretBlock.toString('base64')) throw new Refusal('NotAuthorizedException', 'Incorrect username or password.');
    const u = toBig(sha256(javaBytes(A), javaBytes(B)));
    const S = modPow((A * modPow(account.verifier, u)) % N, b);
    const key = Buffer.from(hkdfSync('sha256', javaBytes(S), javaBytes(u), 'Caldera Derived Key', 16));
    const expected = createHmac('sha256', key)
      .update(Buffer.concat([Buffer.from(this.poolName), Buffer.from(account.userId), secretBlock, Buffer.from(r.TIMESTAMP!)]))
      .digest('base64');
    if (r.PASSWORD_CLAIM_SIGNATURE !== expected) throw new Refusal('NotAuthorizedException', 'Incorrect username or password.');
    return this.afterPassword(account);
  }

  private afterPassword(account: Account): unknown {
    if (account.user.status === 'FORCE_CHANGE_PASSWORD') {
      return { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: randomBytes(24).toString('base64'), ChallengeParameters: { USER_ID_FOR_SRP: account.userId, requiredAttributes: '[]', userAttributes: '{}' } };
    }
    return { ChallengeParameters: {}, AuthenticationResult: this.tokens(account, true) };
  }

  private tokens(account: Account, withRefresh: boolean): Record<string, unknown> {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const jwt = (claims: Record<string, unknown>) =>
      [{ alg: 'RS256', kid: 'stand-in' }, { sub: account.userId, exp, iss: `${this.url}/${this.options.poolId}`, ...claims }].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.c2lnbmF0dXJl';
    const refresh = withRefresh ? randomBytes(32).toString('base64url') : undefined;
    if (refresh) this.refreshTokens.set(refresh, account);
    return {
      AccessToken: jwt({ token_use: 'access', client_id: this.options.clientId, username: account.userId }),
      IdToken: jwt({ token_use: 'id', aud: this.options.clientId, 'cognito:username': account.userId, email: account.user.username }),
      ...(refresh ? { RefreshToken: refresh } : {}),
      ExpiresIn: 3600,
      TokenType: 'Bearer',
    };
  }
}
