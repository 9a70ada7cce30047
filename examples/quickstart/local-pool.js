#!/usr/bin/env node
/**
 * A user pool to try the quick start without AWS: creates, in cognito-local (the Cognito
 * emulator), a pool, an app client, the group app_user and a user in that group, signs the
 * user in, and prints shell lines that set POOL_ID, CLIENT_ID, USER_SUB and ACCESS_TOKEN.
 *
 * From a clone, after `npm install`, with cognito-local running in another terminal
 * (`HOST=127.0.0.1 npx cognito-local`, which listens on 127.0.0.1:9229):
 *
 *   eval "$(node examples/quickstart/local-pool.js)"
 *
 * Options: --endpoint URL (default http://127.0.0.1:9229), --group NAME (default app_user),
 * --email ADDRESS (default alice@example.com). Run it again for a new pool: nothing is reused.
 * Exit codes: 0 done, 1 cognito-local failed or cannot be reached, 2 usage.
 */
'use strict';
const { parseArgs } = require('node:util');

const PASSWORD = 'Quickstart-passw0rd!';

function usage(message) {
  process.stderr.write(`local-pool: ${message}\n  usage: node examples/quickstart/local-pool.js [--endpoint URL] [--group NAME] [--email ADDRESS]\n`);
  process.exit(2);
}

function sdk() {
  // The SDK warns on Node 20 about its releases of 2027; nothing here depends on them.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    return require('@aws-sdk/client-cognito-identity-provider');
  } catch {
    process.stderr.write(
      'local-pool: needs @aws-sdk/client-cognito-identity-provider, a devDependency of postgraphile-cognito\n' +
        '  hint: run it from a clone of the repository after npm install, or npm install @aws-sdk/client-cognito-identity-provider\n',
    );
    process.exit(1);
  }
}

/** A value for `export NAME=...` that any POSIX shell reads back unchanged. */
function quoted(value) {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        endpoint: { type: 'string', default: 'http://127.0.0.1:9229' },
        group: { type: 'string', default: 'app_user' },
        email: { type: 'string', default: 'alice@example.com' },
      },
    }));
  } catch (error) {
    usage(error.message);
  }
  const { endpoint, group, email } = values;
  const cognito = sdk();
  // One attempt: a cognito-local that is not running should say so at once, not after retries.
  const client = new cognito.CognitoIdentityProviderClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const send = async (what, command) => {
    try {
      return await client.send(command);
    } catch (error) {
      process.stderr.write(`local-pool: could not ${what} at ${endpoint}: ${error.name}: ${error.message}\n`);
      process.stderr.write('  hint: start cognito-local first: HOST=127.0.0.1 npx cognito-local (from a clone), or pass --endpoint\n');
      process.exit(1);
    }
  };

  const pool = await send('create a user pool', new cognito.CreateUserPoolCommand({ PoolName: 'quickstart' }));
  const poolId = pool.UserPool.Id;
  const app = await send(
    'create an app client',
    new cognito.CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: 'quickstart-app',
      // Real Cognito needs this flow turned on for a sign-in with a password; cognito-local does not check.
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  const clientId = app.UserPoolClient.ClientId;
  await send('create the group', new cognito.CreateGroupCommand({ UserPoolId: poolId, GroupName: group }));
  await send(
    'sign the user up',
    new cognito.SignUpCommand({ ClientId: clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  await send('confirm the user', new cognito.AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
  await send('add the user to the group', new cognito.AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: group }));
  const auth = await send(
    'sign the user in',
    new cognito.InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: email, PASSWORD } }),
  );
  const accessToken = auth.AuthenticationResult.AccessToken;
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8'));

  process.stderr.write(
    `local-pool: pool ${poolId}, app client ${clientId}, user ${email} (sub ${claims.sub}) in group ${group}; ` +
      `its access token is valid until ${new Date(claims.exp * 1000).toISOString()}\n`,
  );
  const lines = { POOL_ID: poolId, CLIENT_ID: clientId, USER_SUB: claims.sub, ACCESS_TOKEN: accessToken };
  process.stdout.write(Object.entries(lines).map(([name, value]) => `export ${name}=${quoted(value)}\n`).join(''));
}

main().catch((error) => {
  process.stderr.write(`local-pool: unexpected error: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
