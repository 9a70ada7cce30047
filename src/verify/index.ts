export { CognitoVerifier } from './verifier';
export type { Claims } from './verifier';
export { TokenRejectedError } from './rejection';
export type { RejectionCode } from './rejection';
export { decodeJwt, decodeJwtHeader, decodeJwtPayload, kidOfToken, MAX_TOKEN_LENGTH } from './decode';
export type { DecodedJwt, JsonObject } from './decode';
export { describeToken } from './describe';
