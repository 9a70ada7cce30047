/** Everything the tool says goes to stderr, so stdout stays clean for pem/args/keys output. */
const PREFIX = 'postgraphile-cognito:';

let quiet = false;

/** `--quiet`: only errors are printed from now on. */
export function setQuiet(value: boolean): void {
  quiet = value;
}

export function isQuiet(): boolean {
  return quiet;
}

export function info(message: string): void {
  if (!quiet) process.stderr.write(`${PREFIX} ${message}\n`);
}

export function warn(message: string): void {
  if (!quiet) process.stderr.write(`${PREFIX} warning: ${message}\n`);
}

export function error(message: string, hint?: string): void {
  process.stderr.write(`${PREFIX} error: ${message}\n${hint ? `  hint: ${hint}\n` : ''}`);
}

/**
 * Says why, then ends the process with `code`: a server that must not serve.
 * Under an IPC channel (pm2's cluster mode) log lines travel as messages,
 * which an immediate exit would drop, so they get a moment first.
 */
export function fatal(message: string, hint: string | undefined, code: number): void {
  error(message, hint);
  process.exitCode = code;
  if (!process.send) process.exit(code);
  setTimeout(() => process.exit(code), 250).unref();
}
