import { UsageError } from '../errors';

/**
 * How a PostGraphile flag is read and stored. For v4 the names and value
 * shapes are those of PostGraphile 4.14's cli.ts, which reads the rc options
 * and its parsed flags into one object: lists are split on commas and numbers
 * parsed as its flags' parsers do, so the file means what the flags meant.
 * (v5's flags, in v5-config.ts, take the same shapes.)
 */
export type Kind = 'string' | 'number' | 'list' | 'true' | 'false' | 'errorStack';

export interface PostGraphileFlag {
  long: string;
  short?: string;
  /** The option's name; for v4 the rc option, camelCase of the long flag without `no-`. */
  option: string;
  kind: Kind;
}

/** The flags init can write; anything else is refused (see optionsFromPostGraphileArgs). */
const FLAGS: readonly PostGraphileFlag[] = [
  { long: '--plugins', option: 'plugins', kind: 'list' },
  { long: '--connection', short: '-c', option: 'connection', kind: 'string' },
  { long: '--owner-connection', short: '-C', option: 'ownerConnection', kind: 'string' },
  { long: '--schema', short: '-s', option: 'schema', kind: 'list' },
  { long: '--subscriptions', short: '-S', option: 'subscriptions', kind: 'true' },
  { long: '--websockets', option: 'websockets', kind: 'list' },
  { long: '--websocket-operations', option: 'websocketOperations', kind: 'string' },
  { long: '--live', short: '-L', option: 'live', kind: 'true' },
  { long: '--watch', short: '-w', option: 'watch', kind: 'true' },
  { long: '--host', short: '-n', option: 'host', kind: 'string' },
  { long: '--port', short: '-p', option: 'port', kind: 'number' },
  { long: '--max-pool-size', short: '-m', option: 'maxPoolSize', kind: 'number' },
  { long: '--default-role', short: '-r', option: 'defaultRole', kind: 'string' },
  { long: '--retry-on-init-fail', option: 'retryOnInitFail', kind: 'true' },
  { long: '--dynamic-json', short: '-j', option: 'dynamicJson', kind: 'true' },
  { long: '--no-setof-functions-contain-nulls', short: '-N', option: 'setofFunctionsContainNulls', kind: 'false' },
  { long: '--classic-ids', short: '-a', option: 'classicIds', kind: 'true' },
  { long: '--disable-default-mutations', short: '-M', option: 'disableDefaultMutations', kind: 'true' },
  { long: '--simple-collections', option: 'simpleCollections', kind: 'string' },
  { long: '--no-ignore-rbac', option: 'ignoreRbac', kind: 'false' },
  { long: '--no-ignore-indexes', option: 'ignoreIndexes', kind: 'false' },
  { long: '--include-extension-resources', option: 'includeExtensionResources', kind: 'true' },
  { long: '--use-partitioned-parent', option: 'usePartitionedParent', kind: 'true' },
  { long: '--show-error-stack', option: 'showErrorStack', kind: 'errorStack' },
  { long: '--extended-errors', option: 'extendedErrors', kind: 'list' },
  { long: '--append-plugins', option: 'appendPlugins', kind: 'string' },
  { long: '--prepend-plugins', option: 'prependPlugins', kind: 'string' },
  { long: '--skip-plugins', option: 'skipPlugins', kind: 'string' },
  { long: '--read-cache', option: 'readCache', kind: 'string' },
  { long: '--write-cache', option: 'writeCache', kind: 'string' },
  { long: '--export-schema-json', option: 'exportSchemaJson', kind: 'string' },
  { long: '--export-schema-graphql', option: 'exportSchemaGraphql', kind: 'string' },
  { long: '--sort-export', option: 'sortExport', kind: 'true' },
  { long: '--graphql', short: '-q', option: 'graphql', kind: 'string' },
  { long: '--graphiql', short: '-i', option: 'graphiql', kind: 'string' },
  { long: '--enhance-graphiql', option: 'enhanceGraphiql', kind: 'true' },
  { long: '--disable-graphiql', short: '-b', option: 'disableGraphiql', kind: 'true' },
  { long: '--cors', short: '-o', option: 'cors', kind: 'true' },
  { long: '--body-size-limit', short: '-l', option: 'bodySizeLimit', kind: 'string' },
  { long: '--timeout', option: 'timeout', kind: 'number' },
  { long: '--cluster-workers', option: 'clusterWorkers', kind: 'number' },
  { long: '--enable-query-batching', option: 'enableQueryBatching', kind: 'true' },
  { long: '--disable-query-log', option: 'disableQueryLog', kind: 'true' },
  { long: '--allow-explain', option: 'allowExplain', kind: 'true' },
];

