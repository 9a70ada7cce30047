import { PLUGIN_PATH } from '../adapters/v4/path';
import { RawSettings } from '../config';
import { setHandover } from '../gate';
import { describeStartup, LoadOptions } from '../jwks';
import * as log from '../log';
import { buildPostGraphileArgs, pluginsIn } from './args';
import { takeOption } from './argv';
import { launchInProcess } from './in-process';
import { assertNodeFor, assertPluginsLoadable, LocateOptions, locatePostGraphile, PostGraphileInstall } from './locate';
import { isPostGraphileWorker, prepare, Prepared, SettingSources, START_FROM_COPY_ENV } from './prepare';
import { configFileIn, readPresetSettings, specFor, v5Args } from './v5';

/** Which PostGraphile a server start uses, and (v5) the graphile.config its CLI will read. */
export interface ServerPlan {
  install: PostGraphileInstall;
  configFile: string | null;
  /** Where settings other than flags come from; for v5 with makeCognitoPreset() in graphile.config, its settings stand in for the rc file. */
  sources?: SettingSources;
}

export interface PlanOptions extends LocateOptions {
  /** False: a Node too old for the project's PostGraphile is only a warning. */
  checkNode?: boolean;
}

/**
 * The project's PostGraphile, checked against this Node; for v5, the
 * settings makeCognitoPreset() has in graphile.config, read before any key
 * is fetched.
 */
export async function planServer(userArgs: readonly string[], options: PlanOptions = {}, cwd: string = process.cwd()): Promise<ServerPlan> {
  const install = locatePostGraphile(cwd, options);
  // args only prints the list: it warns, for the list may well be run by another Node.
  if (options.checkNode === false) {
    try {
      assertNodeFor(install);
    } catch (error) {
      log.warn(`${(error as Error).message}: the list is printed anyway`);
    }
  } else {
    assertNodeFor(install);
  }
  if (install.major === 4) return { install, configFile: null };
  const configFile = configFileIn(cwd, userArgs);
  const explicit = takeOption(userArgs, ['-C', '--config'], { list: false }).values !== null;
  const rc = await readPresetSettings(install, configFile, explicit);
  return { install, configFile, ...(rc ? { sources: { env: process.env, rc } } : {}) };
}

/**
 * The one PostGraphile argument list, for both `args` and `run`: v4's flags
 * with our plugin and its --cognito-* flags, or v5's -P with our preset and
 * the configuration in its name. Either way it spells out the whole
 * configuration, so a server started from it elsewhere checks tokens alike.
 */
export function postgraphileArgsFor(prepared: Prepared, userArgs: readonly string[], plan: ServerPlan): string[] {
  if (plan.install.major === 5) return v5Args({ userArgs, presetSpec: specFor(prepared.config), configFile: plan.configFile });
  return buildPostGraphileArgs({
    config: prepared.config,
    keys: prepared.jwks.keys,
    userArgs,
    pluginPath: PLUGIN_PATH,
    rcPlugins: prepared.rc?.options.plugins,
    cwd: process.cwd(),
  });
}

/** `run`: configuration -> keys -> the project's PostGraphile (v4 or v5, else the bundled v4) in this process. */
export async function runServer(flags: RawSettings, userArgs: readonly string[], load: LoadOptions = {}): Promise<void> {
  const plan = await planServer(userArgs);
  launch(await prepare(flags, plan.sources, { server: true, ...load }), userArgs, plan);
}

/**
 * Prepared configuration and keys -> PostGraphile running in this process
 * with the argument list `args` prints, and the keys handed over in memory.
 * The demo comes here too, with its issuer's endpoint as the only difference.
 */
export function launch(prepared: Prepared, userArgs: readonly string[], plan: ServerPlan): void {
  const quiet = isPostGraphileWorker();
  if (!quiet) for (const warning of prepared.warnings) log.warn(warning);
  const { install } = plan;
  const args = postgraphileArgsFor(prepared, userArgs, plan);
  if (install.major === 4) assertPluginsLoadable(install, pluginsIn(args));
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
