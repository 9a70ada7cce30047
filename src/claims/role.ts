import { Claims } from './settings';

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
 * entry that is an allowed role wins; with the explicit `'*'`, the first
 * entry. A claim that names only roles outside the allow-list is refused,
 * never switched to; an empty allow-list allows nothing. With no role claim
 * (null) no token chooses a role.
 */
export function decideRole(claims: Claims, roleClaim: readonly string[] | null, allowedRoles: readonly string[] | '*'): RoleDecision {
  if (roleClaim === null) return { kind: 'none' };
  const value = claimAtPath(claims, roleClaim);
  const candidates = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const named = candidates.filter((c) => c !== '');
  if (named.length === 0) return { kind: 'none' };
  if (allowedRoles === '*') {
    const role = named[0]!;
    if (isReservedRoleName(role)) {
      return { kind: 'refuse', reason: `the role claim ${roleClaim.join(',')} names "none", which PostgreSQL takes as no role at all` };
    }
    return { kind: 'role', role };
  }
  const allowed = named.find((c) => allowedRoles.includes(c));
  if (allowed !== undefined) return { kind: 'role', role: allowed };
  return { kind: 'refuse', reason: `the role claim ${roleClaim.join(',')} names no allowed role` };
}
