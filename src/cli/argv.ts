import { UsageError } from '../errors';

const HINT =
  "in a pm2 ecosystem file, a variable such as process.env.DATABASE_URL that is unset when pm2 starts becomes null; export it first, or put it in the app's env";

/** pm2 sets these in every process it starts, in fork and cluster mode alike. */
export function underPm2(env: NodeJS.ProcessEnv): boolean {
  return env.pm_id !== undefined && env.pm_exec_path !== undefined;
}

/**
 * The command-line arguments, refused when pm2 has turned an unset variable
 * of an ecosystem file's `args` into one: cluster mode passes a real null,
 * fork mode the text "null". The text is refused only under pm2, where it is
 * almost surely that; anywhere else "null" may be meant (a schema, say).
 */
export function checkArgv(args: readonly unknown[], env: NodeJS.ProcessEnv): string[] {
  const pm2 = underPm2(env);
  const index = args.findIndex((arg) => typeof arg !== 'string' || (pm2 && arg === 'null'));
  if (index < 0) return args as string[];
  const value = args[index];
  const previous = args[index - 1];
  const follows = typeof previous === 'string' && previous.startsWith('-') ? ` (it follows ${previous})` : '';
  if (typeof value === 'string') {
    throw new UsageError(`argument ${index + 1} is the text "null"${follows}, what pm2's fork mode makes of an unset variable`, HINT);
  }
  throw new UsageError(`argument ${index + 1} is ${String(value)}, not text${follows}`, HINT);
}
