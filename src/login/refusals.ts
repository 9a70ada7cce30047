import { ChallengeError, CognitoUnavailableError, ConfigError, PostgraphileCognitoError, SignInRefusedError, UsageError } from '../errors';
import { printable } from '../printable';
import { CognitoApiError } from './api';

/** The sign-in flows login offers, by Cognito's names. */
export const AUTH_FLOWS = { srp: 'USER_SRP_AUTH', password: 'USER_PASSWORD_AUTH', refresh: 'REFRESH_TOKEN_AUTH' } as const;
export type Flow = keyof typeof AUTH_FLOWS;

export interface RefusalContext {
  flow: Flow;
  clientId: string;
  userPoolId: string;
  /** null for a refresh without --username. */
  username: string | null;
}

/**
 * Whether Cognito (or an emulator) says the app client or the endpoint does
 * not offer this flow: then the other flow may be tried.
 */
export function isFlowNotOffered(error: unknown): boolean {
  if (!(error instanceof CognitoApiError)) return false;
  // cognito-local 5.3 answers USER_SRP_AUTH with HTTP 500 CognitoLocal#Unsupported.
  if (error.type === 'CognitoLocal#Unsupported') return true;
  // Cognito: "USER_SRP_AUTH is not enabled for the client.", "USER_PASSWORD_AUTH flow not enabled for this client".
  return (error.type === 'InvalidParameterException' || error.type === 'UnsupportedOperationException') && /not (enabled|supported)/i.test(error.message);
}

/** Cognito's error as the typed error the CLI reports: what happened, and what to change. */
export function describeRefusal(error: CognitoApiError, context: RefusalContext): PostgraphileCognitoError {
  const { clientId, userPoolId } = context;
  const who = context.username === null ? 'the refresh token' : `user ${printable(context.username)}`;
  const said = error.message ? `: ${printable(error.message)}` : '';
  const type = error.type;
  if (type === 'NotAuthorizedException' && /secret.?hash|with secret|client secret/i.test(error.message)) {
    return new ConfigError(
      `Cognito refused the SECRET_HASH for app client ${clientId}${said}`,
      'this app client has a client secret: pass --client-secret or set COGNITO_CLIENT_SECRET to it (the Cognito console shows it under App clients)',
    );
  }
  if (context.flow === 'refresh' && (type === 'NotAuthorizedException' || type === 'InvalidParameterException') && /refresh token/i.test(error.message)) {
    return new SignInRefusedError(type, `Cognito refused the refresh token${said}`, 'it has expired, been revoked, or belongs to another app client: sign in again with login --username NAME');
  }
  switch (type) {
    case 'NotAuthorizedException':
      if (/disabled/i.test(error.message)) return new SignInRefusedError(type, `${who} is disabled${said}`, `enable them: aws cognito-idp admin-enable-user --user-pool-id ${userPoolId} --username NAME`);
      if (/attempts exceeded/i.test(error.message)) return new SignInRefusedError(type, `Cognito refused ${who}${said}`, 'too many failed sign-ins: wait a while before trying again');
      return new SignInRefusedError(type, `Cognito refused the sign-in of ${who}${said}`, 'check the username (a pool that signs in by e-mail takes the e-mail address) and the password');
    case 'UserNotFoundException':
      return new SignInRefusedError(type, `no ${who} in user pool ${userPoolId}${said}`, 'check the username (a pool that signs in by e-mail takes the e-mail address) and --user-pool-id');
    case 'InvalidPasswordException':
      // cognito-local's answer to a wrong password, where Cognito says NotAuthorizedException.
      return new SignInRefusedError(type, `Cognito refused the sign-in of ${who}${said}`, 'check the password');
    case 'UserNotConfirmedException':
      return new SignInRefusedError(type, `${who} has not confirmed their sign-up${said}`, `confirm them with the code they were sent, or: aws cognito-idp admin-confirm-sign-up --user-pool-id ${userPoolId} --username NAME`);
    case 'PasswordResetRequiredException':
      return new SignInRefusedError(type, `${who} must reset their password${said}`, 'reset it through your app\'s forgot-password step, or: aws cognito-idp admin-set-user-password --permanent');
    case 'ResourceNotFoundException':
      return new ConfigError(`Cognito does not know app client ${clientId} or user pool ${userPoolId}${said}`, 'check --client-id, --user-pool-id, the region and --endpoint');
    case 'TooManyRequestsException':
    case 'LimitExceededException':
    case 'InternalErrorException':
      return new CognitoUnavailableError(`Cognito could not sign in ${who} now (${type})${said}`, 'try again in a little while');
  }
  if (isFlowNotOffered(error)) return flowNotOffered(context.flow, clientId, error);
  return new UsageError(`Cognito refused the sign-in (${printable(type)})${said}`, 'check --client-id, --user-pool-id and --endpoint');
}

