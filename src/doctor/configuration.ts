import * as path from 'node:path';
import { CognitoConfig, loadRcFile, RawSettings, RcFile, resolveConfig } from '../config';
import { ConfigError } from '../errors';
import { Check, check } from './check';

export interface ConfigurationResult {
  check: Check;
  /** null when the configuration is invalid: the checks that need it are skipped. */
  config: CognitoConfig | null;
  /** The rc file, also when its cognito section is invalid: its PostGraphile options still count. */
  rc: RcFile | null;
}

/** The same stages every command starts with (rc file, then flags > environment > rc), as a check. */
export function checkConfiguration(flags: RawSettings, env: NodeJS.ProcessEnv, cwd: string): ConfigurationResult {
  let rc: RcFile | null = null;
  try {
    rc = loadRcFile(cwd);
    const { config, warnings } = resolveConfig({ flags, env, rc });
    const summary = describe(config, rc);
    if (warnings.length === 0) return { check: check('configuration', 'pass', summary), config, rc };
    return { check: check('configuration', 'warn', `${summary}; ${warnings.map((w) => w.text).join('; ')}`), config, rc };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const hint = error.hint ?? 'see --help for the configuration flags, their environment variables and rc keys';
    return { check: check('configuration', 'fail', error.message, hint), config: null, rc };
  }
}

function describe(config: CognitoConfig, rc: RcFile | null): string {
  const clients = config.clientIds.length ? `app client ${config.clientIds.join(', ')}` : 'any app client';
  const roles = config.allowedRoles.length ? `allowed roles ${config.allowedRoles.join(', ')}` : 'any role';
  const from = rc ? `, with ${path.basename(rc.filepath)}` : '';
  return `user pool ${config.userPoolId} at ${config.endpoint}, ${config.tokenUse} tokens, ${clients}, role claim ${config.roleClaim.join(',')}, ${roles}${from}`;
}
