/**
 * Turns verified claims into PostgreSQL settings that are valid on every
 * PostgreSQL version: PostgreSQL 14+ refuses setting names such as
 * `jwt.claims.cognito:groups`, which PostGraphile v4 would produce.
 */

import type { Claims } from '../verify';

export type { Claims };

/**
 * Claims whose meaning the token's type defines (JWT, Cognito access and ID
 * tokens). Their setting names belong to them alone: a look-alike claim
 * (`SUB`, `Cognito:Groups`, `cognito_groups`) never supplies one, even when
 * the real claim is absent.
 */
export const REGISTERED_CLAIMS: readonly string[] = [
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti',
  'token_use', 'client_id', 'username', 'scope', 'auth_time', 'event_id', 'origin_jti', 'version', 'device_key',
  'cognito:username', 'cognito:groups', 'cognito:roles', 'cognito:preferred_role',
  'email', 'email_verified', 'phone_number', 'phone_number_verified', 'identities', 'at_hash', 'nonce',
];

/** `cognito:groups` -> `jwt.claims.cognito_groups`; null when the name cannot become a setting. */
export function settingNameForClaim(claim: string): string | null {
  if (claim === '') return null;
  let part = claim.replace(/[^A-Za-z0-9_]/g, '_');
  // A name part may not start with a digit.
  if (/^[0-9]/.test(part)) part = `_${part}`;
  return `jwt.claims.${part}`;
}

/** PostgreSQL compares setting names case-insensitively: the lower-case name is the key. */
const RESERVED_SETTINGS = new Map(REGISTERED_CLAIMS.map((claim) => [settingNameForClaim(claim)!.toLowerCase(), claim]));

/** Strings as they are, numbers and booleans as text, arrays and objects as JSON; null for null. */
export function settingValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * All claims as settings: `jwt.claims` holds the whole claim set as JSON, and
 * each claim also appears as `jwt.claims.<name>` with every character outside
 * [A-Za-z0-9_] replaced by `_`.
 *
 * When several claims map to one setting (PostgreSQL compares setting names
 * case-insensitively): a registered claim's setting is only ever its own;
 * otherwise the claim whose name needed no rewriting wins, and among the
 * rest the claim name that sorts first (by UTF-16 code units). So the outcome
 * never depends on the order of claims in the token.
 */
export function claimsToSettings(claims: Claims): Record<string, string> {
  const settings: Record<string, string> = { 'jwt.claims': JSON.stringify(claims) };
  const winners = new Map<string, { claim: string; name: string; exact: boolean }>();
  for (const claim of Object.keys(claims)) {
    const name = settingNameForClaim(claim);
    if (name === null || settingValue(claims[claim]) === null) continue;
    const key = name.toLowerCase();
    const owner = RESERVED_SETTINGS.get(key);
    if (owner !== undefined && owner !== claim) continue;
    const exact = name === `jwt.claims.${claim}`;
    const current = winners.get(key);
    if (!current || beats({ claim, exact }, current)) winners.set(key, { claim, name, exact });
  }
  for (const { claim, name } of winners.values()) {
    settings[name] = settingValue(claims[claim])!;
  }
  return settings;
}

function beats(a: { claim: string; exact: boolean }, b: { claim: string; exact: boolean }): boolean {
  if (a.exact !== b.exact) return a.exact;
  return a.claim < b.claim;
}

// NUL, which PostgreSQL text cannot hold, and UTF-16 surrogates not in a pair, which have no UTF-8 form.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True when some claim name or string value, at any depth, holds text that
 * PostgreSQL cannot store (as a setting, or inside the `jwt.claims` JSON
 * read as jsonb): such a token is refused before any SQL runs.
 */
export function hasUnstorableText(claims: Claims): boolean {
  const pending: unknown[] = [claims];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return true;
    } else if (Array.isArray(value)) {
      pending.push(...value);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (UNSTORABLE.test(key)) return true;
        pending.push(item);
      }
    }
  }
  return false;
}
