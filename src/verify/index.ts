export { TokenVerifier, scopesOf } from './verifier';
export type { Claims } from './verifier';
export { TrustedVerifier, clientOf, trustedIssuerOf } from './trusted';
export type { VerifiedToken } from './trusted';
export { REJECTION_CODES, TokenRejectedError } from './rejection';
export type { RejectionCode } from './rejection';
export { decodeJwt, decodeJwtHeader, decodeJwtPayload, kidOfToken, MAX_TOKEN_LENGTH } from './decode';
export type { DecodedJwt, JsonObject } from './decode';
export { describeToken } from './describe';
