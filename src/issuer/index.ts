export { LocalIssuer } from './issuer';
export type { IssuerOptions, TokenOptions } from './issuer';
export { SigningKey } from './signing-key';
export type { PublicJwk } from './signing-key';
export { DEMO_USERS, DEMO_ADMIN_GROUP } from './users';
export type { IssuerUser, DemoUser } from './users';