export type OptionValue = string | number | boolean | readonly string[];

/** PostGraphile's options in the order the user gave them; a repeated flag keeps its last value. */
export type PostGraphileOptions = ReadonlyMap<string, OptionValue>;

/** The flags of a table, for help text: `-c/--connection, -s/--schema, ...`. */
export function knownPostGraphileFlags(table: readonly PostGraphileFlag[] = FLAGS): string[] {
  return table.map((f) => (f.short ? `${f.short}/${f.long}` : f.long));
}

/**
 * PostGraphile's command-line arguments as rc-file options. Flags init cannot
 * map are refused all together, by name, rather than dropped or guessed at:
 * the JWT flags (the plugin verifies tokens itself), deprecated and legacy
 * flags, bundled short flags (`-jw`), and stray words.
 */
export function optionsFromPostGraphileArgs(args: readonly string[]): PostGraphileOptions {
  const { options, refused } = parseFlags(FLAGS, args);
  if (refused.length > 0) {
    const jwt = refused.some((arg) => /^(--jwt-|--secret|--token|-e$|-A$|-t$)/.test(arg));
    throw new UsageError(
      `init cannot write ${refused.length === 1 ? 'this PostGraphile argument' : 'these PostGraphile arguments'} into .postgraphilerc.js: ${refused.join(' ')}`,
      jwt
        ? "leave out PostGraphile's JWT flags: the plugin verifies tokens with the user pool's keys itself"
        : 'init knows the common flags, each as its own word (-c URL, -s a,b, -p 5000, --default-role R, --watch, ...; see init --help); add other options to the file by hand',
    );
  }
  return options;
}

export interface ParsedFlags {
  options: Map<string, OptionValue>;
  /** The arguments no flag of the table takes, in order: the caller refuses them with its own hint. */
  refused: string[];
}

/**
 * Arguments read with a table of flags as PostGraphile's own parsers read
 * them (`--flag value`, `--flag=value`, `-f value`); a bad value of a known
 * flag is a usage error at once.
 */
export function parseFlags(table: readonly PostGraphileFlag[], args: readonly string[]): ParsedFlags {
  const options = new Map<string, OptionValue>();
  const refused: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = table.find((f) => f.long === name || f.short === name);
    if (!flag) {
      refused.push(arg);
      continue;
    }
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (flag.kind === 'true' || flag.kind === 'false') {
      if (inline !== undefined) throw new UsageError(`PostGraphile's ${flag.long} takes no value, but was given "${inline}"`, `write ${flag.long} alone`);
      options.set(flag.option, flag.kind === 'true');
      continue;
    }
    if (flag.kind === 'errorStack') {
      // An optional value, as in PostGraphile: json or string (string means true there).
      const next = inline ?? args[i + 1];
      const value = next === 'json' || next === 'string' ? next : undefined;
      if (inline !== undefined && value === undefined) throw new UsageError(`${flag.long} takes json or string, not "${inline}"`);
      if (inline === undefined && value !== undefined) i++;
      options.set(flag.option, value === 'json' ? 'json' : true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      // As PostGraphile's commander does: a following flag is not a value.
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new UsageError(`PostGraphile's ${flag.long} needs a value`, `e.g. ${flag.long} ${example(flag)}`);
      }
      value = next;
      i++;
    }
    options.set(flag.option, parseValue(flag, value));
  }
  return { options, refused };
}

function parseValue(flag: PostGraphileFlag, value: string): OptionValue {
  switch (flag.kind) {
    case 'number': {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) throw new UsageError(`PostGraphile's ${flag.long} needs a number, not "${value}"`, `e.g. ${flag.long} ${example(flag)}`);
      return number;
    }
    case 'list':
      // Split as PostGraphile does (no trimming: a schema name may hold spaces); an empty entry is never meant.
      return value.split(',').filter((item) => item !== '');
    default:
      return value;
  }
}

function example(flag: PostGraphileFlag): string {
  return flag.kind === 'number' ? '5000' : flag.kind === 'list' ? 'a,b' : 'VALUE';
}
