import * as path from 'node:path';
import { CognitoConfig, pluginFlagName, spellOut } from '../config';
import { splitList, takeOption } from './argv';

export interface ArgsInput {
  config: CognitoConfig;
  /** Arguments for PostGraphile given after `--`, passed on untouched. */
  userArgs?: readonly string[];
  /** Absolute path or module name of our server plugin. */
  pluginPath: string;
  /** `options.plugins` from the rc file, which a `--plugins` flag would otherwise replace. */
  rcPlugins?: unknown;
  /** Folder that relative plugin paths (`./my-plugin.js`) are relative to. */
  cwd?: string;
}

/**
 * The PostGraphile v4 argument list: the one `run` launches and `args`
 * prints. `--plugins` comes first, as PostGraphile requires, with ours
 * first; then our configuration as the plugin's own flags; the user's own
 * arguments come last, so theirs win over ours. No --jwt-* flag: the plugin
 * verifies every token, and the list needs no key, so `run` starts
 * PostGraphile without waiting for the keys.
 */
export function buildPostGraphileArgs({ config, userArgs = [], pluginPath, rcPlugins, cwd }: ArgsInput): string[] {
  const { values: userPlugins, rest } = takeOption(userArgs, ['--plugins']);
  // PostGraphile require()s plugins from its own folder, so a relative path must become absolute.
  const absolute = (spec: string) => (cwd && /^\.\.?[\\/]/.test(spec) ? path.resolve(cwd, spec) : spec);
  const others = (userPlugins ?? pluginList(rcPlugins)).map(absolute);
  return ['--plugins', dedupe([pluginPath, ...others]).join(','), ...pluginFlags(config), ...rest];
}

/** The configuration as the plugin's own flags, so the list carries it to the plugin, under `run` and in a PostGraphile started by hand alike. */
export function pluginFlags(config: CognitoConfig): string[] {
  return spellOut(config).flatMap(([key, value]) => [pluginFlagName(key), value]);
}

function pluginList(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((p): p is string => typeof p === 'string');
  if (typeof raw === 'string') return splitList(raw);
  return [];
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}

/** POSIX shell quoting: safe words bare, everything else in single quotes (newlines kept). */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_\-+=/.,:@%]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}

/** The plugin names in an argument list built above (after `--plugins`). */
export function pluginsIn(args: readonly string[]): string[] {
  return args[0] === '--plugins' && args[1] ? splitList(args[1]) : [];
}
