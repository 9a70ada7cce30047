import { CognitoConfig, loadRcFile, RawSettings, RcFile, requireSecurityChoices, resolveConfig } from '../config';
import { KeySource, loadKeys, LoadOptions, ValidatedJwks } from '../jwks';
import * as log from '../log';

export interface Prepared {
  config: CognitoConfig;
  /** Warnings about checking tokens, for the commands that set that up (run, args). */
  warnings: string[];
  rc: RcFile | null;
  jwks: ValidatedJwks;
  /** When loading the keys began: the key cache's refetch window counts from here. */
  fetchedAt: number;
  source: KeySource;
}

/** Set by run for its --cluster-workers workers after the start-up fetch failed; start-up only. */
export const START_FROM_COPY_ENV = 'POSTGRAPHILE_COGNITO_START_FROM_COPY';

/** Where settings other than flags come from; the demo reads none, so only its own flags count. */
export interface SettingSources {
  env: NodeJS.ProcessEnv;
  rc: RcFile | null;
}

export interface PrepareOptions extends LoadOptions {
  /** For the commands that start or describe a server (run, args, demo): the security choices must be made. */
  server?: boolean;
}

/** Configuration -> JWKS (network, else the disk cache): the stages every command starts with. */
export async function prepare(flags: RawSettings, sources?: SettingSources, { server = false, ...load }: PrepareOptions = {}): Promise<Prepared> {
  const { env, rc } = sources ?? { env: process.env, rc: loadRcFile(process.cwd()) };
  const { config, warnings } = resolveConfig({ flags, env, rc });
  // Before the keys are fetched: a server without these choices must not start, nor take 15 s to say so.
  if (server) requireSecurityChoices(config);
  const quiet = isPostGraphileWorker();
  const warn = (text: string) => {
    if (!quiet) log.warn(text);
  };
  for (const warning of warnings) if (warning.about === 'pool') warn(warning.text);
  // A --cluster-workers worker whose primary had to fall back on the copy starts from it at once
  // (its plugin then refreshes it over the network, as after any start from a fresh copy).
  const startFromCopy = env[START_FROM_COPY_ENV] === '1' ? { freshForMs: Number.POSITIVE_INFINITY } : {};
  const { jwks, source, startedAt } = await loadKeys(config, warn, { ...load, ...startFromCopy });
  for (const skipped of jwks.skipped) warn(`skipped JWKS ${skipped}`);
  const verification = warnings.filter((w) => w.about === 'verification').map((w) => w.text);
  return { config, warnings: verification, rc, jwks, fetchedAt: startedAt, source };
}

/**
 * Workers of PostGraphile's --cluster-workers start through here too; the
 * primary has said all this already. (pm2's cluster instances are workers as
 * well, but each is a whole server of its own and says its warnings.)
 */
export function isPostGraphileWorker(): boolean {
  return process.env.POSTGRAPHILE_WORKER_NUMBER !== undefined;
}

