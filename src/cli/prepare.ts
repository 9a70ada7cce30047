import { CognitoConfig, loadRcFile, RawSettings, RcFile, resolveConfig } from '../config';
import { fetchJwks, ValidatedJwks } from '../jwks';
import * as log from '../log';
import { PLUGIN_PATH } from '../plugin/path';
import { buildPostGraphileArgs } from '../postgraphile';

export interface Prepared {
  config: CognitoConfig;
  warnings: string[];
  rc: RcFile | null;
  jwks: ValidatedJwks;
  fetchedAt: number;
}

/** Configuration -> JWKS: the stages every command starts with. */
export async function prepare(flags: RawSettings): Promise<Prepared> {
  const rc = loadRcFile(process.cwd());
  const { config, warnings } = resolveConfig({ flags, env: process.env, rc });
  const fetchedAt = Date.now();
  const jwks = await fetchJwks(config.jwksUrl);
  for (const skipped of jwks.skipped) log.warn(`skipped JWKS ${skipped}`);
  return { config, warnings, rc, jwks, fetchedAt };
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
