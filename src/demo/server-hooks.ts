import type * as http from 'node:http';

/**
 * A PostGraphile server plugin, loaded by the demo through `--plugins` like
 * any user's plugin: it hands the demo the HTTP server that PostGraphile's
 * CLI creates, so Ctrl-C can close it and end its database pool before
 * PostgreSQL stops. It does nothing when nobody waits for the server.
 */
export interface CreatedServer {
  server: http.Server;
  /** Ends PostGraphile's database pool. */
  release: () => Promise<void>;
  /** Resolves with the server's first error, such as EADDRINUSE from listen (which would otherwise crash). */
  failed: Promise<Error>;
}

const KEY = Symbol.for('postgraphile-cognito.demo.server');
type Receiver = (created: CreatedServer) => void;

/** Resolves once PostGraphile has created its server (call before launching it). */
export function expectServer(): Promise<CreatedServer> {
  return new Promise((resolve) => {
    (globalThis as Record<symbol, unknown>)[KEY] = resolve as Receiver;
  });
}

/** This module's compiled path, for `--plugins`. */
export const SERVER_HOOKS_PATH = __filename;

const plugin = {
  'cli:server:created'(server: http.Server, context: { middleware?: { release?: () => Promise<void> } }): http.Server {
    const receive = (globalThis as Record<symbol, unknown>)[KEY] as Receiver | undefined;
    if (!receive) return server;
    const release = context?.middleware?.release;
    // Attached now, before PostGraphile calls listen, so a busy port is reported, not thrown.
    // 'on', not 'once': the Cognito plugin leaves an error to the demo while this listener stays.
    const failed = new Promise<Error>((resolve) => server.on('error', resolve));
    receive({ server, release: typeof release === 'function' ? () => release() : async () => {}, failed });
    return server;
  },
};

export default plugin;
