import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';

/** cognito-local, started by test/run.ts. */
export function cognitoLocalUrl(): string {
  const url = process.env.TEST_COGNITO_LOCAL_URL;
  if (!url) throw new Error('cognito-local is not running: run the tests with `npm test`');
  return url;
}

/** The password LocalPool.user gives every user. */
export const USER_PASSWORD = 'Secret-passw0rd!';

export interface Tokens {
  accessToken: string;
  idToken: string;
  sub: string;
}

/** A user pool in cognito-local, with an app client, for one test file. */
export class LocalPool {
  private constructor(
    private readonly client: CognitoIdentityProviderClient,
    readonly poolId: string,
    readonly clientId: string,
  ) {}

  static async create(name: string): Promise<LocalPool> {
    const client = new CognitoIdentityProviderClient({
      endpoint: cognitoLocalUrl(),
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const pool = await client.send(
      new CreateUserPoolCommand({
        PoolName: name,
        Schema: [{ Name: 'tenant_id', AttributeDataType: 'String', Mutable: true }],
      }),
    );
    const poolId = pool.UserPool!.Id!;
    const app = await client.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: `${name}-app` }));
    return new LocalPool(client, poolId, app.UserPoolClient!.ClientId!);
  }

  get endpoint(): string {
    return cognitoLocalUrl();
  }

  async group(name: string): Promise<void> {
    await this.client.send(new CreateGroupCommand({ UserPoolId: this.poolId, GroupName: name }));
  }

  /** A user created by an administrator with a temporary password: their first sign-in asks NEW_PASSWORD_REQUIRED. */
  async invitedUser(email: string, temporaryPassword: string): Promise<void> {
    await this.client.send(
      new AdminCreateUserCommand({ UserPoolId: this.poolId, Username: email, TemporaryPassword: temporaryPassword, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: email }] }),
    );
  }

  /** Signs a user up, confirms them, adds groups and attributes, and signs them in. */
  async user(email: string, options: { groups?: string[]; attributes?: Record<string, string> } = {}): Promise<Tokens> {
    const password = USER_PASSWORD;
    await this.client.send(
      new SignUpCommand({ ClientId: this.clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }),
    );
    await this.client.send(new AdminConfirmSignUpCommand({ UserPoolId: this.poolId, Username: email }));
    for (const group of options.groups ?? []) {
      await this.client.send(new AdminAddUserToGroupCommand({ UserPoolId: this.poolId, Username: email, GroupName: group }));
    }
    if (options.attributes) {
      await this.client.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: this.poolId,
          Username: email,
          UserAttributes: Object.entries(options.attributes).map(([Name, Value]) => ({ Name, Value })),
        }),
      );
    }
    const auth = await this.client.send(
      new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: this.clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }),
    );
    const accessToken = auth.AuthenticationResult!.AccessToken!;
    const idToken = auth.AuthenticationResult!.IdToken!;
    const sub = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sub as string;
    return { accessToken, idToken, sub };
  }
}
