export { resolveConfig, defaultCacheDir, ANY, NO_ROLE_CLAIM, DEFAULT_ROLE_CLAIM, DEFAULT_CLOCK_TOLERANCE, DEFAULT_TOKEN_USE } from './resolve';
export type { ResolvedConfig, ConfigInput, ConfigWarning } from './resolve';
export { securityChoicesMissing, requireSecurityChoices } from './choices';
export type { MissingChoice } from './choices';
export { loadRcFile, RC_PLACES, FLAG_NAMES, ENV_NAMES, PLUGIN_FLAG_KEYS, pluginFlagName, pluginFlagProperty } from './sources';
export type { RcFile } from './sources';
export { poolUrls, poolIssuerUrls, defaultEndpoint, updatedIssuerEndpoint, discoveryUrl, isLoopbackHost } from './urls';
export type { CognitoConfig, CognitoIssuer, CognitoIssuerForm, OidcIssuer, TrustedIssuer, IssuerRules, SharedSettings, SigningAlgorithm, RawSettings, SettingKey, TokenUse } from './types';
export { TOKEN_USES, SETTING_KEYS, POOL_ENTRY_KEYS, ISSUER_ENTRY_KEYS, cognitoPools, issuerSources } from './types';
