import type { RawSettings } from '../config';
import type { Check } from './check';
import { checkConfiguration } from './configuration';
import { probeDatabase } from './database';
import { checkJwks } from './jwks';
import { databaseChecks, roleChecks, rolesToCheck } from './roles';
import { postgraphileTarget } from './target';

export type { Check, CheckStatus } from './check';
export { allPassed, formatJson, formatText } from './report';
export { postgraphileTarget } from './target';
export { simulateRequest } from './request';
export { MAX_ROWS } from './limits';
export type { RequestInput, RequestReport, RoleReport, TableReport, PolicyReport, SqlReport } from './request';
export { formatRequestText } from './request-report';

export interface DoctorInput {
  flags: RawSettings;
  /** PostGraphile's own arguments (after --); -c/--connection and -r/--default-role are read. */
  postgraphileArgs: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * Every check, in order: configuration, JWKS, database, roles. A failed
 * check never stops the others; those that need its result are skipped.
 */
export async function runDoctor({ flags, postgraphileArgs, env, cwd }: DoctorInput): Promise<Check[]> {
  const configuration = checkConfiguration(flags, env, cwd);
  const target = postgraphileTarget(postgraphileArgs, configuration.rc, env);
  const roles = rolesToCheck(target.defaultRole, configuration.config);
  const [jwks, probe] = await Promise.all([
    checkJwks(configuration.config),
    probeDatabase(target.connection, env, roles.map((r) => r.role)),
  ]);
  return [configuration.check, ...jwks, ...databaseChecks(probe), ...roleChecks(roles, probe, target.defaultRole)];
}
