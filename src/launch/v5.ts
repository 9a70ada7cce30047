import * as path from 'node:path';
import { collectPresetSettings } from '../adapters/v5';
import { encodeSettings } from '../adapters/v5/spec';
import { CognitoConfig, RcFile, spellOut } from '../config';
import { ConfigError, messageOf } from '../errors';
import { takeOption } from './argv';
import { graphileConfigIn } from './graphile-config';
import { PostGraphileInstall } from './locate';

/** The compiled preset module, for `-P`; resolvable from anywhere, as PostGraphile require()s it. */
export const PRESET_PATH = path.join(__dirname, '..', 'adapters', 'v5', 'preset.js');
const AMBER = 'postgraphile/presets/amber';

/** The graphile.config the v5 CLI will read: -C/--config among the arguments, else graphile.config.* here. */
export function configFileIn(cwd: string, userArgs: readonly string[]): string | null {
  const given = takeOption(userArgs, ['-C', '--config'], { list: false }).values?.at(-1);
  return given !== undefined ? path.resolve(cwd, given) : graphileConfigIn(cwd);
}

export interface V5ArgsInput {
  userArgs: readonly string[];
  /** Our preset as `-P` takes it: a module path, and for another process its configuration (specFor). */
  presetSpec: string;
  configFile: string | null;
}

/**
 * PostGraphile v5's argument list: one `-P` (its CLI keeps only the last),
 * holding the user's presets, else amber when no graphile.config gives one,
 * then ours; the user's other arguments follow unchanged.
 */
export function v5Args({ userArgs, presetSpec, configFile }: V5ArgsInput): string[] {
  const { values: presets, rest } = takeOption(userArgs, ['-P', '--preset']);
  const given = presets ?? (configFile ? [] : [AMBER]);
  return ['-P', [...new Set([...given, presetSpec])].join(','), ...rest];
}

/** `-P` for a server in another process: the module, with the whole configuration in the export name. */
export function specFor(config: CognitoConfig): string {
  return `${PRESET_PATH}:${encodeSettings(Object.fromEntries(spellOut(config)))}`;
}

/**
 * The settings makeCognitoPreset() is given in graphile.config, read with
 * the project's own graphile-config (so PostGraphile later gets the same
 * modules from its cache), as a layer below flags and the environment.
 */
export async function readPresetSettings(install: PostGraphileInstall, configFile: string | null, explicit: boolean): Promise<RcFile | null> {
  if (!configFile) return null;
  let loadConfig: (file?: string) => Promise<unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ loadConfig } = require(require.resolve('graphile-config/load', { paths: [install.dir] })) as { loadConfig: typeof loadConfig });
  } catch {
    throw new ConfigError(`PostGraphile ${install.version} at ${install.dir} comes without graphile-config`, 'reinstall postgraphile@^5');
  }
  try {
    return await collectPresetSettings(() => loadConfig(explicit ? configFile : undefined), configFile);
  } catch (error) {
    throw new ConfigError(`could not read ${configFile}: ${messageOf(error).split('\n')[0]}`, 'fix that file, or move it away to run without it');
  }
}
