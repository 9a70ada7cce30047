export type TokenUse = 'access' | 'id' | 'any';
export const TOKEN_USES: readonly TokenUse[] = ['access', 'id', 'any'];

/** The JWS algorithms a token may be signed with; `none` and HS* never are. */
export type SigningAlgorithm = 'RS256' | 'ES256';

/**
 * Which of a Cognito pool's issuer URLs this is (AWS API reference,
 * IssuerConfigurationType): `original` is https://cognito-idp.{region}.amazonaws.com/{pool},
 * `updated` is https://issuer-cognito-idp.{region}.amazonaws.com/{pool}; `endpoint`
 * is {endpoint}/{pool} for a custom --endpoint (an emulator), which has one form only.
 */
export type CognitoIssuerForm = 'original' | 'updated' | 'endpoint';

/** What every trusted issuer decides about a verified token: the role, the scope, machine clients. */
export interface IssuerRules {
  /** Path to the role claim, PostGraphile style: `cognito:groups` or `a,b,0`; null: no role claim (`none`). */
  readonly roleClaim: readonly string[] | null;
  /**
   * Roles a role claim (or a client role) may name; `'*'` (an explicit choice)
   * allows any role but `none`. Empty means not decided: no claim becomes a role.
   */
  readonly allowedRoles: readonly string[] | '*';
  /** Role for a valid token without a usable role claim; null falls back to the anonymous role (v4: --default-role). */
  readonly authenticatedRole: string | null;
  /** A token must carry at least one of these in its scope; empty: no scope is required. */
  readonly scopes: readonly string[];
  /** App client id -> role, for tokens that name no role (machine clients); each role is an allowed one. */
  readonly clientRoles: Readonly<Record<string, string>>;
}

/** One issuer URL of a Cognito user pool: a pool on AWS has two (both forms), an emulator's one. */
export interface CognitoIssuer extends IssuerRules {
  readonly kind: 'cognito';
  /** Names the source in messages and in SQL (`jwt.issuer.id`): the user pool id, the same for both forms. */
  readonly id: string;
  /** The exact `iss` of its tokens. */
  readonly issuer: string;
  readonly form: CognitoIssuerForm;
  /** Where the keys of this form are served: `{issuer}/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  readonly userPoolId: string;
  /** AWS region, or null for an emulator pool id that carries none (`local_…`). */
  readonly region: string | null;
  /** Cognito endpoint without a trailing slash (the ORIGINAL form's host on AWS). */
  readonly endpoint: string;
  /**
   * App client ids accepted; `'*'` (an explicit choice) accepts every app
   * client of the pool. Empty means not decided: no token passes, and the
   * servers refuse to start (see securityChoicesMissing).
   */
  readonly clientIds: readonly string[] | '*';
  readonly tokenUse: TokenUse;
  readonly algorithms: readonly SigningAlgorithm[];
}

/** An OpenID Connect issuer whose keys come from its discovery document. */
export interface OidcIssuer extends IssuerRules {
  readonly kind: 'oidc';
  /** Names the source in messages and in SQL (`jwt.issuer.id`): the issuer URL. */
  readonly id: string;
  /** The exact `iss` of its tokens, and of its discovery document. */
  readonly issuer: string;
  /** `{issuer}/.well-known/openid-configuration`, whose `jwks_uri` says where the keys are. */
  readonly discoveryUrl: string;
  /** `aud` must hold one of these; `'*'` (an explicit choice) checks no audience; empty means not decided. */
  readonly audiences: readonly string[] | '*';
  readonly algorithms: readonly SigningAlgorithm[];
}

export type TrustedIssuer = CognitoIssuer | OidcIssuer;

/**
 * The top-level settings as resolved (flags > environment > rc file >
 * defaults): what every pool and issuer takes unless its own rc entry says
 * otherwise, and what the plugin's flags spell out.
 */
