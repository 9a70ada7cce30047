import { ENV_NAMES, RawSettings, RcFile, SettingKey } from '../../config';
import { ConfigError, PostgraphileCognitoError } from '../../errors';
import { Gate, gateSourceFromEnvironment, Verdict } from '../../gate';
import * as log from '../../log';
import { TokenRejectedError } from '../../verify';
import { grafastSafeError } from './grafast';
import { RoleCheck } from './roles';

/*
 * The PostGraphile v5 adaptor: a graphile-config preset whose plugin hands
 * each request's token to the shared gate, as the v4 plugin does, and gives
 * PostGraphile the verdict as `pgSettings`. The slices of v5's types it
 * touches are spelled out here: this package does not depend on v5.
 */

export const PLUGIN_NAME = 'PostgraphileCognitoPlugin';

interface RequestDigest {
  getHeader(name: string): string | undefined;
}
interface PgService {
  pgSettingsKey?: string;
  adaptorSettings?: { pool?: { connect(): Promise<never> } };
}
interface ResolvedPreset {
  pgServices?: PgService[];
}
interface BodyEvent {
  resolvedPreset?: ResolvedPreset;
  request?: RequestDigest;
  graphqlWsContext?: { connectionParams?: Readonly<Record<string, unknown>> };
}
interface RequestContext {
  http?: RequestDigest;
  ws?: { connectionParams?: Readonly<Record<string, unknown>> };
}
interface PrepareArgsEvent {
  args: { contextValue: Record<string, unknown>; requestContext?: RequestContext; resolvedPreset?: ResolvedPreset };
}
type Next<T> = () => T | Promise<T>;

export interface V5Plugin {
  name: string;
  version: string;
  description: string;
  grafserv: { middleware: { processGraphQLRequestBody(next: Next<void>, event: BodyEvent): Promise<void> | void } };
  grafast: { middleware: { prepareArgs<T>(next: Next<T>, event: PrepareArgsEvent): Promise<T> | T } };
}

/** A graphile-config preset: only keys graphile-config knows, so `-P` accepts the module. */
export interface CognitoPreset {
  plugins: V5Plugin[];
}

/** What run or args gathers while it reads graphile.config itself. */
interface Collecting {
  settings: RawSettings[];
}

/** One per process: a preset given twice (graphile.config and -P) is the same plugin, deduplicated by graphile-config. */
interface Shared {
  plugin: V5Plugin;
  gate: Gate | null;
  /** The configuration the gate was opened with, to tell a second, different one. */
  opened: string | null;
  collecting: Collecting | null;
  roles: RoleCheck | null;
}

const SHARED = Symbol.for('postgraphile-cognito.v5');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../../package.json') as { version: string };

function shared(): Shared {
  const global = globalThis as Record<symbol, Shared | undefined>;
  return (global[SHARED] ??= { plugin: makePlugin(), gate: null, opened: null, collecting: null, roles: null });
}

/**
 * The preset for graphile.config.{js,mjs,ts}:
 *   extends: [PostGraphileAmberPreset, makeCognitoPreset({ userPoolId, clientId, allowedRoles })]
 * Settings here win over COGNITO_* variables and the rc file's cognito
 * section, as flags do. The configuration is checked (exit 2 under
 * PostGraphile's CLI) and the pool's keys start loading at once.
 */
export function makeCognitoPreset(settings: RawSettings = {}): CognitoPreset {
  return presetFor(settings, (key) => `${key} in makeCognitoPreset()`);
}

/** The preset, configured by `settings` (named in messages by `label`): makeCognitoPreset and the -P module. */
export function presetFor(settings: RawSettings, label: (key: SettingKey) => string): CognitoPreset {
  configure({ settings, label });
  return { plugins: [shared().plugin] };
}

export interface ConfigureInput {
  settings: RawSettings;
  label: (key: SettingKey) => string;
}

/**
 * Opens the one gate of this process, or checks that it was opened with
 * the same configuration. While run or args reads graphile.config, the
 * settings are only gathered.
 */
export function configure({ settings, label }: ConfigureInput): void {
  const state = shared();
  if (state.collecting) {
    state.collecting.settings.push(settings);
    return;
  }
  try {
    // Settings > environment > rc file; under run, its keys come along (its list spells out the same configuration).
    const source = gateSourceFromEnvironment({ flags: settings, flagLabel: label });
    const key = JSON.stringify(source.config);
    if (state.gate) {
      if (state.opened !== key) {
        throw new ConfigError(
          'postgraphile-cognito is configured twice in this process, differently (say, by makeCognitoPreset() in graphile.config and by -P …:cfg_…)',
          'configure it in one place: graphile.config, or the arguments postgraphile-cognito args prints',
        );
      }
      return;
    }
    // A refusal must be a SafeError of the running grafast: find it now, not on the first refusal.
    grafastSafeError();
    state.gate = Gate.open(source);
    state.opened = key;
    state.roles = new RoleCheck(state.gate);
    if (!state.gate.config.anonymousRole) {
      log.warn(`no anonymous role: requests without a token run as the connecting role; set ${label('anonymousRole')} (PostGraphile v5 has no --default-role)`);
    }
  } catch (error) {
    exitUnderCli(error);
    throw error;
  }
}

/** How the preset module (-P) names its settings: they come from the environment there. */
export function environmentLabel(key: SettingKey): string {
  return ENV_NAMES[key][0] ?? `cognito.${key} in the rc file`;
}

/**
 * Reads graphile.config (through `load`) without opening a gate: returns
 * the settings makeCognitoPreset() was given there, as an rc-file layer for
 * run's and args' own configuration.
 */
