/**
 * The cost of one request's verification, in process: the plugin's whole
 * per-request path (its withPostGraphileContext wrapper: the gate's verdict,
 * role, settings) against what PostGraphile does alone with --jwt-secret
 * (jsonwebtoken.verify with the PEM string, then a setting per claim), for a
 * repeated token (the same one every call: a hit in the gate's cache of
 * verified tokens) and for a new one (every call a token the cache does not
 * hold).
 */
import jwt from 'jsonwebtoken';
import { resolveConfig } from '../src/config';
import { givenKeys, validateJwks } from '../src/jwks';
import { makeCognitoPlugin } from '../src/adapters/v4';
import { checkAllMiss, compareOps, NEW_TOKEN_CACHE, Op, PerToken } from './timing';

export interface MicroResult {
  /** Ours and PostGraphile's, the same token every call. */
  repeated: PerToken;
  /** Ours and PostGraphile's, a token the cache does not hold every call. */
  fresh: PerToken;
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
  const plugin = (tokenCache?: number) => {
    const flags = { userPoolId: options.userPoolId, endpoint: options.endpoint, clientId: 'client1', allowedRoles: 'app_user', ...(tokenCache === undefined ? {} : { tokenCache }) };
    const { config } = resolveConfig({ flags });
    const pool = config.issuers[0]!;
    const jwks = validateJwks(options.jwks, pool.kind === 'cognito' ? pool.jwksUrl : '');
    const withContext = makeCognitoPlugin({ config, keys: [givenKeys(pool, jwks)] }).withPostGraphileContext(async (_options, callback) => callback({}));
    const op: Op = (token) => withContext({ jwtToken: token }, (context) => context);
    return { op, issuer: pool.issuer };
  };
  // The default cache; and one smaller than the tokens in turn, so that every call misses, is verified and goes in.
  const repeated = plugin();
  const fresh = plugin(NEW_TOKEN_CACHE);

  // postgraphile/build/postgraphile/withPostGraphileContext.js, getSettingsForPgClientTransaction.
  const verifyOptions: jwt.VerifyOptions = { algorithms: ['RS256'], issuer: repeated.issuer, audience: undefined };
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

  const { batches, perBatch, tokens } = options;
  checkAllMiss(tokens, perBatch);
  return {
    repeated: await compareOps(repeated.op, postgraphile, tokens.slice(0, 1), batches, perBatch),
    fresh: await compareOps(fresh.op, postgraphile, tokens, batches, perBatch),
  };
}