/** The flow the user asked for (or the only one left) is not allowed by the app client or the endpoint. */
export function flowNotOffered(flow: Flow, clientId: string, error: CognitoApiError): ConfigError {
  const name = AUTH_FLOWS[flow];
  if (error.type === 'CognitoLocal#Unsupported') {
    return new ConfigError(`this endpoint (cognito-local) does not support ${name}`, flow === 'srp' ? 'use --flow password, or leave --flow out: login then falls back to USER_PASSWORD_AUTH' : 'check --endpoint');
  }
  return new ConfigError(
    `app client ${clientId} does not allow ${name}: ${printable(error.message)}`,
    `allow it in the app client's authentication flows (ALLOW_${name}), e.g. aws cognito-idp update-user-pool-client --explicit-auth-flows ALLOW_USER_SRP_AUTH ALLOW_REFRESH_TOKEN_AUTH${flow === 'password' ? ' ALLOW_USER_PASSWORD_AUTH' : ''}; or try the other --flow`,
  );
}

const CHALLENGE_HINTS: Record<string, string> = {
  SMS_MFA: 'login does not do multi-factor authentication: use a test user without MFA, or turn MFA off for this user (aws cognito-idp admin-set-user-mfa-preference)',
  SOFTWARE_TOKEN_MFA: 'login does not do multi-factor authentication: use a test user without MFA, or turn MFA off for this user (aws cognito-idp admin-set-user-mfa-preference)',
  EMAIL_OTP: 'login does not do multi-factor authentication: use a test user without MFA, or turn MFA off for this user (aws cognito-idp admin-set-user-mfa-preference)',
  SELECT_MFA_TYPE: 'login does not do multi-factor authentication: use a test user without MFA, or turn MFA off for this user (aws cognito-idp admin-set-user-mfa-preference)',
  MFA_SETUP: 'the pool requires MFA and this user has none set up: set it up through your app, or use a pool whose MFA is optional',
  CUSTOM_CHALLENGE: "the pool's Lambda triggers ask a custom challenge, which login cannot answer: sign in through your app",
};

/** A challenge login cannot answer: exit 2 with what to do instead. */
export function unansweredChallenge(name: string, username: string | null, userPoolId: string): ChallengeError {
  const shown = printable(name);
  const who = username === null ? 'this user' : `user ${printable(username)}`;
  const newPassword = `the user was created with a temporary password and must choose their own: sign in once through your app or the hosted UI, or set one: aws cognito-idp admin-set-user-password --user-pool-id ${userPoolId} --username ${username === null ? 'NAME' : printable(username)} --password NEW --permanent`;
  const hint = name === 'NEW_PASSWORD_REQUIRED' ? newPassword : CHALLENGE_HINTS[name] ?? 'sign in through your app, which can answer it';
  const what = name === 'NEW_PASSWORD_REQUIRED' ? `${who} must set a new password before signing in` : `Cognito asks ${who} for ${shown}, which login cannot answer`;
  return new ChallengeError(name, `${what} (challenge ${shown})`, hint);
}
