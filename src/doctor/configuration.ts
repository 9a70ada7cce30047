import * as path from 'node:path';
import { CognitoConfig, loadRcFile, NO_ROLE_CLAIM, RawSettings, RcFile, resolveConfig, securityChoicesMissing } from '../config';
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
    const missing = securityChoicesMissing(config);
    // run would refuse to start: a failure, with what to add.
    if (missing.length > 0) {
      const detail = `${summary}; run refuses to start: no choice made for ${missing.map((m) => m.what).join(', nor for ')}`;
      return { check: check('configuration', 'fail', detail, missing.map((m) => m.hint).join('; ')), config, rc };
    }
    if (warnings.length === 0) return { check: check('configuration', 'pass', summary), config, rc };
    return { check: check('configuration', 'warn', `${summary}; ${warnings.map((w) => w.text).join('; ')}`), config, rc };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const hint = error.hint ?? 'see --help for the configuration flags, their environment variables and rc keys';
    return { check: check('configuration', 'fail', error.message, hint), config: null, rc };
  }
}

function describe(config: CognitoConfig, rc: RcFile | null): string {
  const { clientIds, allowedRoles, roleClaim } = config;
  const clients = clientIds === '*' ? "any app client ('*')" : clientIds.length ? `app client ${clientIds.join(', ')}` : 'no app client given';
  const roles = allowedRoles === '*' ? "any role ('*')" : allowedRoles.length ? `allowed roles ${allowedRoles.join(', ')}` : 'no allowed roles given';
  const claim = roleClaim ? `role claim ${roleClaim.join(',')}, ${roles}` : `role claim ${NO_ROLE_CLAIM}`;
  const from = rc ? `, with ${path.basename(rc.filepath)}` : '';
  return `user pool ${config.userPoolId} at ${config.endpoint}, ${config.tokenUse} tokens, ${clients}, ${claim}${from}`;
}
