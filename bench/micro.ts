/**
 * The cost of one verification, in process: the plugin's whole per-request
 * path (its withPostGraphileContext wrapper: verify, role, settings) against
 * what PostGraphile does alone with --jwt-secret (jsonwebtoken.verify with the
 * PEM string, then a setting per claim).
 */
import jwt from 'jsonwebtoken';
import { resolveConfig } from '../src/config';
import { givenKeys, validateJwks } from '../src/jwks';
import { makeCognitoPlugin } from '../src/adapters/v4';
import { compareOps, Op } from './timing';

export interface MicroResult {
  oursUs: number;
  postgraphileUs: number;
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
  const pool = config.issuers[0]!;
  const jwks = validateJwks(options.jwks, pool.kind === 'cognito' ? pool.jwksUrl : '');
  const plugin = makeCognitoPlugin({ config, keys: [givenKeys(pool, jwks)] });
  const withContext = plugin.withPostGraphileContext(async (_options, callback) => callback({}));
  const ours: Op = (token) => withContext({ jwtToken: token }, (context) => context);

  // postgraphile/build/postgraphile/withPostGraphileContext.js, getSettingsForPgClientTransaction.
  const verifyOptions: jwt.VerifyOptions = { algorithms: ['RS256'], issuer: pool.issuer, audience: undefined };
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

  const { oursUs, theirsUs } = await compareOps(ours, postgraphile, options.tokens, options.batches, options.perBatch);
  return { oursUs, postgraphileUs: theirsUs };
}