export interface SharedSettings extends IssuerRules {
  /** The pools named by --user-pool-id (not those only in the rc file's `pools`). */
  readonly userPoolIds: readonly string[];
  /** The OpenID issuers named by --issuer (not those only in the rc file's `issuers`). */
  readonly oidcIssuers: readonly string[];
  readonly region: string | null;
  /** A custom endpoint, or null for AWS. */
  readonly endpoint: string | null;
  readonly clientIds: readonly string[] | '*';
  readonly tokenUse: TokenUse;
  readonly audiences: readonly string[] | '*';
  /** Whether --role-claim was given at all (else each family's default applies). */
  readonly roleClaimGiven: boolean;
}

/** The one validated, immutable configuration every later stage reads. */
export interface CognitoConfig {
  /**
   * Every issuer a token may name, in order: each Cognito pool's forms
   * (ORIGINAL first), then the OpenID issuers. A token's `iss` picks one
   * before anything else is looked at; any other `iss` is refused.
   */
  readonly issuers: readonly TrustedIssuer[];
  readonly shared: SharedSettings;
  /** The key `pem` prints; null: pem asks when there are several. */
  readonly kid: string | null;
  /** Seconds of leeway for `exp` and `nbf`. */
  readonly clockTolerance: number;
  /**
   * Role for requests without a token (and valid tokens that name no role): on v5 the preset sets
   * it; on v4 it becomes PostGraphile's --default-role unless one is given. Null: the server's default.
   */
  readonly anonymousRole: string | null;
  /** How many verified tokens' verdicts are kept in memory until their exp; 0: none. */
  readonly tokenCache: number;
  /** Folder of the JWKS cache on disk (absolute). */
  readonly cacheDir: string;
  /** Use the cached JWKS (and discovery documents) only; never touch the network. */
  readonly offline: boolean;
}

/** One setting as the user wrote it, before validation. */
export interface RawSettings {
  region?: string;
  userPoolId?: string | readonly string[];
  clientId?: string | readonly string[];
  tokenUse?: string;
  endpoint?: string;
  issuer?: string | readonly string[];
  audience?: string | readonly string[];
  roleClaim?: string | readonly string[];
  allowedRoles?: string | readonly string[];
  authenticatedRole?: string;
  anonymousRole?: string;
  tokenCache?: string | number;
  scope?: string | readonly string[];
  clientRoles?: string | readonly string[] | Readonly<Record<string, string>>;
  kid?: string;
  clockTolerance?: string | number;
  cacheDir?: string;
  offline?: string | boolean;
}
export type SettingKey = keyof RawSettings;

export const SETTING_KEYS: readonly SettingKey[] = [
  'userPoolId',
  'region',
  'endpoint',
  'clientId',
  'tokenUse',
  'issuer',
  'audience',
  'roleClaim',
  'allowedRoles',
  'authenticatedRole',
  'anonymousRole',
  'tokenCache',
  'scope',
  'clientRoles',
  'clockTolerance',
  'kid',
  'cacheDir',
  'offline',
];

/** The keys an rc file's `pools: [...]` entry may hold: its own pool id and rules. */
export const POOL_ENTRY_KEYS: readonly SettingKey[] = [
  'userPoolId', 'region', 'endpoint', 'clientId', 'tokenUse', 'roleClaim', 'allowedRoles', 'authenticatedRole', 'scope', 'clientRoles',
];

/** The keys an rc file's `issuers: [...]` entry may hold. */
export const ISSUER_ENTRY_KEYS: readonly SettingKey[] = ['issuer', 'audience', 'roleClaim', 'allowedRoles', 'authenticatedRole', 'scope', 'clientRoles'];

/** The Cognito pools among the trusted issuers, one per pool (its first form). */
export function cognitoPools(config: Pick<CognitoConfig, 'issuers'>): CognitoIssuer[] {
  const seen = new Set<string>();
  return config.issuers.filter((i): i is CognitoIssuer => i.kind === 'cognito' && !seen.has(i.id) && !!seen.add(i.id));
}

/** One trusted issuer per pool or OpenID issuer (a pool's first form stands for both). */
export function issuerSources(config: Pick<CognitoConfig, 'issuers'>): TrustedIssuer[] {
  const seen = new Set<string>();
  return config.issuers.filter((i) => !seen.has(`${i.kind}:${i.id}`) && !!seen.add(`${i.kind}:${i.id}`));
}
