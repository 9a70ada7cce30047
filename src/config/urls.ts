/** The one place that derives a pool's issuer and JWKS URL. */
export function poolUrls(endpoint: string, userPoolId: string): { issuer: string; jwksUrl: string } {
  const issuer = `${endpoint}/${userPoolId}`;
  return { issuer, jwksUrl: `${issuer}/.well-known/jwks.json` };
}

/** Cognito's public endpoint for a region (China regions live under amazonaws.com.cn). */
export function defaultEndpoint(region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://cognito-idp.${region}.${suffix}`;
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
