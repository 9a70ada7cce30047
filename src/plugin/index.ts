import {
  CognitoConfig,
  ConfigWarning,
  FLAG_NAMES,
  loadRcFile,
  PLUGIN_FLAG_KEYS,
  pluginFlagName,
  pluginFlagProperty,
  RawSettings,
  resolveConfig,
} from '../config';
import { JwksError, messageOf, PostgraphileCognitoError } from '../errors';
import { describeStartup, KeyCache, KeySource, loadKeys, refetchLoader, ValidatedJwks } from '../jwks';
import * as log from '../log';
import { pauseAt, TIMING } from '../timing';
import { checkToken } from './check';
import { takeHandover } from './handover';
import { CognitoVerifier, describeToken, TokenRejectedError } from './verify';

export { claimsToSettings, settingNameForClaim, settingValue, decideRole, claimAtPath } from './claims';
export type { Claims, RoleDecision } from './claims';
export { CognitoVerifier, TokenRejectedError, MAX_TOKEN_LENGTH, describeToken } from './verify';
export type { RejectionCode } from './verify';
export { checkToken } from './check';
export type { Verdict } from './check';

/* The slice of PostGraphile's types this plugin touches (v4 ships them loosely). */
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

export interface PluginSource {
  config: CognitoConfig;
  /** Keys already fetched; without them the plugin fetches at start-up. */
  jwks?: ValidatedJwks;
  fetchedAt?: number;
  /** Where `jwks` came from; a recent cached copy is refreshed soon after start-up. */
  source?: KeySource;
  /** Print the configuration's warnings (run has printed them already). */
  warnings?: readonly ConfigWarning[];
}

interface State {
  config: CognitoConfig;
  cache: KeyCache;
  verifier: CognitoVerifier;
}

/**
 * A PostGraphile v4 server plugin that verifies Cognito tokens itself (any key
 * of the pool, by kid; RS256 only; issuer, expiry, token_use and app client
 * checked) and hands every claim to PostgreSQL under names PostgreSQL 14+
 * accepts. With no source it reads the environment and the rc file's
 * `cognito` section, or what `run` handed over in memory.
 */
