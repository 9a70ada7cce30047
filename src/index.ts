/**
 * The library API, for people who script it, in the order data flows:
 * configuration -> JWKS -> verification -> claims and role -> the gate both
 * servers share -> the server adaptors (v4 plugin, v5 preset) -> PostGraphile
 * arguments.
 */
export { resolveConfig, loadRcFile, poolUrls, defaultEndpoint, securityChoicesMissing } from './config';
export type { CognitoConfig, RawSettings, TokenUse, ResolvedConfig, RcFile } from './config';
export { fetchJwks, validateJwks, KeyCache, pemOf, selectKeys } from './jwks';
export type { RsaJwk, UsableKey, ValidatedJwks } from './jwks';
export { CognitoVerifier, TokenRejectedError, decodeJwtHeader } from './verify';
export type { Claims, RejectionCode } from './verify';
export { claimsToSettings, decideRole } from './claims';
export { Gate, checkToken } from './gate';
export type { GateSource, Verdict } from './gate';
export { makeCognitoPlugin } from './adapters/v4';
export { makeCognitoPreset } from './adapters/v5';
export type { CognitoPreset } from './adapters/v5';
export { PLUGIN_PATH } from './adapters/v4/path';
export { buildPostGraphileArgs, shellLine, shellQuote, locatePostGraphile } from './launch';
export { printable } from './printable';
// A Cognito-compatible issuer on 127.0.0.1, for tests of code that verifies Cognito tokens.
export { LocalIssuer, SigningKey } from './issuer';
export type { IssuerOptions, IssuerUser, TokenOptions } from './issuer';
export {
  ExitCode,
  PostgraphileCognitoError,
  ConfigError,
  UsageError,
  JwksError,
  KeyNotFoundError,
  PostGraphileVersionError,
  DatabaseError,
} from './errors';
