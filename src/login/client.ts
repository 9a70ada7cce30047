import { CognitoConfig, cognitoPools } from '../config';
import { UsageError } from '../errors';
import type { Client } from './sign-in';

/** Where the app client's secret is read from when --client-secret is not given. */
export const CLIENT_SECRET_ENV = 'COGNITO_CLIENT_SECRET';

export interface SignInTarget {
  client: Client;
  /** The issuer URLs run accepts the pool's tokens from (both forms on AWS). */
  issuers: string[];
}

/**
 * The one pool and app client login signs in with. A secret given as a flag
 * wins over the environment, even when empty: `--client-secret ''` means none.
 */
export function signInTarget(config: Pick<CognitoConfig, 'issuers'>, clientSecretFlag: string | null, env: NodeJS.ProcessEnv): SignInTarget {
  // One pool signs in; several (or an OpenID issuer only) leave it unclear which.
  const pools = cognitoPools(config);
  if (pools.length !== 1) {
    throw new UsageError(
      pools.length === 0 ? 'login signs in to a Cognito user pool, and none is configured' : `login signs in to one user pool, but ${pools.length} are configured`,
      'pass --user-pool-id with the pool the user is in',
    );
  }
  const pool = pools[0]!;
  // '*' (any app client, for run) names none to sign in with.
  const clientIds = pool.clientIds === '*' ? [] : pool.clientIds;
  if (clientIds.length !== 1) {
    throw new UsageError(
      clientIds.length === 0 ? 'login needs the app client to sign in with' : `login signs in with one app client, but ${clientIds.length} are configured`,
      'pass --client-id ID (the Cognito console lists it under App clients)',
    );
  }
  const secretText = clientSecretFlag ?? env[CLIENT_SECRET_ENV];
  return {
    client: { endpoint: pool.endpoint, userPoolId: pool.userPoolId, clientId: clientIds[0]!, clientSecret: secretText ? secretText : null },
    issuers: config.issuers.filter((i) => i.kind === 'cognito' && i.id === pool.id).map((i) => i.issuer),
  };
}
