export {
  resolveConfig,
  defaultCacheDir,
  securityChoicesMissing,
  requireSecurityChoices,
  ANY,
  NO_ROLE_CLAIM,
  DEFAULT_ROLE_CLAIM,
  DEFAULT_CLOCK_TOLERANCE,
  DEFAULT_TOKEN_USE,
} from './resolve';
export type { ResolvedConfig, ConfigInput, ConfigWarning } from './resolve';
export { loadRcFile, RC_PLACES, FLAG_NAMES, ENV_NAMES, PLUGIN_FLAG_KEYS, pluginFlagName, pluginFlagProperty } from './sources';
export type { RcFile } from './sources';
export { poolUrls, defaultEndpoint, isLoopbackHost } from './urls';
export type { CognitoConfig, RawSettings, SettingKey, TokenUse } from './types';
export { TOKEN_USES, SETTING_KEYS } from './types';
export { spellOut } from './spell-out';