export async function collectPresetSettings(load: () => Promise<unknown>, file: string): Promise<RcFile | null> {
  const state = shared();
  const collecting: Collecting = { settings: [] };
  state.collecting = collecting;
  try {
    await load();
  } finally {
    state.collecting = null;
  }
  if (collecting.settings.length === 0) return null;
  return { filepath: file, cognito: Object.assign({}, ...collecting.settings) as RawSettings, options: {} };
}

/** Under PostGraphile's own CLI a thrown error is a stack trace and exit 1: say it plainly, exit 2. */
export function exitUnderCli(error: unknown): void {
  if (!(error instanceof PostgraphileCognitoError)) return;
  if (!/[\\/]postgraphile[\\/]dist[\\/]cli-run\.js$/.test(require.main?.filename ?? process.argv[1] ?? '')) return;
  log.error(error.message, error.hint);
  process.exit(error.exitCode);
}

const BEARER = /^Bearer +([^\s]+)$/i;

/** The token of `Authorization: Bearer …`; null without the header; a refusal for any other form. */
function bearerToken(authorization: unknown): string | null {
  if (authorization === undefined || authorization === null || authorization === '') return null;
  const match = typeof authorization === 'string' ? BEARER.exec(authorization.trim()) : null;
  if (!match) throw new TokenRejectedError('malformed', 'the Authorization header is not of the form Bearer <token>');
  return match[1]!;
}

/** A WebSocket's `authorization` connection parameter, whatever its case. */
function connectionAuthorization(params: Readonly<Record<string, unknown>> | undefined): unknown {
  if (!params || typeof params !== 'object') return undefined;
  const key = Object.keys(params).find((name) => name.toLowerCase() === 'authorization');
  return key === undefined ? undefined : params[key];
}

/** The pg Pool of the service whose settings are `pgSettings`, when it is the pg adaptor's. */
function mainPool(preset: ResolvedPreset | undefined) {
  const service = preset?.pgServices?.find((s) => (s.pgSettingsKey ?? 'pgSettings') === 'pgSettings');
  const pool = service?.adaptorSettings?.pool;
  return pool && typeof pool.connect === 'function' ? pool : null;
}

function makePlugin(): V5Plugin {
  /** Verdicts on their way from grafserv's body hook to grafast's prepareArgs, by request (HTTP) or connection (WebSocket). */
  const verdicts = new WeakMap<object, Verdict | null>();
  const gateOf = (): Gate => {
    const state = shared();
    if (!state.gate) configure({ settings: {}, label: environmentLabel });
    return state.gate!;
  };
  const safe = (refusal: TokenRejectedError): Error => {
    const SafeError = grafastSafeError();
    return new SafeError(refusal.message, { statusCode: refusal.statusCode, code: refusal.code });
  };

  /** The decision for one request: null without a token; throws a SafeError (the status, our reason, no stack logged). */
  async function decide(authorization: unknown, preset: ResolvedPreset | undefined): Promise<Verdict | null> {
    const gate = gateOf();
    let token: string | null = null;
    try {
      token = bearerToken(authorization);
      if (token === null) return null;
      const verdict = await gate.authenticate(token);
      const pool = verdict.role ? mainPool(preset) : null;
      const refusal = pool ? await shared().roles!.check(pool, verdict.role!) : null;
      if (refusal) throw gate.refused(refusal, token);
      return verdict;
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      // authenticate has logged its refusals; the header's own is logged here.
      if (token === null) gate.refused(error, '');
      throw safe(error);
    }
  }

  return {
    name: PLUGIN_NAME,
    version,
    description: 'Verifies Amazon Cognito tokens and hands their claims and role to PostgreSQL (postgraphile-cognito)',
    grafserv: {
      middleware: {
        // Before grafast's hooks: a SafeError thrown here becomes the answer's status, with no stack in the log.
        processGraphQLRequestBody(next, event) {
          const authorization = event.request ? event.request.getHeader('authorization') : connectionAuthorization(event.graphqlWsContext?.connectionParams);
          const key = event.request ?? event.graphqlWsContext?.connectionParams;
          return decide(authorization, event.resolvedPreset).then((verdict) => {
            if (key && typeof key === 'object') verdicts.set(key, verdict);
            return next();
          });
        },
      },
    },
    grafast: {
      middleware: {
        prepareArgs(next, event) {
          const { args } = event;
          const context = args.contextValue;
          const key = args.requestContext?.http ?? args.requestContext?.ws?.connectionParams;
          const known = key && verdicts.has(key);
          // Outside grafserv (grafast called directly) the body hook never ran: decide here.
          const deciding = known
            ? Promise.resolve(verdicts.get(key)!)
            : decide(args.requestContext?.http?.getHeader('authorization') ?? connectionAuthorization(args.requestContext?.ws?.connectionParams), args.resolvedPreset);
          return deciding.then(async (verdict) => {
            if (verdict) context.jwtClaims = verdict.claims;
            // The user's own grafast.context runs in next(); its pgSettings still apply, ours win.
            const result = await next();
            context.pgSettings = settingsFor(verdict, context.pgSettings, gateOf().config.anonymousRole);
            return result;
          });
        },
      },
    },
  };
}

/**
 * A request's settings: the user's own, then the verdict's claims and role.
 * The anonymous role stands in for PostGraphile v4's --default-role: for
 * requests without a token, and valid tokens that name no role, unless the
 * user's own settings name one.
 */
export function settingsFor(verdict: Verdict | null, own: unknown, anonymousRole: string | null): Record<string, string> {
  const base = typeof own === 'object' && own !== null ? (own as Record<string, string>) : {};
  const role = verdict?.role ?? base.role ?? anonymousRole;
  return { ...base, ...(verdict?.settings ?? {}), ...(role ? { role } : {}) };
}
