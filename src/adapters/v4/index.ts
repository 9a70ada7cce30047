import type * as http from 'node:http';
import { FLAG_NAMES, PLUGIN_FLAG_KEYS, pluginFlagName, pluginFlagProperty, RawSettings } from '../../config';
import { PostgraphileCognitoError } from '../../errors';
import { Gate, GateSource, gateSourceFromEnvironment, takeHandover } from '../../gate';
import * as log from '../../log';
import { TIMING } from '../../timing';
import { exitOnSchemaFailure, reportListenErrors } from './start-errors';

/* The slice of PostGraphile v4's types this plugin touches (v4 ships them loosely). */
type PgSettings = Record<string, unknown> | null | undefined;
interface ContextOptions {
  jwtToken?: string | null;
  pgSettings?: PgSettings;
  [key: string]: unknown;
}
type WithContext = (options: ContextOptions, callback: (context: Record<string | symbol, unknown>) => unknown) => Promise<unknown>;
type AddFlag = (option: string, description: string, parse?: (value: string) => unknown) => AddFlag;
interface PostGraphileOptions {
  jwtSecret?: unknown;
  jwtPublicKey?: unknown;
  [key: string]: unknown;
}

/**
 * The PostGraphile v4 adaptor: a server plugin that hands each request's
 * token to the shared gate (any key of the pool, by kid; RS256 only;
 * issuer, expiry, token_use and app client checked) and gives PostGraphile
 * the verdict as `pgSettings`, under names PostgreSQL 14+ accepts. With no
 * source it reads its --cognito-* flags, the environment and the rc file's
 * `cognito` section, and what `run` handed over in memory.
 */
export function makeCognitoPlugin(source?: GateSource | (() => GateSource)) {
  let gate: Gate | null = null;
  let underCli = false;
  /** Our --cognito-* flags, when PostGraphile's CLI parsed them. */
  const cliFlags: Record<string, string> = {};

  /** With `pool`, PostGraphile's: a load alongside its start-up (run's) begins once its introspection is under way. */
  function open(pool?: PoolEvents): Gate {
    if (!gate) {
      const from = typeof source === 'function' ? source() : source ?? gateSourceFromEnvironment({ flags: cliFlags as RawSettings, flagLabel: pluginFlagName });
      gate = Gate.open(pool && from.startup ? { ...from, startup: { ...from.startup, beginWhen: introspectionUnderWay(pool) } } : from);
    }
    return gate;
  }

  function openOrExit(pool?: PoolEvents): Gate {
    try {
      return open(pool);
    } catch (error) {
      // Under the postgraphile CLI a thrown error becomes a stack trace; say it plainly instead.
      if (underCli && error instanceof PostgraphileCognitoError) {
        log.error(error.message, error.hint);
        process.exit(error.exitCode);
      }
      throw error;
    }
  }

  return {
    'cli:flags:add'(addFlag: AddFlag): AddFlag {
      for (const key of PLUGIN_FLAG_KEYS) {
        addFlag(`${pluginFlagName(key)} <value>`, `[postgraphile-cognito] as ${FLAG_NAMES[key]} of postgraphile-cognito; wins over its environment variable and rc key`);
      }
      return addFlag;
    },

    'cli:library:options'(options: PostGraphileOptions, context: { cliOptions?: Record<string, unknown> }): PostGraphileOptions {
      underCli = true;
      const cliOptions = context?.cliOptions ?? {};
      for (const key of PLUGIN_FLAG_KEYS) {
        const value = cliOptions[pluginFlagProperty(key)];
        if (typeof value === 'string') cliFlags[key] = value;
      }
      return options;
    },

    'postgraphile:options'(given: PostGraphileOptions, context?: { pgPool?: unknown }): PostGraphileOptions {
      const pool = context?.pgPool;
      const { anonymousRole } = openOrExit(isPoolEvents(pool) ? pool : undefined).config;
      // The anonymous role is PostGraphile's default role, unless the user gave one.
      const withRole = anonymousRole && !given.pgDefaultRole ? { ...given, pgDefaultRole: anonymousRole } : given;
      // Under the CLI an unreachable database would end in a stack trace; --retry-on-init-fail keeps PostGraphile's way.
      const options = underCli && !withRole.retryOnInitFail ? { ...withRole, retryOnInitFail: exitOnSchemaFailure } : withRole;
      if (options.jwtSecret && !options.jwtPublicKey && !options.jwtPgTypeIdentifier) {
        // The secret only verifies here, and the plugin verifies instead; as a public key it
        // still makes PostGraphile read the header, without its "no jwtPgTypeIdentifier" warning.
        return { ...options, jwtSecret: undefined, jwtPublicKey: options.jwtSecret };
      }
      if (options.jwtSecret || options.jwtPublicKey) return options;
      // PostGraphile reads the Authorization header only when a key is configured.
      return { ...options, jwtPublicKey: refuseDirectUse };
    },

    'cli:server:created'(server: http.Server): http.Server {
      // Under run (or the demo) PostGraphile's flags go after --.
      reportListenErrors(server, takeHandover() !== null);
      return server;
    },

    withPostGraphileContext(withContext: WithContext): WithContext {
      return async (options, callback) => {
        const token = options.jwtToken;
        if (!token) return withContext(options, callback);
        const gate = openOrExit();
        const { claims, role, settings } = await gate.authenticate(token);
        const pgSettings = {
          ...(options.pgSettings ?? {}),
          ...settings,
          ...(role ? { role } : {}),
        };
        // PostGraphile applies the settings (SET ROLE among them) before it calls back.
        let settingsApplied = false;
        try {
          return await withContext({ ...options, jwtToken: undefined, pgSettings }, (context) => {
            settingsApplied = true;
            return callback({ ...context, jwtClaims: claims });
          });
        } catch (error) {
          const refusal = !settingsApplied && role ? gate.roleRefusal(role, error) : null;
          throw refusal ? gate.refused(refusal, token) : error;
        }
      };
    },
  };
}

/** The slice of pg's Pool used here: it emits 'acquire' when it hands out a client. */
interface PoolEvents {
  once(event: 'acquire', listener: () => void): unknown;
}

function isPoolEvents(value: unknown): value is PoolEvents {
  return typeof (value as { once?: unknown } | null)?.once === 'function';
}

/**
 * Settles a moment after PostGraphile's pool hands out its first client:
 * PostGraphile 4 introspects then, and waits for PostgreSQL's answer, which
 * is when the keys' load (loading the HTTP client, parsing) costs its
 * start-up nothing. At the latest after TIMING.startupLoadLatestMs.
 */
function introspectionUnderWay(pool: PoolEvents): Promise<void> {
  return new Promise((resolve) => {
    const latest = setTimeout(resolve, TIMING.startupLoadLatestMs);
    latest.unref();
    pool.once('acquire', () => {
      clearTimeout(latest);
      setTimeout(resolve, TIMING.startupLoadAfterConnectMs);
    });
  });
}

/** Stands in for a key so PostGraphile extracts the token; the plugin removes the token before it is used. */
function refuseDirectUse(_header: unknown, callback: (error: Error) => void): void {
  callback(new Error('tokens are verified by postgraphile-cognito'));
}

const plugin = makeCognitoPlugin();
export default plugin;
