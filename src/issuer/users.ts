/** Someone the local issuer signs tokens for: the attributes a Cognito user pool keeps. */
export interface IssuerUser {
  /** The user's id in the pool: the `sub` claim. */
  sub: string;
  /** `username` (access token) and `cognito:username` (ID token). */
  username: string;
  email: string;
  /** `cognito:groups`; left out of the tokens when empty, as Cognito does. */
  groups?: readonly string[];
  /** Custom attributes without the `custom:` prefix: `{ tenant_id: 'acme' }` becomes `custom:tenant_id`. */
  custom?: Readonly<Record<string, string>>;
}

/** The Cognito group whose members act as the demo's admin role (the group names the role). */
export const DEMO_ADMIN_GROUP = 'demo_admin';

export interface DemoUser extends IssuerUser {
  /** Who they are, for the printed guide. */
  description: string;
}

/** The demo's users: two tenants, and an admin who sees every row. Fixed subs, so the demo data can name them. */
export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  {
    sub: '3f1a2b4c-0001-4a5b-8c9d-a11ce0000001',
    username: 'alice',
    email: 'alice@acme.example',
    custom: { tenant_id: 'acme' },
    description: 'alice, of tenant acme',
  },
  {
    sub: '3f1a2b4c-0002-4a5b-8c9d-b0b000000002',
    username: 'bob',
    email: 'bob@globex.example',
    custom: { tenant_id: 'globex' },
    description: 'bob, of tenant globex',
  },
  {
    sub: '3f1a2b4c-0003-4a5b-8c9d-ca4010000003',
    username: 'carol',
    email: 'carol@acme.example',
    groups: [DEMO_ADMIN_GROUP],
    custom: { tenant_id: 'acme' },
    description: `carol, of tenant acme, in group ${DEMO_ADMIN_GROUP}`,
  },
]);
