/** Everything the tool says goes to stderr, so stdout stays clean for pem/args/keys output. */
const PREFIX = 'postgraphile-cognito:';

export function info(message: string): void {
  process.stderr.write(`${PREFIX} ${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${PREFIX} warning: ${message}\n`);
}

export function error(message: string, hint?: string): void {
  process.stderr.write(`${PREFIX} error: ${message}\n${hint ? `  hint: ${hint}\n` : ''}`);
}
