import { SettingKey } from '../config';
import { UsageError } from '../errors';
import { knownPostGraphileFlags, OptionValue, parseFlags, PostGraphileFlag } from './postgraphile-options';
import { EnvReference, isEnvReference, objectBody, RcValue } from './render';

/** What init writes for PostGraphile v5: always an ES module, whatever the package's "type". */
export const GRAPHILE_CONFIG_FILE = 'graphile.config.mjs';

/**
 * PostGraphile v5's own CLI flags (5.1's cli.ts) that have a place in
 * graphile.config; -C and -P do not, and v4's other flags do not exist there.
 */
const V5_FLAGS: readonly PostGraphileFlag[] = [
  { long: '--connection', short: '-c', option: 'connection', kind: 'string' },
  { long: '--superuser-connection', short: '-S', option: 'superuserConnection', kind: 'string' },
  { long: '--schema', short: '-s', option: 'schema', kind: 'list' },
  { long: '--port', short: '-p', option: 'port', kind: 'number' },
  { long: '--host', short: '-n', option: 'host', kind: 'string' },
  { long: '--subscriptions', option: 'subscriptions', kind: 'true' },
  { long: '--allow-explain', short: '-e', option: 'allowExplain', kind: 'true' },
  { long: '--watch', short: '-w', option: 'watch', kind: 'true' },
];

/** The v5 flags init maps, for help text. */
export function knownV5Flags(): string[] {
  return knownPostGraphileFlags(V5_FLAGS);
}

/** The parts of graphile.config that v5's flags set, as its CLI sets them. */
export interface V5Settings {
  /** pgServices[0]'s connection string: as given, else process.env.DATABASE_URL. */
  connection: string | EnvReference;
  superuserConnection: string | null;
  schemas: readonly string[];
  port: number | null;
  host: string | null;
  /** grafserv.websockets, and the service's pubsub. */
  subscriptions: boolean;
  /** grafast.explain. */
  explain: boolean;
  /** grafserv.watch. */
  watch: boolean;
}

/** Flags v4 users bring along, and what to do instead; checked against each refused flag. */
const REFUSAL_HINTS: readonly [RegExp, string][] = [
  [/^(--default-role|-r)(=|$)/, 'PostGraphile v5 has no --default-role: give --anonymous-role ROLE before the --'],
  [/^(--jwt-|--secret|--token|-A$|-t$)/, 'PostGraphile v5 has no JWT flags, and none are needed: makeCognitoPreset() verifies the tokens'],
  [/^(--config|-C)(=|$)/, `v5 reads ${GRAPHILE_CONFIG_FILE} in this folder without -C`],
  [/^(--preset|-P)(=|$)/, `${GRAPHILE_CONFIG_FILE} extends PostGraphileAmberPreset and makeCognitoPreset(): add other presets to its extends by hand`],
];

/**
 * The arguments after `--`, for a v5 project: v5's CLI flags, mapped to
 * where its CLI puts them. Anything else is refused all together, by name,
 * with what to do instead.
 */
export function v5SettingsFromArgs(args: readonly string[]): V5Settings {
  const { options, refused } = parseFlags(V5_FLAGS, args);
  if (refused.length > 0) {
    const flags = refused.filter((arg) => arg.startsWith('-'));
    const hints = new Set(flags.map((arg) => REFUSAL_HINTS.find(([pattern]) => pattern.test(arg))?.[1] ?? otherFlagsHint()));
    throw new UsageError(
      `init cannot write ${refused.length === 1 ? 'this PostGraphile v5 argument' : 'these PostGraphile v5 arguments'} into ${GRAPHILE_CONFIG_FILE}: ${refused.join(' ')}`,
      hints.size > 0 ? [...hints].join('; ') : otherFlagsHint(),
    );
  }
  const text = (key: string) => (options.get(key) as string | undefined) ?? null;
  const schemas = (options.get('schema') as readonly string[] | undefined) ?? ['public'];
  if (schemas.length === 0) throw new UsageError("PostGraphile's --schema needs a schema name", 'e.g. --schema app_public, or leave it out for public');
  return {
    connection: text('connection') ?? { env: 'DATABASE_URL' },
    superuserConnection: text('superuserConnection'),
    schemas,
    port: (options.get('port') as number | undefined) ?? null,
    host: text('host'),
    subscriptions: options.get('subscriptions') === true,
    explain: options.get('allowExplain') === true,
    watch: options.get('watch') === true,
  };
}

