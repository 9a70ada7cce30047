import * as path from 'node:path';
import type { RcFile } from '../config';

/** A value PostGraphile would use, and where it came from, for the report. */
export interface Sourced {
  readonly value: string;
  readonly source: string;
}

/** What PostGraphile would connect with and switch to, read as PostGraphile reads it. */
export interface PostGraphileTarget {
  /** null: PostGraphile falls back to the PG* environment variables (libpq style). */
  readonly connection: Sourced | null;
  readonly defaultRole: Sourced | null;
  /** The schemas PostGraphile exposes: -s, else options.schema, else public. */
  readonly schemas: readonly string[];
}

const CONNECTION_FLAGS = ['-c', '--connection'];
const DEFAULT_ROLE_FLAGS = ['-r', '--default-role'];
const SCHEMA_FLAGS = ['-s', '--schema'];

/**
 * The last value of a PostGraphile flag (commander 2 lets a later one win),
 * as `-c X`, `--connection X` or `--connection=X`.
 */
export function flagValue(args: readonly string[], names: readonly string[]): Sourced | null {
  let found: Sourced | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const long = names.find((name) => name.startsWith('--') && arg.startsWith(`${name}=`));
    if (long) found = { value: arg.slice(long.length + 1), source: long };
    else if (names.includes(arg) && i + 1 < args.length) found = { value: args[++i]!, source: arg };
  }
  return found;
}

/**
 * PostGraphile v4's cli.js merges the rc file's options under its flags, then
 * connects with `connection || DATABASE_URL`, else the PG* variables: so
 * `-c` beats the rc file's options.connection, which beats DATABASE_URL.
 */
export function postgraphileTarget(args: readonly string[], rc: Pick<RcFile, 'filepath' | 'options'> | null, env: NodeJS.ProcessEnv): PostGraphileTarget {
  const rcFile = rc ? path.basename(rc.filepath) : '';
  const fromRc = (key: string): Sourced | null => {
    const value = rc?.options[key];
    return typeof value === 'string' ? { value, source: `options.${key} in ${rcFile}` } : null;
  };
  const fromEnv: Sourced | null = env.DATABASE_URL ? { value: env.DATABASE_URL, source: 'DATABASE_URL' } : null;
  // An empty -c is falsy to PostGraphile too, so it falls through to DATABASE_URL.
  const nonEmpty = (s: Sourced | null) => (s && s.value !== '' ? s : null);
  const connectionSetting = flagValue(args, CONNECTION_FLAGS) ?? fromRc('connection');
  // Split as PostGraphile splits -s: on commas, without trimming.
  const schemaFlag = flagValue(args, SCHEMA_FLAGS)?.value.split(',').filter((s) => s !== '');
  const rcSchema = rc?.options.schema;
  const rcSchemas = typeof rcSchema === 'string' ? [rcSchema] : Array.isArray(rcSchema) ? rcSchema.filter((s): s is string => typeof s === 'string') : [];
  return {
    connection: nonEmpty(connectionSetting) ?? fromEnv,
    defaultRole: nonEmpty(flagValue(args, DEFAULT_ROLE_FLAGS) ?? fromRc('defaultRole')),
    schemas: schemaFlag?.length ? schemaFlag : rcSchemas.length ? rcSchemas : ['public'],
  };
}
