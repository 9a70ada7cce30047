import { PLUGIN_PATH } from '../adapters/v4/path';
import { loadRcFile, RawSettings } from '../config';
import { setHandover } from '../gate';
import { describeStartup, groupBySource, LoadOptions } from '../jwks';
import * as log from '../log';
import { buildPostGraphileArgs, pluginsIn } from './args';
import { assertConnectionGiven } from './connection';
import { takeOption } from './argv';
import { launchInProcess } from './in-process';
import { assertNodeFor, assertPluginsLoadable, LocateOptions, locatePostGraphile, PostGraphileInstall } from './locate';
import { Configured, isPostGraphileWorker, prepare, prepareConfig, Prepared, SettingSources, START_FROM_COPY_ENV } from './prepare';
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
export function postgraphileArgsFor(prepared: Pick<Prepared, 'config' | 'rc'>, userArgs: readonly string[], plan: ServerPlan): string[] {
  if (plan.install.major === 5) return v5Args({ userArgs, presetSpec: specFor(prepared.config), configFile: plan.configFile });
  return buildPostGraphileArgs({
    config: prepared.config,
    userArgs,
    pluginPath: PLUGIN_PATH,
    rcPlugins: prepared.rc?.options.plugins,
    cwd: process.cwd(),
  });
}

/**
 * `run`: configuration -> the project's PostGraphile (v4 or v5, else the
 * bundled v4) in this process, which loads the keys alongside its own
 * start-up (schema introspection): the two do not wait for each other, and a
 * request without a token is served at once. With v4's --cluster-workers the
 * primary loads the keys first, as before: it serves nothing itself, and its
 * workers must not each find out that there are none.
 */
export async function runServer(flags: RawSettings, userArgs: readonly string[], load: LoadOptions = {}): Promise<void> {
  const plan = await planServer(userArgs);
  const sources = plan.sources ?? { env: process.env, rc: loadRcFile(process.cwd()) };
  // v4 reads its connection from .postgraphilerc: an unset variable there must not reach PostgreSQL's defaults.
  if (plan.install.major === 4) assertConnectionGiven(sources.rc, userArgs, process.env);
  const clustered = plan.install.major === 4 && takeOption(userArgs, ['--cluster-workers'], { list: false }).values !== null;
  const prepared = clustered ? await prepare(flags, sources, { server: true, ...load }) : prepareConfig(flags, sources, { server: true });
  launch(prepared, userArgs, plan, load);
}

/**
 * Prepared configuration (and keys, when loaded first) -> PostGraphile
 * running in this process with the argument list `args` prints; the keys, or
 * how to load them, handed over in memory. The demo comes here too, with its
 * issuer's endpoint as the only difference.
 */
export function launch(prepared: Prepared | Configured, userArgs: readonly string[], plan: ServerPlan, load: LoadOptions = {}): void {
  const quiet = isPostGraphileWorker();
  if (!quiet) for (const warning of prepared.warnings) log.warn(warning);
  const { install } = plan;
  const args = postgraphileArgsFor(prepared, userArgs, plan);
  if (install.major === 4) assertPluginsLoadable(install, pluginsIn(args));
  const { config, keys } = prepared;
  const serverName = `PostGraphile ${install.version} (${install.origin})`;
  if (!keys) {
    // The keys load alongside; the gate says the start-up line (and exits 3 without keys) when they are in.
    setHandover({ config, keys: null, startup: { ...(load.freshForMs ? { freshForMs: load.freshForMs } : {}), exitOnFailure: true, serverName } });
    launchInProcess(install, args, process.argv);
    return;
  }
  if (!quiet) {
    // One line per pool or issuer; the last also names the PostGraphile that runs.
    const lines = groupBySource(keys).map(describeStartup);
    lines.forEach((line, i) => log.info(i === lines.length - 1 ? `${line}; ${serverName}` : line));
  }
  setHandover({ config, keys });
  if (keys.some(({ loaded }) => loaded?.source.kind === 'cache' && loaded.source.why === 'fetch-failed')) {
    // --cluster-workers workers start through this CLI again, with this environment: let them
    // start from the copy at once instead of each waiting out the same failing fetch.
    process.env[START_FROM_COPY_ENV] = '1';
  }
  launchInProcess(install, args, process.argv);
}