function otherFlagsHint(): string {
  return `init maps v5's own flags (${knownV5Flags().join(', ')}); set anything else in ${GRAPHILE_CONFIG_FILE} by hand`;
}

interface Sections {
  pgService: [string, RcValue][];
  grafserv: [string, RcValue][];
  grafast: [string, RcValue][];
}

/** Where v5's CLI puts each flag (its cli.ts `run`): pgServices[0], grafserv, grafast. */
function sections(v5: V5Settings): Sections {
  const given = (entries: [string, RcValue | null | false][]) => entries.filter((e): e is [string, RcValue] => e[1] !== null && e[1] !== false);
  return {
    pgService: given([
      ['connectionString', v5.connection],
      ['superuserConnectionString', v5.superuserConnection],
      ['schemas', v5.schemas],
      ['pubsub', v5.subscriptions],
    ]),
    grafserv: given([
      ['port', v5.port],
      ['host', v5.host],
      ['websockets', v5.subscriptions],
      ['watch', v5.watch],
    ]),
    grafast: given([['explain', v5.explain]]),
  };
}

export interface GraphileConfigContent {
  cognito: ReadonlyMap<SettingKey, OptionValue>;
  v5: V5Settings;
}

export function renderGraphileConfig({ cognito, v5 }: GraphileConfigContent): string {
  const { pgService, grafserv, grafast } = sections(v5);
  const block = (name: string, entries: [string, RcValue][]) => (entries.length > 0 ? `  ${name}: {\n${objectBody(entries, '    ')}  },\n` : '');
  const fromEnv = isEnvReference(v5.connection)
    ? `// The connection string is read from DATABASE_URL as the server starts, so its password stays out of this file.\n`
    : '';
  return `// Written by \`postgraphile-cognito init\`; edit it freely. PostGraphile v5 (Node.js 22 or newer)
// reads it from this folder, started by \`npx postgraphile-cognito run\` or by its own \`npx postgraphile\`.
// v5's flags win over it (-c replaces pgServices). makeCognitoPreset() takes postgraphile-cognito's
// settings: under run, its flags and COGNITO_* variables win over them; under v5's CLI, they win over COGNITO_*.
${fromEnv}import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { makeCognitoPreset } from "postgraphile-cognito";

/** @type {GraphileConfig.Preset} */
export default {
  extends: [
    PostGraphileAmberPreset,
    makeCognitoPreset({
${objectBody(cognito, '      ')}    }),
  ],
  pgServices: [
    makePgService({
${objectBody(pgService, '      ')}    }),
  ],
${block('grafserv', grafserv)}${block('grafast', grafast)}};
`;
}

/** One line on what went into the file: `makeCognitoPreset({ ... }), pgServices [{ ... }], grafserv { ... }`. */
export function describeGraphileConfig({ cognito, v5 }: GraphileConfigContent): string {
  const { pgService, grafserv, grafast } = sections(v5);
  const keys = (entries: Iterable<[string, unknown]>) => [...entries].map(([key]) => key).join(', ');
  return [
    `makeCognitoPreset({ ${keys(cognito)} })`,
    `pgServices [{ ${keys(pgService)} }]`,
    ...(grafserv.length > 0 ? [`grafserv { ${keys(grafserv)} }`] : []),
    ...(grafast.length > 0 ? [`grafast { ${keys(grafast)} }`] : []),
  ].join(', ');
}

/** The values that may hold a password. */
export function v5Connections(v5: V5Settings): RcValue[] {
  return v5.superuserConnection === null ? [v5.connection] : [v5.connection, v5.superuserConnection];
}
