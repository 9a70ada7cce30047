import { describeStartup, groupBySource } from '../jwks';
import { PLUGIN_PATH } from '../adapters/v4/path';
import { setHandover } from '../gate';
import * as log from '../log';
import { buildPostGraphileArgs, pluginsIn } from './args';
import { assertPluginsLoadable, locatePostGraphile } from './locate';
import { allKeys, isPostGraphileWorker, Prepared, START_FROM_COPY_ENV } from './prepare';
import { launchInProcess } from './v4';

/** The one PostGraphile argument list, for both `args` and `run`. */
export function postgraphileArgsFor(prepared: Prepared, userArgs: readonly string[]): string[] {
  return buildPostGraphileArgs({
    config: prepared.config,
    keys: allKeys(prepared),
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
  const { config, keys } = prepared;
  if (!quiet) {
    // One line per pool or issuer; the last also names the PostGraphile that runs.
    const lines = groupBySource(keys).map(describeStartup);
    lines.forEach((line, i) => log.info(i === lines.length - 1 ? `${line}; PostGraphile ${install.version} (${install.origin})` : line));
  }
  setHandover({ config, keys });
  if (keys.some(({ loaded }) => loaded?.source.kind === 'cache' && loaded.source.why === 'fetch-failed')) {
    // --cluster-workers workers start through this CLI again, with this environment: let them
    // start from the copy at once instead of each waiting out the same failing fetch.
    process.env[START_FROM_COPY_ENV] = '1';
  }
  launchInProcess(install, args, process.argv);
}
