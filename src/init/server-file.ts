import { RC_PLACES, SettingKey } from '../config';
import { GRAPHILE_CONFIG_NAMES } from '../launch';
import { OptionValue, optionsFromPostGraphileArgs } from './postgraphile-options';
import { isEnvReference, rcOptions, RcValue, renderRcFile } from './render';
import { describeGraphileConfig, GRAPHILE_CONFIG_FILE, renderGraphileConfig, v5Connections, v5SettingsFromArgs } from './v5-config';

/** The configuration file for the project's PostGraphile, from the arguments after `--`. */
export interface ServerFile {
  name: string;
  render(cognito: ReadonlyMap<SettingKey, OptionValue>): string;
  describe(cognito: ReadonlyMap<SettingKey, OptionValue>): string;
  /** Values that may hold a password. */
  connections: readonly RcValue[];
  connectionFromEnv: boolean;
  /** PostGraphile v4's --default-role, when given: the anonymous role of schema.sql. */
  defaultRole: string | null;
  /** The first schema: where schema.sql puts its table. */
  schema: string;
  /** The files of this kind PostGraphile reads in its order: one before ours would hide it, ours hides the ones after. */
  places: readonly string[];
  /** Who reads them, for messages. */
  reader: string;
}

/** v4: the rc file, with PostGraphile's `options` from its flags. */
export function v4File(name: string, args: readonly string[]): ServerFile {
  const pgOptions = optionsFromPostGraphileArgs(args);
  const options = rcOptions(pgOptions);
  const schema = options.get('schema');
  const defaultRole = pgOptions.get('defaultRole');
  return {
    name,
    render: (cognito) => renderRcFile({ cognito, options }),
    describe: (cognito) => `cognito { ${[...cognito.keys()].join(', ')} }, options { ${[...options.keys()].join(', ')} }`,
    connections: [...options.values()],
    connectionFromEnv: isEnvReference(options.get('connection')!),
    defaultRole: typeof defaultRole === 'string' ? defaultRole : null,
    schema: Array.isArray(schema) && typeof schema[0] === 'string' ? schema[0] : 'public',
    places: RC_PLACES,
    reader: 'PostGraphile',
  };
}

/** v5: graphile.config.mjs, with v5's flags where its CLI puts them. */
export function v5File(args: readonly string[]): ServerFile {
  const v5 = v5SettingsFromArgs(args);
  return {
    name: GRAPHILE_CONFIG_FILE,
    render: (cognito) => renderGraphileConfig({ cognito, v5 }),
    describe: (cognito) => describeGraphileConfig({ cognito, v5 }),
    connections: v5Connections(v5),
    connectionFromEnv: isEnvReference(v5.connection),
    defaultRole: null,
    schema: v5.schemas[0]!,
    places: GRAPHILE_CONFIG_NAMES,
    reader: 'PostGraphile v5',
  };
}
