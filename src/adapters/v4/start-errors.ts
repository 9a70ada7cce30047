import type * as http from 'node:http';
import { ExitCode, messageOf } from '../../errors';
import * as log from '../../log';

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
