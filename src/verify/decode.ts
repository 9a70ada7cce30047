import { TokenRejectedError } from './rejection';

/** Longest token accepted; Cognito tokens are a few kilobytes even with many groups. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export type JsonObject = Record<string, unknown>;

export interface DecodedJwt {
  header: JsonObject;
  payload: JsonObject;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Splits and parses a compact JWS, unverified, as strictly as the verifier
 * needs: three base64url parts, a header and a payload that are both JSON
 * objects (not null, an array, a number or a string). Anything else is
 * `malformed`, so no later check ever sees a payload it cannot read.
 */
export function decodeJwt(token: unknown): DecodedJwt {
  if (typeof token !== 'string' || token.length === 0) throw new TokenRejectedError('malformed', 'empty token');
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejectedError('too_large', 'token too large');
  const parts = token.split('.');
  // An empty signature gets as far as the header's alg, so `alg: none` is refused by name.
  if (parts.length !== 3 || !BASE64URL.test(parts[0]!) || !BASE64URL.test(parts[1]!) || !(parts[2] === '' || BASE64URL.test(parts[2]!))) {
    throw new TokenRejectedError('malformed', 'malformed token (not three base64url parts)');
  }
  const header = jsonObject(parts[0]!);
  if (!header) throw new TokenRejectedError('malformed', 'malformed token (the header is not a JSON object)');
  const payload = jsonObject(parts[1]!);
  if (!payload) throw new TokenRejectedError('malformed', 'malformed token (the payload is not a JSON object)');
  return { header, payload };
}

/** The header of something shaped like a JWT, unverified; null otherwise. For reports, never for decisions. */
export function decodeJwtHeader(token: string): JsonObject | null {
  const first = token.trim().split('.');
  if (first.length !== 3 || !BASE64URL.test(first[0] ?? '')) return null;
  return jsonObject(first[0]!);
}

/** The non-empty string `kid` of a JWT's header, unverified; null otherwise. */
export function kidOfToken(token: string): string | null {
  const kid = decodeJwtHeader(token)?.kid;
  return typeof kid === 'string' && kid !== '' ? kid : null;
}

/** The payload of something shaped like a JWT, unverified; null otherwise. For reports, never for decisions. */
export function decodeJwtPayload(token: string): JsonObject | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !BASE64URL.test(parts[1] ?? '')) return null;
  return jsonObject(parts[1]!);
}

function jsonObject(part: string): JsonObject | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}
