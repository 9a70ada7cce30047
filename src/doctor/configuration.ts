import * as path from 'node:path';
import { CognitoConfig, issuerSources, loadRcFile, NO_ROLE_CLAIM, RawSettings, RcFile, resolveConfig, securityChoicesMissing, TrustedIssuer } from '../config';
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
  const from = rc ? `, with ${path.basename(rc.filepath)}` : '';
  return `${issuerSources(config).map(describeSource).join('; ')}${from}`;
}

/** "user pool X at URL, access tokens, app client c1, role claim …" or "OpenID issuer URL, audience a, …". */
function describeSource(issuer: TrustedIssuer): string {
  const { allowedRoles, roleClaim } = issuer;
  const roles = allowedRoles === '*' ? "any role ('*')" : allowedRoles.length ? `allowed roles ${allowedRoles.join(', ')}` : 'no allowed roles given';
  const claim = roleClaim ? `role claim ${roleClaim.join(',')}, ${roles}` : `role claim ${NO_ROLE_CLAIM}`;
  const scopes = issuer.scopes.length ? `, scope one of ${issuer.scopes.join(', ')}` : '';
  const clientRoles = Object.entries(issuer.clientRoles).map(([client, role]) => `${client}=${role}`);
  const machines = clientRoles.length ? `, client roles ${clientRoles.join(', ')}` : '';
  if (issuer.kind === 'oidc') {
    const { audiences } = issuer;
    const aud = audiences === '*' ? "any audience ('*')" : audiences.length ? `audience ${audiences.join(', ')}` : 'no audience given';
    return `OpenID issuer ${issuer.issuer}, ${aud}, ${claim}${scopes}${machines}`;
  }
  const { clientIds } = issuer;
  const clients = clientIds === '*' ? "any app client ('*')" : clientIds.length ? `app client ${clientIds.join(', ')}` : 'no app client given';
  return `user pool ${issuer.userPoolId} at ${issuer.endpoint}, ${issuer.tokenUse} tokens, ${clients}, ${claim}${scopes}${machines}`;
}
