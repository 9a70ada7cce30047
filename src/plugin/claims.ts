/**
 * Turns verified claims into PostgreSQL settings that are valid on every
 * PostgreSQL version: PostgreSQL 14+ refuses setting names such as
 * `jwt.claims.cognito:groups`, which PostGraphile v4 would produce.
 */

export type Claims = Readonly<Record<string, unknown>>;

/** `cognito:groups` -> `jwt.claims.cognito_groups`; null when the name cannot become a setting. */
export function settingNameForClaim(claim: string): string | null {
  if (claim === '') return null;
  let part = claim.replace(/[^A-Za-z0-9_]/g, '_');
  // A name part may not start with a digit.
  if (/^[0-9]/.test(part)) part = `_${part}`;
  return `jwt.claims.${part}`;
}

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
 * case-insensitively), the claim whose name needed no rewriting wins; among
 * the rest, the claim name that sorts first (by UTF-16 code units) wins. So
 * the outcome never depends on the order of claims in the token.
 */
export function claimsToSettings(claims: Claims): Record<string, string> {
  const settings: Record<string, string> = { 'jwt.claims': JSON.stringify(claims) };
  const winners = new Map<string, { claim: string; name: string; exact: boolean }>();
  for (const claim of Object.keys(claims)) {
    const name = settingNameForClaim(claim);
    if (name === null || settingValue(claims[claim]) === null) continue;
    const key = name.toLowerCase();
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

/** Follows a PostGraphile-style path (`['cognito:groups']`, `['a','b','0']`) into the claims. */
export function claimAtPath(claims: Claims, path: readonly string[]): unknown {
  let current: unknown = claims;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * `set_config('role', 'none')` is SET ROLE NONE: the request would run as the
 * connecting user, past every row-level security policy written for roles.
 */
export function isReservedRoleName(name: string): boolean {
  return name.toLowerCase() === 'none';
}

export type RoleDecision =
  | { kind: 'role'; role: string }
  /** No usable role claim: use the authenticated role or PostGraphile's default. */
  | { kind: 'none' }
  /** The claim names only roles outside the allow-list. */
  | { kind: 'refuse'; reason: string };

/**
 * The role a token asks for. For an array claim (cognito:groups) the first
 * entry that is an allowed role wins, or the first entry when no allow-list is
 * given. A claim that names only roles outside the allow-list is refused,
 * never switched to.
 */
export function decideRole(claims: Claims, roleClaim: readonly string[], allowedRoles: readonly string[]): RoleDecision {
  const value = claimAtPath(claims, roleClaim);
  const candidates = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const named = candidates.filter((c) => c !== '');
  if (named.length === 0) return { kind: 'none' };
  if (allowedRoles.length === 0) {
    const role = named[0]!;
    if (isReservedRoleName(role)) {
      return { kind: 'refuse', reason: `the role claim ${roleClaim.join(',')} names "${role.toLowerCase()}", which PostgreSQL takes as no role at all` };
    }
    return { kind: 'role', role };
  }
  const allowed = named.find((c) => allowedRoles.includes(c));
  if (allowed !== undefined) return { kind: 'role', role: allowed };
  return { kind: 'refuse', reason: `the role claim ${roleClaim.join(',')} names no allowed role` };
}
