import { loadRcFile, RawSettings, resolveConfig, SettingKey } from '../config';
import { GateSource } from './gate';
import { takeHandover } from './handover';

export interface EnvironmentInput {
  /** The server's own flags (the v4 plugin's --cognito-*), when its CLI parsed them. */
  flags?: RawSettings;
  flagLabel?: (key: SettingKey) => string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * A server's configuration when nothing hands it one: flags > environment >
 * rc file. Under `run`, the configuration is run's (its argument list spells
 * it out, or its environment carries it), and run's handover saves fetching
 * the same keys again.
 */
export function gateSourceFromEnvironment({ flags = {}, flagLabel, env = process.env, cwd = process.cwd() }: EnvironmentInput = {}): GateSource {
  const { config, warnings } = resolveConfig({ flags, ...(flagLabel ? { flagLabel } : {}), env, rc: loadRcFile(cwd) });
  const handover = takeHandover();
  const label = flagLabel ? { flagLabel } : {};
  if (!handover) return { config, warnings, ...label };
  const sameKeys = handover.config.jwksUrl === config.jwksUrl;
  // run has printed the warnings of its configuration already.
  return { config, warnings: [], ...label, ...(sameKeys ? { jwks: handover.jwks, fetchedAt: handover.fetchedAt, source: handover.source } : {}) };
}
