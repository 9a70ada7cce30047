/**
 * Every failure a user can cause or fix is one of these classes. Each carries
 * the process exit code and a one-line hint that says what to change, so the
 * CLI never prints a stack trace for them and tests tell failures apart by
 * class, never by parsing a message.
 */

export const ExitCode = {
  ok: 0,
  unexpected: 1,
  /** `doctor`: at least one check failed. */
  checkFailed: 1,
  usage: 2,
  jwks: 3,
  /** `login`: Cognito's sign-in endpoint cannot be reached; the same code as the JWKS. */
  cognitoUnavailable: 3,
  /** `verify`: the token would be refused. */
  invalidToken: 4,
  /** `login`: Cognito refused the sign-in (wrong password, unknown user, expired refresh token). */
  signInRefused: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The message of anything thrown, Error or not. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export abstract class PostgraphileCognitoError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  /** What the user should change; printed on its own line after the message. */
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** Bad flags, environment or rc file: exit 2. */
export class ConfigError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.usage;
}

/** A command used wrongly (missing selector, bad argument): exit 2. */
export class UsageError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.usage;
}

/** The JWKS could not be fetched, or holds no usable key: exit 3. */
export class JwksError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.jwks;
  constructor(
    readonly url: string,
    /** What went wrong: HTTP status, timeout, DNS, invalid JSON, no usable key. */
    readonly reason: string,
    hint?: string,
    /** The endpoint answered that the pool does not exist: a cached copy must not stand in. */
    readonly final = false,
  ) {
    super(`could not get the JWKS from ${url}: ${reason}`, hint);
  }
}

/** An OpenID issuer's discovery document could not be fetched, or is not fit to trust: exit 3, like a bad JWKS. */
export class DiscoveryError extends JwksError {
  constructor(url: string, reason: string, hint?: string, final = false) {
    super(url, reason, hint, final);
    this.message = `could not get the OpenID configuration from ${url}: ${reason}`;
  }
}

/** A key the user asked for is not in the JWKS: exit 2 (they picked it). */
export class KeyNotFoundError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.usage;
}

/** The PostGraphile found in the project cannot be used: exit 2. */
export class PostGraphileVersionError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.usage;
}

/** The demo's PostgreSQL could not be started, reached or prepared: exit 2, the hint says what to change. */
export class DatabaseError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.usage;
}

/** PostGraphile would not find a server plugin the user listed: exit 2. */
export class PluginNotFoundError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.usage;
}

/** Cognito's sign-in endpoint could not be reached or gave no usable answer: exit 3, like the JWKS. */
export class CognitoUnavailableError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.cognitoUnavailable;
}

/** Cognito refused the credentials (wrong password, unknown or unconfirmed user, expired refresh token): exit 5. */
export class SignInRefusedError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.signInRefused;
  constructor(
    /** Cognito's error type, e.g. NotAuthorizedException. */
    readonly type: string,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

/** Sign-in needs a step `login` does not take (a new password, MFA): exit 2, the hint says what to do. */
export class ChallengeError extends PostgraphileCognitoError {
  readonly exitCode = ExitCode.usage;
  constructor(
    /** Cognito's challenge name, e.g. NEW_PASSWORD_REQUIRED. */
    readonly challenge: string,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}
