import type * as http from 'node:http';
import { redact } from '../../config/urls';
import { ExitCode, messageOf } from '../../errors';
import * as log from '../../log';

/** PostGraphile v4's documented exit code when the initial schema cannot be built. */
export const SCHEMA_FAILED_EXIT = 34;

/** What Node adds to a listen error. */
interface ListenError extends NodeJS.ErrnoException {
  address?: string;
  port?: number;
}

/**
 * PostGraphile v4's CLI calls listen with no 'error' listener, so a busy
 * port crashes with a stack trace: report it as a usage error instead. A
 * listener of someone else's (the demo's) means they report it themselves.
 */
export function reportListenErrors(server: http.Server, afterDashes: boolean): void {
  const onError = (error: ListenError) => {
    if (server.listeners('error').some((listener) => listener !== onError)) return;
    const where = typeof error.port === 'number' ? `port ${error.port} on ${error.address ?? 'this host'}` : 'its port';
    const dashes = afterDashes ? ' after --, e.g. -- ' : ', e.g. ';
    if (error.code === 'EADDRINUSE') {
      log.fatal(`${where} is already in use`, `pass --port with a free port${dashes}--port ${suggestedPort(error.port)}`, ExitCode.usage);
    } else if (error.code === 'EACCES') {
      log.fatal(`${where} may not be listened on by this user`, `ports below 1024 need privileges: pass --port 1024 or above${dashes}--port ${suggestedPort(error.port)}`, ExitCode.usage);
    } else {
      log.fatal(`unexpected error from PostGraphile's server: ${messageOf(error)}`, 'please report it, with the command you ran', ExitCode.unexpected);
    }
  };
  server.on('error', onError);
}

function suggestedPort(port: number | undefined): number {
  return port !== undefined && port >= 1024 && port < 65535 ? port + 1 : 5000;
}

/**
 * For PostGraphile's `retryOnInitFail` when the user set none: the same exit
 * (34) as PostGraphile, with one line instead of its stack trace. Never
 * resolves, so PostGraphile neither retries nor reports a second time.
 */
export function exitOnSchemaFailure(error: unknown): Promise<never> {
  log.fatal(
    `PostGraphile could not build its schema: ${redactUrls(messageOf(error))}`,
    'check -c (or DATABASE_URL), and that PostgreSQL runs and accepts this user; --retry-on-init-fail makes PostGraphile wait for it instead',
    SCHEMA_FAILED_EXIT,
  );
  return new Promise<never>(() => {});
}

/** A message may quote a connection string: its password must not reach the terminal. */
function redactUrls(text: string): string {
  return text.replace(/postgres(?:ql)?:\/\/\S+/gi, (url) => redact(url));
}