export function makeCognitoPlugin(source?: PluginSource | (() => PluginSource)) {
  let state: State | null = null;
  let underCli = false;
  /** Our --cognito-* flags, when PostGraphile's CLI parsed them. */
  let cliFlags: RawSettings = {};

  function init(): State {
    if (state) return state;
    const resolved: PluginSource = typeof source === 'function' ? source() : source ?? fromEnvironment();
    for (const warning of resolved.warnings ?? []) log.warn(warning.text);
    const { config } = resolved;
    const refetch = refetchLoader(config, log.warn);
    const loader = async () => {
      // The load that brings the first keys (after a failed start, or a 404) says so.
      const first = !cache.hasKeys;
      const jwks = await refetch();
      if (first) {
        const kids = jwks.keys.map((k) => k.jwk.kid).join(', ');
        log.info(config.offline ? `loaded kids [${kids}] from the cache in ${config.cacheDir}` : describeStartup(config, { jwks, source: { kind: 'network' } }));
      }
      return jwks;
    };
    const refetchFailed = (error: unknown) => {
      if (error instanceof JwksError && error.final) {
        // The endpoint says the pool does not exist (404): its keys must not live on.
        cache.clear();
        log.error(`${error.message}; the keys of user pool ${config.userPoolId} are dropped, and tokens get 503 until it answers again`);
        return;
      }
      log.warn(`JWKS refetch failed, keeping the keys already known: ${messageOf(error)}`);
    };
    const cache = new KeyCache(loader, { onFetchError: refetchFailed });
    /** After a start from a recent copy: reload until a load works, so dropped keys stop working. */
    const refreshAfterStart = (attempt: number): void => {
      cache.load(loader).catch((error: unknown) => {
        refetchFailed(error);
        if (error instanceof JwksError && error.final) return;
        const pause = pauseAt(TIMING.refreshRetryMs, attempt);
        setTimeout(() => refreshAfterStart(attempt + 1), pause).unref();
      });
    };
    if (resolved.jwks) {
      const { source } = resolved;
      // run started from a recent copy without asking the network: the refetch window counts
      // from when the copy was fetched, so a new kid can be fetched at once. The copy is
      // refreshed once PostGraphile is up, off the path to the first answer, whatever the window
      // says, and again until that works: a key dropped from the pool stops working then.
      const fresh = source?.kind === 'cache' && source.why === 'fresh';
      cache.prime(resolved.jwks, fresh ? source.fetchedAt : resolved.fetchedAt);
      if (fresh) setTimeout(() => refreshAfterStart(0), TIMING.freshCopyRefreshDelayMs).unref();
    } else {
      // Requests that arrive meanwhile wait for this load (refresh joins it).
      const loading = loadKeys(config, log.warn);
      cache.load(async () => (await loading).jwks).then(
        async (jwks) => {
          for (const skipped of jwks.skipped) log.warn(`skipped JWKS ${skipped}`);
          log.info(describeStartup(config, await loading));
        },
        (error: unknown) => {
          const hint = error instanceof PostgraphileCognitoError && error.hint ? ` (${error.hint})` : '';
          log.error(`${messageOf(error)}${hint}; tokens get 503 until a later request loads the keys`);
        },
      );
    }
    state = { config: resolved.config, cache, verifier: new CognitoVerifier(resolved.config, cache) };
    return state;
  }

  /**
   * Flags (ours, from the argument list: run's and any the user added after
   * them) > environment > rc file. Under `run` the list spells out the whole
   * configuration, so this is run's configuration; run's handover only saves
   * fetching the same keys again.
   */
  function fromEnvironment(): PluginSource {
    const { config, warnings } = resolveConfig({ flags: cliFlags, flagLabel: pluginFlagName, env: process.env, rc: loadRcFile(process.cwd()) });
    const handover = takeHandover();
    if (!handover) return { config, warnings };
    const sameKeys = handover.config.jwksUrl === config.jwksUrl;
    // run has printed the warnings of its configuration already.
    return { config, warnings: [], ...(sameKeys ? { jwks: handover.jwks, fetchedAt: handover.fetchedAt, source: handover.source } : {}) };
  }

  function initOrExit(): State {
    try {
      return init();
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
        if (typeof value === 'string') (cliFlags as Record<string, string>)[key] = value;
      }
      return options;
    },

    'postgraphile:options'(options: PostGraphileOptions): PostGraphileOptions {
      initOrExit();
      if (options.jwtSecret && !options.jwtPublicKey && !options.jwtPgTypeIdentifier) {
        // The secret only verifies here, and the plugin verifies instead; as a public key it
        // still makes PostGraphile read the header, without its "no jwtPgTypeIdentifier" warning.
        return { ...options, jwtSecret: undefined, jwtPublicKey: options.jwtSecret };
      }
      if (options.jwtSecret || options.jwtPublicKey) return options;
      // PostGraphile reads the Authorization header only when a key is configured.
      return { ...options, jwtPublicKey: refuseDirectUse };
    },

    withPostGraphileContext(withContext: WithContext): WithContext {
      return async (options, callback) => {
        const token = options.jwtToken;
        if (!token) return withContext(options, callback);
        const { config, verifier } = initOrExit();
        let verdict;
        try {
          verdict = await checkToken(config, verifier, token);
        } catch (error) {
          if (error instanceof TokenRejectedError) log.info(`refused a token (${error.statusCode}, ${describeToken(token)}): ${error.reason}`);
          throw error;
        }
        const { claims, role, settings } = verdict;
        const pgSettings = {
          ...(options.pgSettings ?? {}),
          ...settings,
          ...(role ? { role } : {}),
        };
        return withContext({ ...options, jwtToken: undefined, pgSettings }, (context) =>
          callback({ ...context, jwtClaims: claims }),
        );
      };
    },
  };
}

/** Stands in for a key so PostGraphile extracts the token; the plugin removes the token before it is used. */
function refuseDirectUse(_header: unknown, callback: (error: Error) => void): void {
  callback(new Error('tokens are verified by postgraphile-cognito'));
}

const plugin = makeCognitoPlugin();
export default plugin;
