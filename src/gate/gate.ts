import { CognitoConfig, ConfigWarning, FLAG_NAMES, requireSecurityChoices, SettingKey, TrustedIssuer } from '../config';
import { JwksError, messageOf, PostgraphileCognitoError } from '../errors';
import { describeStartup, givenKeys, groupBySource, IssuerKeys, issuerLoader, isOptional, KeyCache, LoadedKeys, loadIssuerKeys, startupFailure } from '../jwks';
import * as log from '../log';
import { pauseAt, TIMING } from '../timing';
import { printable } from '../printable';
import { describeToken, TokenRejectedError, TokenVerifier, TrustedVerifier } from '../verify';
import { checkToken, Verdict } from './check';
import { VerdictCache } from './verdicts';

/** Roles the database refused that are named in the log once each; past this, no more are remembered. */
const MAX_REMEMBERED_ROLES = 1000;

/** What a server's gate starts from. */
export interface GateSource {
  config: CognitoConfig;
  /**
   * The trusted issuers' keys as loaded at start-up (run's, see
   * loadTrustedKeys); without them the gate loads every issuer's keys itself.
   */
  keys?: readonly IssuerKeys[];
  /** Print the configuration's warnings (run has printed them already). */
  warnings?: readonly ConfigWarning[];
  /** How settings are named in messages; the v4 plugin's are `--cognito-…`. */
  flagLabel?: (key: SettingKey) => string;
  /** When the gate loads the keys itself, as run asks of it when it starts PostGraphile at once. */
  startup?: StartupOptions;
}

/** How a gate that loads its keys alongside the server's own start-up behaves, as run would before it. */
export interface StartupOptions {
  /** Start from a copy on disk younger than this, without waiting for the network (a restart). */
  freshForMs?: number;
  /** A pool or issuer with no keys and no usable copy: say why and exit 3, rather than serve. */
  exitOnFailure?: boolean;
  /** Named after the last start-up line: "PostGraphile 4.14.1 (bundled)". */
  serverName?: string;
  /** Begin the load when this settles (or at the first token, if sooner) rather than at once: an adaptor's moment. */
  beginWhen?: Promise<unknown>;
}

/**
 * The one core both servers share (the v4 plugin and the v5 preset are thin
 * adaptors over it): every trusted issuer's keys, each in a key cache of its
 * own (its refetch window, its copy on disk, its outages), loaded and kept
 * fresh, and the decision on each token, with one log line per refusal.
 * Nothing here knows which PostGraphile runs it.
 */
export class Gate {
  private readonly rolesNamed = new Set<string>();
  /** Begins the keys' load, when the gate loads them itself and waits to begin (StartupOptions.beginWhen). */
  private beginLoads: () => void = () => {};

  private constructor(
    readonly config: CognitoConfig,
    /** Each trusted issuer's key cache, by its exact issuer URL (a pool on AWS has two: both forms). */
    readonly keys: ReadonlyMap<string, KeyCache>,
    private readonly verifier: TrustedVerifier,
    /** Verdicts on tokens seen before (--token-cache). */
    readonly verdicts: VerdictCache,
  ) {}

  /**
   * Checks the security choices (exit 2 when one is missing), then starts
   * from the keys given, or loads them: requests meanwhile wait for that load.
   */
  static open(from: GateSource): Gate {
    const { config } = from;
    requireSecurityChoices(config, from.flagLabel ?? ((key) => FLAG_NAMES[key]));
    for (const warning of from.warnings ?? []) log.warn(warning.text);
    const given = new Map((from.keys ?? []).map((k) => [k.issuer.issuer, k]));
    const caches = new Map<string, KeyCache>();
    const opened: [TrustedIssuer, OpenedCache][] = [];
    const verdicts = new VerdictCache({ maxEntries: config.tokenCache, clockTolerance: config.clockTolerance });
    for (const issuer of config.issuers) {
      const start = given.get(issuer.issuer);
      const cache = openCache(config, issuer, start?.jwksUrl ?? null, (kids) => verdicts.dropKeys(issuer.issuer, kids));
      caches.set(issuer.issuer, cache.keys);
      if (start?.loaded) cache.begin(start.loaded);
      opened.push([issuer, cache]);
    }
    const verifiers = config.issuers.map((issuer) => new TokenVerifier(issuer, caches.get(issuer.issuer)!, config.clockTolerance));
    const gate = new Gate(config, caches, new TrustedVerifier(verifiers), verdicts);
    if (!from.keys) {
      const startup = from.startup ?? {};
      let begun = false;
      gate.beginLoads = () => {
        if (begun) return;
        begun = true;
        loadAll(config, opened, startup);
      };
      if (startup.beginWhen) void startup.beginWhen.then(gate.beginLoads, gate.beginLoads);
      else gate.beginLoads();
    }
    return gate;
  }

