import { CognitoConfig, ConfigWarning, FLAG_NAMES, requireSecurityChoices, SettingKey } from '../config';
import { JwksError, messageOf, PostgraphileCognitoError } from '../errors';
import { describeStartup, KeyCache, KeySource, loadKeys, refetchLoader, ValidatedJwks } from '../jwks';
import * as log from '../log';
import { printable } from '../printable';
import { CognitoVerifier, describeToken, TokenRejectedError } from '../verify';
import { checkToken, Verdict } from './check';

/** How long after start-up a recent cached copy is refreshed: after the server's first answers. */
const FRESH_COPY_REFRESH_DELAY_MS = 1000;
/** Pauses between further tries of that refresh while the JWKS cannot be fetched. */
const REFRESH_RETRY_MS = [5_000, 30_000, 60_000];
/** Roles the database refused that are named in the log once each; past this, no more are remembered. */
const MAX_REMEMBERED_ROLES = 1000;

/** What a server's gate starts from. */
export interface GateSource {
  config: CognitoConfig;
  /** Keys already fetched; without them the gate fetches at start-up. */
  jwks?: ValidatedJwks;
  fetchedAt?: number;
  /** Where `jwks` came from; a recent cached copy is refreshed soon after start-up. */
  source?: KeySource;
  /** Print the configuration's warnings (run has printed them already). */
  warnings?: readonly ConfigWarning[];
  /** How settings are named in messages; the v4 plugin's are `--cognito-…`. */
  flagLabel?: (key: SettingKey) => string;
}

/**
 * The one core both servers share (the v4 plugin and the v5 preset are thin
 * adaptors over it): the pool's keys, loaded and kept fresh, and the decision
 * on each token, with one log line per refusal. Nothing here knows which
 * PostGraphile runs it.
 */
export class Gate {
  private readonly rolesNamed = new Set<string>();

  private constructor(
    readonly config: CognitoConfig,
    readonly keys: KeyCache,
    private readonly verifier: CognitoVerifier,
  ) {}

  /**
   * Checks the security choices (exit 2 when one is missing), then starts
   * from the keys given, or loads them: requests meanwhile wait for that load.
   */
  static open(from: GateSource): Gate {
    const { config } = from;
    requireSecurityChoices(config, from.flagLabel ?? ((key) => FLAG_NAMES[key]));
    for (const warning of from.warnings ?? []) log.warn(warning.text);
    const refetch = refetchLoader(config, log.warn);
    const loader = async () => {
      // The load that brings the first keys (after a failed start, or a 404) says so.
      const first = !keys.hasKeys;
      const jwks = await refetch();
      if (first) {
        const kids = jwks.keys.map((k) => printable(k.jwk.kid)).join(', ');
        log.info(config.offline ? `loaded kids [${kids}] from the cache in ${config.cacheDir}` : describeStartup(config, { jwks, source: { kind: 'network' } }));
      }
      return jwks;
    };
    const refetchFailed = (error: unknown) => {
      if (error instanceof JwksError && error.final) {
        // The endpoint says the pool does not exist (404): its keys must not live on.
        keys.clear();
        log.error(`${error.message}; the keys of user pool ${config.userPoolId} are dropped, and tokens get 503 until it answers again`);
        return;
      }
      log.warn(`JWKS refetch failed, keeping the keys already known: ${messageOf(error)}`);
    };
    const keys = new KeyCache(loader, { onFetchError: refetchFailed });
    /** After a start from a recent copy: reload until a load works, so dropped keys stop working. */
    const refreshAfterStart = (attempt: number): void => {
      keys.load(loader).catch((error: unknown) => {
        refetchFailed(error);
        if (error instanceof JwksError && error.final) return;
        const pause = REFRESH_RETRY_MS[Math.min(attempt, REFRESH_RETRY_MS.length - 1)];
        setTimeout(() => refreshAfterStart(attempt + 1), pause).unref();
      });
    };
    if (from.jwks) {
      const { source } = from;
      // run started from a recent copy without asking the network: the refetch window counts
      // from when the copy was fetched, so a new kid can be fetched at once. The copy is
      // refreshed once the server is up, off the path to the first answer, whatever the window
      // says, and again until that works: a key dropped from the pool stops working then.
      const fresh = source?.kind === 'cache' && source.why === 'fresh';
      keys.prime(from.jwks, fresh ? source.fetchedAt : from.fetchedAt);
      if (fresh) setTimeout(() => refreshAfterStart(0), FRESH_COPY_REFRESH_DELAY_MS).unref();
    } else {
      // Requests that arrive meanwhile wait for this load (refresh joins it).
      const loading = loadKeys(config, log.warn);
      keys.load(async () => (await loading).jwks).then(
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
    return new Gate(config, keys, new CognitoVerifier(config, keys));
  }

  /** The decision on `token` (every refusal a TokenRejectedError), with one log line per refusal. */
  async authenticate(token: string): Promise<Verdict> {
    try {
      return await checkToken(this.config, this.verifier, token);
    } catch (error) {
      throw this.refused(error as TokenRejectedError, token);
    }
  }

  /** Logs the one line a refused request gets (the token's kid and sub made printable), and returns the refusal. */
  refused(refusal: TokenRejectedError, token: string): TokenRejectedError {
    log.info(`refused a token (${refusal.statusCode}, ${describeToken(token)}): ${refusal.reason}`);
    return refusal;
  }

  /**
   * When PostgreSQL refused to switch to `role` (it does not exist, or the
   * connecting role may not SET ROLE to it), the refusal the request gets
   * instead of a 500: a 403 with reason `role`. The role is named in the log
   * once, not once per request (the caller logs the request's refusal line).
   * Null for any other error.
   */
  roleRefusal(role: string, error: unknown): TokenRejectedError | null {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    // set_config('role', …): 22023 for a role that does not exist, 42501 for one the login role may not take.
    if ((code !== '22023' && code !== '42501') || typeof message !== 'string' || !/\brole\b/.test(message)) return null;
    if (!this.rolesNamed.has(role) && this.rolesNamed.size < MAX_REMEMBERED_ROLES) {
      this.rolesNamed.add(role);
      log.warn(`the database refuses role "${printable(role)}" (${printable(message)}); tokens naming it get 403 (reason role)`);
    }
    return new TokenRejectedError('role', 'the database refuses the role this token names');
  }
}
