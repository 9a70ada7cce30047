/**
 * Why a token was refused: callers and tests tell refusals apart by this, not
 * by the message. The type is read off this list, so a new code cannot miss
 * the places that list them all (verify --help).
 */
export const REJECTION_CODES = [
  'malformed',
  'too_large',
  'algorithm',
  'no_kid',
  'unknown_kid',
  'keys_unavailable',
  'invalid_signature',
  'expired',
  'not_yet_valid',
  'issuer',
  'claim_types',
  'claim_text',
  'token_use',
  'client',
  'audience',
  'scope',
  'role',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

const STATUS: Partial<Record<RejectionCode, 401 | 503>> = { expired: 401, keys_unavailable: 503 };

/**
 * A token was refused. `statusCode` follows PostGraphile: 401 for an expired
 * token, 403 for any other refusal (503 while no signing key could be loaded).
 * The message goes to the client and names the reason, never token content.
 */
export class TokenRejectedError extends Error {
  readonly statusCode: 401 | 403 | 503;
  constructor(
    readonly code: RejectionCode,
    readonly reason: string,
  ) {
    const statusCode = STATUS[code] ?? 403;
    super(statusCode === 401 ? 'jwt expired' : statusCode === 503 ? 'signing keys are not available yet' : `jwt rejected: ${reason}`);
    this.name = 'TokenRejectedError';
    this.statusCode = statusCode;
  }
}
