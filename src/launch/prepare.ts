import { CognitoConfig, loadRcFile, RawSettings, RcFile, requireSecurityChoices, resolveConfig } from '../config';
import { IssuerKeys, loadTrustedKeys, LoadOptions, UsableKey } from '../jwks';
import * as log from '../log';

export interface Prepared {
  config: CognitoConfig;
  /** Warnings about checking tokens, for the commands that set that up (run, args). */
  warnings: string[];
  rc: RcFile | null;
  /** Every trusted issuer's keys as loaded (a pool's UPDATED form may have none: it is only probed). */
  keys: readonly IssuerKeys[];
}

/** The configuration only: the server loads the keys alongside its own start-up (run). */
export type Configured = Omit<Prepared, 'keys'> & { keys: null };

/** Every usable key loaded, in configuration order: for keys, pem and args. */
export function allKeys(prepared: Pick<Prepared, 'keys'>): UsableKey[] {
  return prepared.keys.flatMap((k) => (k.loaded ? [...k.loaded.jwks.keys] : []));
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

/** Flags, environment and rc file -> the configuration, checked; its warnings about the pools said. */
export function prepareConfig(flags: RawSettings, sources?: SettingSources, { server = false }: { server?: boolean } = {}): Configured {
  const { env, rc } = sources ?? { env: process.env, rc: loadRcFile(process.cwd()) };
  const { config, warnings } = resolveConfig({ flags, env, rc });
  // Before the keys are fetched: a server without these choices must not start, nor take 15 s to say so.
  if (server) requireSecurityChoices(config);
  for (const warning of warnings) if (warning.about === 'pool') warnUnlessWorker(warning.text);
  const verification = warnings.filter((w) => w.about === 'verification').map((w) => w.text);
  return { config, warnings: verification, rc, keys: null };
}

/** Configuration -> every trusted issuer's JWKS (network, else the disk cache): the stages every command starts with. */
export async function prepare(flags: RawSettings, sources?: SettingSources, { server = false, ...load }: PrepareOptions = {}): Promise<Prepared> {
  return withKeys(prepareConfig(flags, sources, { server }), sources?.env ?? process.env, load);
}

/** A configuration -> with every trusted issuer's JWKS: for a command that decides something first (verify, on the token's iss). */
export async function withKeys(configured: Configured, env: NodeJS.ProcessEnv = process.env, load: LoadOptions = {}): Promise<Prepared> {
  const { config } = configured;
  const warn = warnUnlessWorker;
  // A --cluster-workers worker whose primary had to fall back on the copy starts from it at once
  // (its plugin then refreshes it over the network, as after any start from a fresh copy).
  const startFromCopy = env[START_FROM_COPY_ENV] === '1' ? { freshForMs: Number.POSITIVE_INFINITY } : {};
  const keys = await loadTrustedKeys(config, warn, { ...load, ...startFromCopy });
  for (const { loaded } of keys) for (const skipped of loaded?.jwks.skipped ?? []) warn(`skipped JWKS ${skipped}`);
  return { ...configured, keys };
}

/** A warning, unless this is one of PostGraphile's --cluster-workers workers, whose primary said it. */
function warnUnlessWorker(text: string): void {
  if (!isPostGraphileWorker()) log.warn(text);
}

/**
 * Workers of PostGraphile's --cluster-workers start through here too; the
 * primary has said all this already. (pm2's cluster instances are workers as
 * well, but each is a whole server of its own and says its warnings.)
 */
export function isPostGraphileWorker(): boolean {
  return process.env.POSTGRAPHILE_WORKER_NUMBER !== undefined;
}

