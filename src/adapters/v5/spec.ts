import { RawSettings, SETTING_KEYS } from '../../config';
import { ConfigError } from '../../errors';

/**
 * PostGraphile v5's CLI takes no flags of ours, but `-P module:export` picks
 * an export by name. `args` puts the configuration into that name, so its
 * printed list starts the same server in another process, as on v4:
 *   -P /…/preset.js:cfg_eyJ1c2VyUG9vbElkIjoi…
 * base64url, because the CLI splits the list on commas and the spec on its
 * last colon (an endpoint URL has colons).
 */
export const SPEC_PREFIX = 'cfg_';

export function encodeSettings(settings: RawSettings): string {
  return `${SPEC_PREFIX}${Buffer.from(JSON.stringify(settings)).toString('base64url')}`;
}

/** The settings an export name carries; null when the name is not one of ours. */
export function decodeSettings(name: string): RawSettings | null {
  if (!name.startsWith(SPEC_PREFIX)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(name.slice(SPEC_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).some((key) => !(SETTING_KEYS as readonly string[]).includes(key))) {
    throw new ConfigError('the postgraphile-cognito preset name after -P …:cfg_ is damaged', 'print the arguments again with postgraphile-cognito args');
  }
  return parsed as RawSettings;
}
