import type { CognitoIssuer, TrustedIssuer } from '../config/types';
import { printable } from '../printable';
import { describeAge } from './disk-cache';
import type { LoadedKeys } from './load';
import type { IssuerKeys } from './trusted';

/**
 * For a pool on AWS: which issuer form its tokens use, as its JWKS tell.
 * A pool serves the UPDATED form's JWKS only once switched to it (else HTTP
 * 403), so keys there mean its tokens carry the UPDATED issuer.
 */
export function describeForm(forms: readonly IssuerKeys[]): string | null {
  const original = forms.find((k) => k.issuer.kind === 'cognito' && k.issuer.form === 'original');
  const updated = forms.find((k) => k.issuer.kind === 'cognito' && k.issuer.form === 'updated');
  if (!original || !updated) return null;
  if (updated.loaded) return `tokens use the UPDATED issuer ${updated.issuer.issuer}; the ORIGINAL ${original.issuer.issuer} is accepted too`;
  const why = updated.failure ? updated.failure.reason : 'not fetched';
  if (/^HTTP 40[34]\b/.test(why)) {
    return `tokens use the ORIGINAL issuer ${original.issuer.issuer}; the UPDATED issuer's JWKS answered ${why}, so the pool is not switched to it (its tokens are accepted once it serves keys)`;
  }
  return `tokens use the ORIGINAL issuer ${original.issuer.issuer}, as far as known: the UPDATED issuer's JWKS could not be had (${why})`;
}

/**
 * The one start-up line per pool or OpenID issuer: issuer (and for a pool on
 * AWS which form tokens use), the token checks, kids, and whether the cache
 * was used.
 */
export function describeStartup(forms: readonly IssuerKeys[]): string {
  const first = forms[0]!.issuer;
  const inUse = forms.find((k) => k.loaded && k.issuer.kind === 'cognito' && k.issuer.form === 'updated') ?? forms.find((k) => k.loaded) ?? forms[0]!;
  const keys = inUse.loaded ? describeKeys(inUse.loaded) : `no keys yet (${inUse.failure?.reason ?? 'not loaded'})`;
  if (first.kind === 'oidc') {
    const where = inUse.jwksUrl ? `, keys at ${inUse.jwksUrl}` : '';
    return `OpenID issuer ${first.issuer}${where}: ${describeChecks(first)}, ${keys}`;
  }
  const form = describeForm(forms);
  return `user pool ${first.id} (${form ?? `issuer ${first.issuer}`}): ${describeChecks(first)}, ${keys}`;
}

/** "access tokens, app client check on (1 client)", "audience check on (2 audiences), scope check on (read)". */
export function describeChecks(issuer: TrustedIssuer): string {
  const parts: string[] = [];
  if (issuer.kind === 'cognito') {
    parts.push(describeTokenUse(issuer), describeClientCheck(issuer));
  } else {
    const { audiences } = issuer;
    parts.push(audiences === '*' ? "audience check off ('*': any aud)" : `audience check on (${audiences.length} audience${audiences.length === 1 ? '' : 's'})`);
  }
  if (issuer.scopes.length > 0) parts.push(`scope required (one of ${issuer.scopes.join(', ')})`);
  const clients = Object.keys(issuer.clientRoles).length;
  if (clients > 0) parts.push(`${clients} client role${clients === 1 ? '' : 's'}`);
  return parts.join(', ');
}

function describeTokenUse(pool: CognitoIssuer): string {
  return pool.tokenUse === 'any' ? 'access and ID tokens' : `${pool.tokenUse === 'id' ? 'ID' : 'access'} tokens`;
}

function describeClientCheck({ clientIds }: CognitoIssuer): string {
  return clientIds === '*' ? "app client check off ('*': every app client)" : `app client check on (${clientIds.length} client${clientIds.length === 1 ? '' : 's'})`;
}

/** Describes the keys for the start-up line: "kids [a, b] fetched (cache not used)". */
export function describeKeys(loaded: Pick<LoadedKeys, 'jwks' | 'source'>): string {
  const kids = `kids [${loaded.jwks.keys.map((k) => printable(k.jwk.kid)).join(', ')}]`;
  const { source } = loaded;
  if (source.kind === 'network') return `${kids} fetched (cache not used)`;
  const age = describeAge(Date.now() - source.fetchedAt);
  if (source.why === 'fresh') return `${kids} from the cache (fetched ${age} ago; refreshed once serving)`;
  return `${kids} from the cache (${source.why === 'offline' ? '--offline' : 'the fetch failed'}; fetched ${age} ago)`;
}

/** The issuers' keys grouped per pool or OpenID issuer, in configuration order. */
export function groupBySource(all: readonly IssuerKeys[]): IssuerKeys[][] {
  const groups = new Map<string, IssuerKeys[]>();
  for (const keys of all) {
    const key = `${keys.issuer.kind}:${keys.issuer.id}`;
    groups.set(key, [...(groups.get(key) ?? []), keys]);
  }
  return [...groups.values()];
}
