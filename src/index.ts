/**
 * The library API, for people who script it:
 * configuration -> JWKS -> PEM / key lookup -> PostGraphile arguments + plugin.
 */
export { resolveConfig, loadRcFile, poolUrls, defaultEndpoint } from './config';
export type { CognitoConfig, RawSettings, TokenUse, ResolvedConfig, RcFile } from './config';
export { fetchJwks, validateJwks, KeyCache } from './jwks';
export type { RsaJwk, UsableKey, ValidatedJwks } from './jwks';
export { pemOf, selectKeys, decodeJwtHeader } from './pem';
export { buildPostGraphileArgs, shellLine, shellQuote, locatePostGraphile } from './postgraphile';
export { makeCognitoPlugin, claimsToSettings, decideRole, CognitoVerifier, TokenRejectedError } from './plugin';
export { PLUGIN_PATH } from './plugin/path';
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
