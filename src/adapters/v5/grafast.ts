import * as path from 'node:path';

type SafeErrorClass = new (message: string, extensions?: Record<string, unknown>) => Error;

let safeError: SafeErrorClass | null = null;

/**
 * grafast's SafeError, from the very grafast the running PostGraphile v5
 * uses: grafserv answers a SafeError with its `statusCode` and without
 * logging a stack, but it tests `instanceof`, so a second copy would not do.
 * It is found from the project's postgraphile (the working directory), as
 * postgraphile itself finds it, else from here (a peer dependency).
 */
export function grafastSafeError(): SafeErrorClass {
  if (safeError) return safeError;
  const places: string[] = [];
  try {
    // postgraphile v5 exports no ./package.json: its main module's folder will do.
    places.push(path.dirname(require.resolve('postgraphile', { paths: [process.cwd()] })));
  } catch {
    /* no postgraphile in the working directory: try our own resolution */
  }
  places.push(__dirname);
  for (const from of places) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = require(require.resolve('grafast', { paths: [from] })) as { SafeError?: SafeErrorClass };
      if (typeof loaded.SafeError === 'function') return (safeError = loaded.SafeError);
    } catch {
      /* not there; try the next place */
    }
  }
  throw new Error('postgraphile-cognito cannot find grafast (part of PostGraphile v5) from the working directory or from itself');
}
