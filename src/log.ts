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
