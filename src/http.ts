/**
 * The axios options of every call this tool makes: one deadline that also
 * covers DNS and connecting (axios' own timeout does not), the body as text
 * within a size limit, no redirects (which could also lead from https to
 * plain http, as aws-jwt-verify also refuses), and every status returned for
 * the caller to judge.
 */
export function boundedRequest(timeoutMs: number, maxBytes: number) {
  return {
    timeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
    responseType: 'text' as const,
    transformResponse: [(data: unknown) => data],
    maxContentLength: maxBytes,
    maxRedirects: 0,
    validateStatus: () => true,
  };
}
