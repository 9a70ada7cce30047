import { shellLine } from '../launch';
import { DemoUser } from '../issuer';

export interface GuideUser {
  user: DemoUser;
  accessToken: string;
  idToken: string;
}

export interface GuideInput {
  graphqlUrl: string;
  graphiqlUrl: string;
  poolId: string;
  users: readonly GuideUser[];
  expiresAt: Date;
  /** The same configuration as the demo's, for a real pool: [our flags, PostGraphile's]. */
  realPoolArgs: { cognito: readonly string[]; postgraphile: readonly string[] };
  /** The admin role, named after its Cognito group. */
  adminRole: string;
  anonymousRole: string;
  /** What Ctrl-C does in this run. */
  stopNote: string;
}

/** The shell variable holding a user's token: ALICE_ACCESS_TOKEN, ALICE_ID_TOKEN. */
export function tokenVariable(user: DemoUser, kind: 'access' | 'id'): string {
  return `${user.username.toUpperCase()}_${kind.toUpperCase()}_TOKEN`;
}

/** One ready-to-paste request: the query in JSON, the token (a shell variable) when given. */
export function curlLine(graphqlUrl: string, query: string, tokenVar?: string): string {
  const auth = tokenVar ? ` -H "Authorization: Bearer $${tokenVar}"` : '';
  return `curl -s ${graphqlUrl} -H 'content-type: application/json'${auth} -d '${JSON.stringify({ query })}'; echo`;
}

export const NOTES_QUERY = '{ whoami allNotes { nodes { owner body } } }';
export const DOCUMENTS_QUERY = '{ allDocuments { nodes { tenantId title } } }';
export const PUBLIC_QUERY = '{ allAnnouncements { nodes { title } } allNotes { nodes { body } } }';

/** What the demo prints on stdout once it is ready. */
export function demoGuide(input: GuideInput): string {
  const { graphqlUrl, users } = input;
  const width = Math.max(...users.map((u) => u.user.username.length)) + 3;
  const expiry = `${input.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const tenantUsers = users.filter((u) => u.user.custom?.tenant_id && !u.user.groups?.includes(input.adminRole));
  const lines = [
    '',
    'postgraphile-cognito demo is ready.',
    '',
    `  GraphQL   ${graphqlUrl}`,
    `  GraphiQL  ${input.graphiqlUrl}   (add the header  Authorization: Bearer <token>)`,
    '',
    `Demo users of the local pool ${input.poolId}; their tokens are valid until ${expiry} (one hour):`,
    ...users.map(({ user }) => `  ${`${user.username.toUpperCase()}_*`.padEnd(width + 1)} ${user.description}`),
    '',
    "# 1. Each user's access token and ID token, for your shell:",
    ...users.flatMap(({ user, accessToken, idToken }) => [
      `export ${tokenVariable(user, 'access')}=${accessToken}`,
      `export ${tokenVariable(user, 'id')}=${idToken}`,
    ]),
    '',
    `# 2. Notes, by the token's sub: each user sees their own; ${input.adminRole} sees all.`,
    ...users.map(({ user }) => curlLine(graphqlUrl, NOTES_QUERY, tokenVariable(user, 'access'))),
    '',
    '# 3. Documents, by custom:tenant_id, which only ID tokens carry: each tenant sees its own.',
    ...tenantUsers.map(({ user }) => curlLine(graphqlUrl, DOCUMENTS_QUERY, tokenVariable(user, 'id'))),
    '',
    `# 4. No token: role ${input.anonymousRole} sees the public announcements, and no notes.`,
    curlLine(graphqlUrl, PUBLIC_QUERY),
    '',
    'Moving to a real user pool:',
    `  1. In the pool, add the custom attribute tenant_id and a group ${input.adminRole}; create its roles and schema (npx postgraphile-cognito demo --print-sql prints the SQL).`,
    `  2. ${shellLine(['npx', 'postgraphile-cognito', ...input.realPoolArgs.cognito, '--', ...input.realPoolArgs.postgraphile])}`,
    "  3. Send the tokens your sign-in returns, as above; the keys come from the pool's JWKS, nothing to paste.",
    '',
    input.stopNote,
    '',
  ];
  return lines.join('\n');
}
