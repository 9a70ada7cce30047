import { CognitoConfig, loadRcFile, RawSettings, RcFile, resolveConfig } from '../config';
import { describeStartup, KeySource, loadKeys, LoadOptions, ValidatedJwks } from '../jwks';
import * as log from '../log';
import { setHandover } from '../plugin/handover';
import { PLUGIN_PATH } from '../plugin/path';
import { assertPluginsLoadable, buildPostGraphileArgs, launchInProcess, locatePostGraphile, pluginsIn } from '../postgraphile';

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
const START_FROM_COPY_ENV = 'POSTGRAPHILE_COGNITO_START_FROM_COPY';

/** Where settings other than flags come from; the demo reads none, so only its own flags count. */
export interface SettingSources {
  env: NodeJS.ProcessEnv;
  rc: RcFile | null;
}

/** Configuration -> JWKS (network, else the disk cache): the stages every command starts with. */
export async function prepare(flags: RawSettings, sources?: SettingSources, load: LoadOptions = {}): Promise<Prepared> {
  const { env, rc } = sources ?? { env: process.env, rc: loadRcFile(process.cwd()) };
  const { config, warnings } = resolveConfig({ flags, env, rc });
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

/** The one PostGraphile argument list, for both `args` and `run`. */
export function postgraphileArgsFor(prepared: Prepared, userArgs: readonly string[]): string[] {
  return buildPostGraphileArgs({
    config: prepared.config,
    keys: prepared.jwks.keys,
    userArgs,
    pluginPath: PLUGIN_PATH,
    rcPlugins: prepared.rc?.options.plugins,
    cwd: process.cwd(),
  });
}

/**
 * Prepared configuration and keys -> PostGraphile v4 running in this process
 * with the plugin and the argument list `args` prints. `run` is this; the
 * demo comes here too, with its issuer's endpoint as the only difference.
 */
export function launchWithPlugin(prepared: Prepared, userArgs: readonly string[]): void {
  const quiet = isPostGraphileWorker();
  if (!quiet) for (const warning of prepared.warnings) log.warn(warning);
  const install = locatePostGraphile(process.cwd());
  const args = postgraphileArgsFor(prepared, userArgs);
  assertPluginsLoadable(install, pluginsIn(args));
  const { config, jwks, source, fetchedAt } = prepared;
  if (!quiet) log.info(`${describeStartup(config, prepared)}; PostGraphile ${install.version} (${install.origin})`);
  setHandover({ config, jwks, fetchedAt, source });
  if (source.kind === 'cache' && source.why === 'fetch-failed') {
    // --cluster-workers workers start through this CLI again, with this environment: let them
    // start from the copy at once instead of each waiting out the same failing fetch.
    process.env[START_FROM_COPY_ENV] = '1';
  }
  launchInProcess(install, args, process.argv);
}
