/**
 * The cost of one verification, in process: the plugin's whole per-request
 * path (its withPostGraphileContext wrapper: verify, role, settings) against
 * what PostGraphile does alone with --jwt-secret (jsonwebtoken.verify with the
 * PEM string, then a setting per claim).
 */
import jwt from 'jsonwebtoken';
import { resolveConfig } from '../src/config';
import { validateJwks } from '../src/jwks';
import { makeCognitoPlugin } from '../src/adapters/v4';

export interface MicroResult {
  oursUs: number;
  postgraphileUs: number;
}

type Op = (token: string) => unknown;

/** Median over `batches` of the mean µs per call, after a warm-up batch. */
async function timePerOp(op: Op, tokens: readonly string[], batches: number, perBatch: number): Promise<number> {
  const means: number[] = [];
  for (let batch = -1; batch < batches; batch++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) await op(tokens[i % tokens.length]!);
    if (batch >= 0) means.push(Number(process.hrtime.bigint() - started) / 1e3 / perBatch);
  }
  means.sort((a, b) => a - b);
  return means[Math.floor(means.length / 2)]!;
}

export async function microbench(options: {
  userPoolId: string;
  endpoint: string;
  jwks: unknown;
  pem: string;
  tokens: readonly string[];
  batches: number;
  perBatch: number;
}): Promise<MicroResult> {
  const { config } = resolveConfig({ flags: { userPoolId: options.userPoolId, endpoint: options.endpoint, clientId: 'client1', allowedRoles: 'app_user' } });
  const jwks = validateJwks(options.jwks, config.jwksUrl);
  const plugin = makeCognitoPlugin({ config, jwks, fetchedAt: Date.now() });
  const withContext = plugin.withPostGraphileContext(async (_options, callback) => callback({}));
  const ours: Op = (token) => withContext({ jwtToken: token }, (context) => context);

  // postgraphile/build/postgraphile/withPostGraphileContext.js, getSettingsForPgClientTransaction.
  const verifyOptions: jwt.VerifyOptions = { algorithms: ['RS256'], issuer: config.issuer, audience: undefined };
  const postgraphile: Op = async (token) => {
    const claims = await new Promise<Record<string, unknown>>((resolve, reject) =>
      jwt.verify(token, options.pem, verifyOptions, (error, decoded) => (error ? reject(error) : resolve(decoded as Record<string, unknown>))),
    );
    const settings: [string, string][] = [];
    for (const key in claims) {
      const raw = claims[key];
      const value = raw != null && typeof raw === 'object' ? JSON.stringify(raw) : raw;
      if (value != null) settings.push([`jwt.claims.${key}`, String(value)]);
    }
    return settings;
  };

  // Interleaved, so drift on a busy machine touches both alike.
  const oursRuns: number[] = [];
  const pgRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    oursRuns.push(await timePerOp(ours, options.tokens, options.batches, options.perBatch));
    pgRuns.push(await timePerOp(postgraphile, options.tokens, options.batches, options.perBatch));
  }
  const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { oursUs: mid(oursRuns), postgraphileUs: mid(pgRuns) };
}
