export type TokenUse = 'access' | 'id' | 'any';
export const TOKEN_USES: readonly TokenUse[] = ['access', 'id', 'any'];

/** The one validated, immutable configuration every later stage reads. */
export interface CognitoConfig {
  /** AWS region, or null for an emulator pool id that carries none (`local_…`). */
  readonly region: string | null;
  readonly userPoolId: string;
  /**
   * App client ids accepted; `'*'` (an explicit choice) accepts every app
   * client of the pool. Empty means not decided: no token passes, and the
   * servers refuse to start (see securityChoicesMissing).
   */
  readonly clientIds: readonly string[] | '*';
  readonly tokenUse: TokenUse;
  /** Cognito endpoint without a trailing slash. */
  readonly endpoint: string;
  /** Path to the role claim, PostGraphile style: `cognito:groups` or `a,b,0`; null: no role claim (`none`). */
  readonly roleClaim: readonly string[] | null;
  /** The key whose PEM goes into `--jwt-secret`; null picks as documented. */
  readonly kid: string | null;
  /** Seconds of leeway for `exp` and `nbf`. */
  readonly clockTolerance: number;
  /**
   * Roles a role claim may name; `'*'` (an explicit choice) allows any role
   * but `none`. Empty means not decided: a role claim never becomes a role.
   */
  readonly allowedRoles: readonly string[] | '*';
  /** Role for a valid token without a usable role claim; null falls back to --default-role. */
  readonly authenticatedRole: string | null;
  /**
   * Role for requests without a token (and valid tokens that name no role): on v5 the preset sets
   * it; on v4 it becomes PostGraphile's --default-role unless one is given. Null: the server's default.
   */
  readonly anonymousRole: string | null;
  readonly issuer: string;
  readonly jwksUrl: string;
  /** Folder of the JWKS cache on disk (absolute). */
  readonly cacheDir: string;
  /** Use the cached JWKS only; never touch the network. */
  readonly offline: boolean;
}

/** One setting as the user wrote it, before validation. */
export interface RawSettings {
  region?: string;
  userPoolId?: string;
  clientId?: string | readonly string[];
  tokenUse?: string;
  endpoint?: string;
  roleClaim?: string | readonly string[];
  kid?: string;
  clockTolerance?: string | number;
  allowedRoles?: string | readonly string[];
  authenticatedRole?: string;
  anonymousRole?: string;
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
  'roleClaim',
  'allowedRoles',
  'authenticatedRole',
  'anonymousRole',
  'clockTolerance',
  'kid',
  'cacheDir',
  'offline',
];
