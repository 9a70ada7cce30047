/** Authenticated load with autocannon: a fixed concurrency, a token per request in turn, every answer checked. */
import autocannon from 'autocannon';

export interface BenchToken {
  sub: string;
  jwt: string;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  answered: number;
  /** Wrong answers, errors and timeouts. */
  failures: number;
  failureSample: string | null;
}

/**
 * `seconds` of POSTs of `payload` over `connections` connections, as fast as
 * the server answers or at `rate` requests per second; each answer must pass
 * `isRight` for the token it carried.
 */
export async function load(
  port: number,
  payload: string,
  tokens: readonly BenchToken[],
  isRight: (body: string, token: BenchToken) => boolean,
  connections: number,
  seconds: number,
  rate?: number,
): Promise<LoadResult> {
  let next = 0;
  let wrong = 0;
  let failureSample: string | null = null;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/graphql`,
    connections,
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
    timeout: 10,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: payload,
    requests: [
      {
        setupRequest(request, context) {
          const token = tokens[next++ % tokens.length]!;
          context.token = token;
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${token.jwt}` } };
        },
        onResponse(status, body, context) {
          if (status === 200 && isRight(body, context.token as BenchToken)) return;
          wrong++;
          failureSample ??= `HTTP ${status}: ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  return {
    rps: result.latency.totalCount / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    answered: result.latency.totalCount,
    failures: wrong + result.errors + result.timeouts,
    failureSample: failureSample ?? (result.errors + result.timeouts > 0 ? `${result.errors} error(s), ${result.timeouts} timeout(s)` : null),
  };
}
