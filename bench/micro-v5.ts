/**
 * The cost of one request's authentication on PostGraphile v5, in process:
 * the preset's two middlewares (grafserv's body hook: the gate's verdict;
 * grafast's prepareArgs: the pgSettings), as D runs them, against C's
 * grafast.context from the guide's recipe (jsonwebtoken.verify with the PEM
 * string, then a setting per claim), for a repeated token and a new one (see
 * micro.ts). v5 needs Node 22, so bench.ts runs this
 * file as a child under it, in the v5 project; the child reads its input from
 * a file and prints one JSON line.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { makeCognitoPreset } from '../src/adapters/v5';
import { RawSettings, resolveConfig } from '../src/config';
import { setHandover } from '../src/gate';
import { givenKeys, validateJwks } from '../src/jwks';
import { cleanEnv } from '../test/helpers/cli';
import { V5_PROJECT, withNode22 } from '../test/helpers/v5';
import { checkAllMiss, compareOps, NEW_TOKEN_CACHE, Op, PerToken } from './timing';

export interface MicroV5Input {
  /** The preset's settings, as D's flags give them. */
  settings: RawSettings;
  jwks: unknown;
  pem: string;
  issuer: string;
  tokens: readonly string[];
  batches: number;
  perBatch: number;
}

export interface MicroV5Result {
  /** Ours and the recipe's, the same token every call. */
  repeated: PerToken;
  /** Ours and the recipe's, a token the cache does not hold every call. */
  fresh: PerToken;
}

const RECIPE = path.join(V5_PROJECT, 'bench-recipe', 'graphile.config.mjs');

/** Runs the measurement under `node` (22 or newer) and returns it: a child per kind of token, as the preset's gate is one per process. */
export async function microbenchV5(node: string, input: MicroV5Input, tmp: string): Promise<MicroV5Result> {
  const file = path.join(tmp, 'micro-v5-input.json');
  fs.writeFileSync(file, JSON.stringify(input));
  const measure = async (kind: 'repeated' | 'new'): Promise<PerToken> => {
    const { stdout } = await promisify(execFile)(node, ['--import', 'tsx', __filename, file, kind], {
      cwd: V5_PROJECT,
      // The recipe reads its key and issuer from there, as C's server does.
      env: withNode22(cleanEnv({ JWT_SECRET: input.pem, JWT_ISSUER: input.issuer })),
      timeout: 300_000,
      maxBuffer: 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as PerToken;
  };
  return { repeated: await measure('repeated'), fresh: await measure('new') };
}

async function child(file: string): Promise<void> {
  const input = JSON.parse(fs.readFileSync(file, 'utf8')) as MicroV5Input;
  checkAllMiss(input.tokens, input.perBatch);
  // No pg service: the role check (a lookup per request once the role is known) is left out.
  const resolvedPreset = { pgServices: [] };
  /** The preset's middlewares, as D runs them; one preset (and gate) per process, so `tokenCache` is set once. */
  const presetOp = (settings: RawSettings): Op => {
    const { config } = resolveConfig({ flags: settings });
    // The keys as run hands them over, so the gate fetches nothing.
    const pool = config.issuers[0]!;
    setHandover({ config, keys: [givenKeys(pool, validateJwks(input.jwks, pool.kind === 'cognito' ? pool.jwksUrl : ''))] });
    const plugin = makeCognitoPreset(settings).plugins[0]!;
    return async (token) => {
      const request = { getHeader: (name: string) => (name === 'authorization' ? `Bearer ${token}` : undefined) };
      await plugin.grafserv.middleware.processGraphQLRequestBody(() => undefined, { request, resolvedPreset });
      const args = { contextValue: {} as Record<string, unknown>, requestContext: { http: request }, resolvedPreset };
      await plugin.grafast.middleware.prepareArgs(() => args, { args });
      return args.contextValue.pgSettings;
    };
  };
  const tokenCache = process.argv[3] === 'new' ? NEW_TOKEN_CACHE : undefined;
  const ours = presetOp({ ...input.settings, ...(tokenCache === undefined ? {} : { tokenCache }) });

  type Context = (requestContext: unknown, args: { contextValue: Record<string, unknown> }) => Promise<unknown>;
  const recipe = ((await import(pathToFileURL(RECIPE).href)) as { default: { grafast: { context: Context } } }).default;
  const theirs: Op = (token) => recipe.grafast.context({ http: { getHeader: (name: string) => (name === 'authorization' ? `Bearer ${token}` : undefined) } }, { contextValue: {} });

  // Both must succeed on these tokens, or the timing means nothing.
  const [oursOut, theirsOut] = [(await ours(input.tokens[0]!)) as Record<string, string>, (await theirs(input.tokens[0]!)) as { pgSettings: Record<string, string> }];
  if (!oursOut?.['jwt.claims.sub'] || !theirsOut.pgSettings['jwt.claims.sub']) throw new Error('a side of the v5 micro-benchmark did not verify its token');

  const tokens = tokenCache === undefined ? input.tokens.slice(0, 1) : input.tokens;
  console.log(JSON.stringify(await compareOps(ours, theirs, tokens, input.batches, input.perBatch)));
}

if (require.main === module) {
  child(process.argv[2]!).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
