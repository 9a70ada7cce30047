import { loadRcFile, RawSettings, resolveConfig, SettingKey, TrustedIssuer } from '../config';
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
 * it out, or its environment carries it), and run's handover brings the keys
 * it loaded, or how to load them alongside the server's start-up.
 */
export function gateSourceFromEnvironment({ flags = {}, flagLabel, env = process.env, cwd = process.cwd() }: EnvironmentInput = {}): GateSource {
  const { config, warnings } = resolveConfig({ flags, ...(flagLabel ? { flagLabel } : {}), env, rc: loadRcFile(cwd) });
  const handover = takeHandover();
  const label = flagLabel ? { flagLabel } : {};
  if (!handover) return { config, warnings, ...label };
  // run's keys (or its way of loading them) serve only the very issuers (and key locations) this configuration trusts.
  const location = (issuer: TrustedIssuer) => `${issuer.issuer} ${issuer.kind === 'cognito' ? issuer.jwksUrl : issuer.discoveryUrl}`;
  const trusted = new Set(config.issuers.map(location));
  const same = handover.config.issuers.length === config.issuers.length && handover.config.issuers.every((issuer) => trusted.has(location(issuer)));
  // run has printed the warnings of its configuration already.
  const given = !same ? {} : handover.keys ? { keys: handover.keys } : { startup: handover.startup };
  return { config, warnings: [], ...label, ...given };
}
