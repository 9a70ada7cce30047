import { CognitoUnavailableError, UsageError } from '../errors';
import { callCognito, CognitoApiError, Operation } from './api';
import { AUTH_FLOWS, describeRefusal, Flow, isFlowNotOffered, RefusalContext, unansweredChallenge } from './refusals';
import { secretHash, startSrp } from './srp';

/** `auto` tries SRP and falls back to the password flow when SRP is not offered. */
export type FlowChoice = 'auto' | 'srp' | 'password';
export const FLOW_CHOICES: readonly FlowChoice[] = ['auto', 'srp', 'password'];

export interface Client {
  /** Cognito's API endpoint (config.endpoint): https://cognito-idp.{region}.amazonaws.com, or an emulator. */
  endpoint: string;
  userPoolId: string;
  clientId: string;
  /** The app client's secret, when it has one: every call then carries SECRET_HASH. */
  clientSecret: string | null;
}

export interface SignInInput extends Client {
  username: string;
  password: string;
  flow: FlowChoice;
  /** Told when auto falls back from SRP to the password flow. */
  onFallback?: (text: string) => void;
}

export interface RefreshInput extends Client {
  refreshToken: string;
  /** Needed for SECRET_HASH only. */
  username: string | null;
}

/** What Cognito returned; Cognito sends no new refresh token on a refresh. */
export interface TokenSet {
  flow: Flow;
  accessToken: string;
  idToken: string;
  refreshToken: string | null;
}

interface AuthResult {
  ChallengeName?: string;
  ChallengeParameters?: Record<string, string>;
  Session?: string;
  AuthenticationResult?: { AccessToken?: unknown; IdToken?: unknown; RefreshToken?: unknown };
}

/** Signs a user in with SRP or the password flow; throws typed errors with exit codes. */
export async function signIn(input: SignInInput): Promise<TokenSet> {
  if (input.flow !== 'auto') return signInWith(input.flow, input);
  try {
    return await signInWith('srp', input);
  } catch (error) {
    if (!(error instanceof NotOffered)) throw error;
    input.onFallback?.(`${AUTH_FLOWS.srp} is not offered here (${error.refusal.type}); signing in with ${AUTH_FLOWS.password}`);
    return signInWith('password', input);
  }
}

/** New access and ID tokens from a refresh token (REFRESH_TOKEN_AUTH). */
export async function refresh(input: RefreshInput): Promise<TokenSet> {
  if (input.clientSecret !== null && input.username === null) {
    throw new UsageError('with a client secret, a refresh needs --username: SECRET_HASH is computed from it', 'add --username NAME (the username Cognito knows the user by: for a pool that signs in by e-mail, the sub)');
  }
  const context = { flow: 'refresh' as const, clientId: input.clientId, userPoolId: input.userPoolId, username: input.username };
  const result = await call(input, 'InitiateAuth', {
    AuthFlow: AUTH_FLOWS.refresh,
    ClientId: input.clientId,
    AuthParameters: { REFRESH_TOKEN: input.refreshToken, ...withSecret(input, input.username ?? '') },
  }, context);
  if (result.ChallengeName) throw unansweredChallenge(result.ChallengeName, input.username, input.userPoolId);
  return tokensOf(result, 'refresh');
}

/** An internal signal: the flow is not offered, so auto may try the other one. */
class NotOffered extends Error {
  constructor(readonly refusal: CognitoApiError) {
    super(refusal.message);
  }
}

async function signInWith(flow: Exclude<FlowChoice, 'auto'>, input: SignInInput): Promise<TokenSet> {
  const context = { flow, clientId: input.clientId, userPoolId: input.userPoolId, username: input.username };
  const first = (authParameters: Record<string, string>) =>
    call(input, 'InitiateAuth', { AuthFlow: AUTH_FLOWS[flow], ClientId: input.clientId, AuthParameters: authParameters }, context, input.flow === 'auto' && flow === 'srp');
  const secret = withSecret(input, input.username);
  if (flow === 'password') {
    const result = await first({ USERNAME: input.username, PASSWORD: input.password, ...secret });
    if (result.ChallengeName) throw unansweredChallenge(result.ChallengeName, input.username, input.userPoolId);
    return tokensOf(result, flow);
  }
  const srp = await startSrp(input.userPoolId);
  const started = await first({ USERNAME: input.username, SRP_A: srp.srpA, ...secret });
  if (started.ChallengeName !== 'PASSWORD_VERIFIER') {
    if (started.ChallengeName) throw unansweredChallenge(started.ChallengeName, input.username, input.userPoolId);
    throw new CognitoUnavailableError(`Cognito answered ${AUTH_FLOWS.srp} without the PASSWORD_VERIFIER challenge`, 'is --endpoint a Cognito endpoint? try --flow password');
  }
  const answer = await srp.answer(started.ChallengeParameters ?? {}, input.password);
  // SECRET_HASH of the answer is computed with the user id Cognito named (a pool may sign in by alias).
  const result = await call(input, 'RespondToAuthChallenge', {
    ChallengeName: 'PASSWORD_VERIFIER',
    ClientId: input.clientId,
    ChallengeResponses: { ...answer, ...withSecret(input, answer.USERNAME!) },
    ...(started.Session ? { Session: started.Session } : {}),
  }, context);
  if (result.ChallengeName) throw unansweredChallenge(result.ChallengeName, input.username, input.userPoolId);
  return tokensOf(result, flow);
}

/** One call; Cognito's refusals become typed errors, or NotOffered when auto may try the other flow. */
async function call(client: Client, operation: Operation, body: Record<string, unknown>, context: RefusalContext, mayFallBack = false): Promise<AuthResult> {
  try {
    return await callCognito<AuthResult>(client.endpoint, operation, body);
  } catch (error) {
    if (!(error instanceof CognitoApiError)) throw error;
    if (mayFallBack && isFlowNotOffered(error)) throw new NotOffered(error);
    throw describeRefusal(error, context);
  }
}

function withSecret(client: Client, username: string): { SECRET_HASH?: string } {
  return client.clientSecret === null ? {} : { SECRET_HASH: secretHash(username, client.clientId, client.clientSecret) };
}

function tokensOf(result: AuthResult, flow: Flow): TokenSet {
  const tokens = result.AuthenticationResult;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  const accessToken = text(tokens?.AccessToken);
  const idToken = text(tokens?.IdToken);
  if (accessToken === null || idToken === null) {
    throw new CognitoUnavailableError('Cognito answered without an access and an ID token', 'is --endpoint a Cognito endpoint?');
  }
  return { flow, accessToken, idToken, refreshToken: text(tokens?.RefreshToken) };
}
