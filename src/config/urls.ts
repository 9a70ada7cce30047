import type { CognitoIssuerForm } from './types';

/**
 * The one place that derives a pool's issuer and JWKS URL: each issuer
 * serves its keys at `{issuer}/.well-known/jwks.json`, both Cognito forms
 * included (AWS's federation endpoints reference for ORIGINAL; aws-jwt-verify
 * PR #239 derives the UPDATED form's the same way).
 */
export function poolUrls(endpoint: string, userPoolId: string): { issuer: string; jwksUrl: string } {
  const issuer = `${endpoint}/${userPoolId}`;
  return { issuer, jwksUrl: `${issuer}/.well-known/jwks.json` };
}

function awsSuffix(region: string): string {
  // China regions live under amazonaws.com.cn.
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** Cognito's public endpoint for a region: the host of the ORIGINAL issuer form. */
export function defaultEndpoint(region: string): string {
  return `https://cognito-idp.${region}.${awsSuffix(region)}`;
}

/** The host of the UPDATED issuer form, `region` being the pool's primary region (IssuerConfigurationType). */
export function updatedIssuerEndpoint(region: string): string {
  return `https://issuer-cognito-idp.${region}.${awsSuffix(region)}`;
}

export interface PoolIssuerUrls {
  form: CognitoIssuerForm;
  issuer: string;
  jwksUrl: string;
}

/**
 * The issuer URLs a pool's tokens may carry, ORIGINAL first: on AWS both
 * forms (a pool is switched between them by UpdateUserPool, and tokens of the
 * other form live on until they expire); with a custom endpoint (an emulator)
 * only `{endpoint}/{pool}`, as no emulator issues the UPDATED form.
 */
export function poolIssuerUrls(userPoolId: string, region: string | null, customEndpoint: string | null): PoolIssuerUrls[] {
  if (customEndpoint !== null || region === null) {
    return [{ form: 'endpoint', ...poolUrls(customEndpoint ?? '', userPoolId) }];
  }
  return [
    { form: 'original', ...poolUrls(defaultEndpoint(region), userPoolId) },
    { form: 'updated', ...poolUrls(updatedIssuerEndpoint(region), userPoolId) },
  ];
}

/** How a token's iss differs from a pool's issuer `{endpoint}/{pool}`, when only one of the two parts does. */
export type IssuerDifference = { only: 'endpoint'; endpoint: string } | { only: 'pool'; pool: string };

/** Whether `iss` differs from the pool issuer `expected` only in its endpoint, or only in its pool id; null otherwise. */
export function issuerDifference(iss: string, expected: string): IssuerDifference | null {
  const split = (url: string) => {
    const cut = url.lastIndexOf('/');
    return { endpoint: url.slice(0, cut), pool: url.slice(cut + 1) };
  };
  const token = split(iss);
  const ours = split(expected);
  if (token.pool === '' || token.endpoint === '') return null;
  if (token.pool === ours.pool && token.endpoint !== ours.endpoint) return { only: 'endpoint', endpoint: token.endpoint };
  if (token.endpoint === ours.endpoint && token.pool !== ours.pool) return { only: 'pool', pool: token.pool };
  return null;
}

/** OpenID Connect Discovery 1.0, section 4: the issuer, less a trailing slash, and the well-known path. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);

/** True for localhost, 127.0.0.0/8 and ::1: the only hosts plain http may reach. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(host)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A URL fit for messages: credentials in it are masked, also a `password=` query parameter (libpq's). */
export function redact(url: string): string {
  // Up to the last @ before the path: a password may itself contain @.
  return url.replace(/\/\/[^/]*@/, '//***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}
