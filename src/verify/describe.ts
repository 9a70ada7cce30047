import { printable } from '../printable';
import { decodeJwtHeader, decodeJwtPayload } from './decode';

/**
 * "kid abc, sub 1234-…" for a log line about a token that may be forged: the
 * token itself is never logged, and these two values only made printable.
 */
export function describeToken(token: string): string {
  const kid = decodeJwtHeader(token)?.kid;
  const sub = decodeJwtPayload(token)?.sub;
  return `kid ${printable(kid)}, sub ${printable(sub)}`;
}