  /** The decision on `token` (every refusal a TokenRejectedError), with one log line per refusal. */
  async authenticate(token: string): Promise<Verdict> {
    // A token needs the keys now: a load still waiting to begin begins.
    this.beginLoads();
    const known = this.verdicts.get(token);
    if (known) return known;
    let verdict: Verdict;
    try {
      verdict = await checkToken(this.verifier, token);
    } catch (error) {
      throw this.refused(error as TokenRejectedError, token);
    }
    // Not when its key left while it was being checked: that key's verdicts are gone already.
    if (this.keys.get(verdict.issuer.issuer)?.has(verdict.kid)) this.verdicts.put(token, verdict);
    return verdict;
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

/** "user pool eu-west-1_AbC (its UPDATED issuer https://…)", "OpenID issuer https://…", for log lines. */
function nameOf(issuer: TrustedIssuer): string {
  if (issuer.kind === 'oidc') return `OpenID issuer ${issuer.issuer}`;
  return issuer.form === 'endpoint' ? `user pool ${issuer.id}` : `user pool ${issuer.id} (its ${issuer.form.toUpperCase()} issuer ${issuer.issuer})`;
}

/** One issuer's key cache, and how it takes its start-up keys. */
interface OpenedCache {
  keys: KeyCache;
  /** Primes the cache with the start-up keys; a recent copy is refreshed soon after. */
  begin(loaded: LoadedKeys): void;
}

/**
 * One issuer's key cache: empty until its start-up keys or a load bring
 * keys. A 404 drops its keys; its failures touch no other issuer.
 */
function openCache(config: CognitoConfig, issuer: TrustedIssuer, jwksUrl: string | null, onKeysRemoved: (kids: readonly string[]) => void): OpenedCache {
  // An OpenID issuer's jwks_uri, when the start-up read it: a refetch needs no discovery then.
  const known = jwksUrl ?? (issuer.kind === 'cognito' ? issuer.jwksUrl : null);
  const refetch = issuerLoader(issuer, config, log.warn, known);
  const loader = async () => {
    // The load that brings the first keys (after a failed start, or a 404, or a pool switched to UPDATED) says so.
    const first = !keys.hasKeys;
    const jwks = await refetch();
    if (first) {
      const kids = jwks.keys.map((k) => printable(k.jwk.kid)).join(', ');
      log.info(config.offline ? `${nameOf(issuer)}: loaded kids [${kids}] from the cache in ${config.cacheDir}` : describeStartup([givenKeys(issuer, jwks)]));
    }
    return jwks;
  };
  const refetchFailed = (error: unknown) => {
    if (isOptional(issuer) && !keys.hasKeys) {
      // A pool not switched to the UPDATED form serves no keys there: tokens naming it wait for that.
      log.info(`${nameOf(issuer)} serves no keys yet (${error instanceof JwksError ? error.reason : messageOf(error)}); its tokens get 503`);
      return;
    }
    if (error instanceof JwksError && error.final) {
      // The endpoint says the pool (or issuer) does not exist (404): its keys must not live on.
      keys.clear();
      log.error(`${error.message}; the keys of ${nameOf(issuer)} are dropped, and its tokens get 503 until it answers again`);
      return;
    }
    // The message names the JWKS URL, so whose keys these are.
    log.warn(`JWKS refetch failed, keeping the keys already known: ${messageOf(error)}`);
  };
  const keys = new KeyCache(loader, { onFetchError: refetchFailed, onKeysRemoved });
  /** After a start from a recent copy: reload until a load works, so dropped keys stop working. */
  const refreshAfterStart = (attempt: number): void => {
    keys.load(loader).catch((error: unknown) => {
      refetchFailed(error);
      if (error instanceof JwksError && error.final) return;
      const pause = pauseAt(TIMING.refreshRetryMs, attempt);
      setTimeout(() => refreshAfterStart(attempt + 1), pause).unref();
    });
  };
  const begin = ({ jwks, source, startedAt }: LoadedKeys) => {
    // A start from a recent copy without asking the network: the refetch window counts
    // from when the copy was fetched, so a new kid can be fetched at once. The copy is
    // refreshed once the server is up, off the path to the first answer, whatever the window
    // says, and again until that works: a key dropped from the pool stops working then.
    const fresh = source.kind === 'cache' && source.why === 'fresh';
    keys.prime(jwks, fresh ? source.fetchedAt : startedAt);
    if (fresh) setTimeout(() => refreshAfterStart(0), TIMING.freshCopyRefreshDelayMs).unref();
  };
  return { keys, begin };
}

/** Loads every issuer's keys; once every load has ended, one line per pool or issuer, as run says when it loads them first. */
function loadAll(config: CognitoConfig, opened: readonly [TrustedIssuer, OpenedCache][], startup: StartupOptions): void {
  const loading = opened.map(([issuer, cache]) => loadInBackground(config, issuer, cache, startup));
  void Promise.all(loading).then(
    (all) => {
      const failure = startupFailure(all);
      if (failure && startup.exitOnFailure) {
        // run's own guarantee, now that PostGraphile started alongside: no keys, no server.
        log.fatal(failure.message, failure.hint, failure.exitCode);
        return;
      }
      // Serving goes on: each failed load is said here, once (a pool's UPDATED form not in use only in its start-up line).
      for (const k of all) if (!k.loaded && k.failure && !isOptional(k.issuer)) logLoadFailure(k.failure);
      const lines = groupBySource(all).filter((forms) => forms.some((k) => k.loaded)).map(describeStartup);
      lines.forEach((line, i) => log.info(startup.serverName && i === lines.length - 1 ? `${line}; ${startup.serverName}` : line));
    },
    (error: unknown) => {
      // Not a JWKS fault (those are results): a bug. Clean words and exit 1 under run, never an unhandled rejection.
      if (startup.exitOnFailure) log.fatal(`unexpected error while loading the keys: ${messageOf(error)}`, undefined, 1);
      else log.error(`unexpected error while loading the keys: ${messageOf(error)}; tokens get 503 until a later request loads the keys`);
    },
  );
}

/** A failed key load while serving goes on: the cause, its hint, and what tokens get meanwhile. */
function logLoadFailure(error: unknown): void {
  const hint = error instanceof PostgraphileCognitoError && error.hint ? ` (${error.hint})` : '';
  log.error(`${messageOf(error)}${hint}; tokens get 503 until a later request loads the keys`);
}

/** Loads an issuer's keys when the gate was given none; requests meanwhile wait for it (refresh joins it). */
function loadInBackground(config: CognitoConfig, issuer: TrustedIssuer, opened: OpenedCache, startup: StartupOptions): Promise<IssuerKeys> {
  const loading = loadIssuerKeys(issuer, config, log.warn, startup.freshForMs ? { freshForMs: startup.freshForMs } : {});
  opened.keys
    .load(async () => {
      const result = await loading;
      if (!result.loaded) throw result.failure;
      return result.loaded.jwks;
    })
    .then(
      async (jwks) => {
        const { loaded } = await loading;
        // As if given at start: a recent copy gets its refresh.
        if (loaded?.source.kind === 'cache' && loaded.source.why === 'fresh') opened.begin(loaded);
        for (const skipped of jwks.skipped) log.warn(`${nameOf(issuer)}: skipped JWKS ${skipped}`);
      },
      // Said once every start-up load has ended (Gate.open), or by the exit.
      () => {},
    );
  return loading;
}
