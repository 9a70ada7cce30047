/**
 * The cost of one request's authentication on PostGraphile v5, in process:
 * the preset's two middlewares (grafserv's body hook: the gate's verdict;
 * grafast's prepareArgs: the pgSettings), as D runs them, against C's
 * grafast.context from the guide's recipe (jsonwebtoken.verify with the PEM
 * string, then a setting per claim). v5 needs Node 22, so bench.ts runs this
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
import { compareOps, Op } from './timing';

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
  oursUs: number;
  recipeUs: number;
}

const RECIPE = path.join(V5_PROJECT, 'bench-recipe', 'graphile.config.mjs');

/** Runs the measurement under `node` (22 or newer) and returns it. */
export async function microbenchV5(node: string, input: MicroV5Input, tmp: string): Promise<MicroV5Result> {
  const file = path.join(tmp, 'micro-v5-input.json');
  fs.writeFileSync(file, JSON.stringify(input));
  const { stdout } = await promisify(execFile)(node, ['--import', 'tsx', __filename, file], {
    cwd: V5_PROJECT,
    // The recipe reads its key and issuer from there, as C's server does.
    env: withNode22(cleanEnv({ JWT_SECRET: input.pem, JWT_ISSUER: input.issuer })),
    timeout: 300_000,
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as MicroV5Result;
}

async function child(file: string): Promise<void> {
  const input = JSON.parse(fs.readFileSync(file, 'utf8')) as MicroV5Input;
  const { config } = resolveConfig({ flags: input.settings });
  // The keys as run hands them over, so the gate fetches nothing.
  const pool = config.issuers[0]!;
  setHandover({ config, keys: [givenKeys(pool, validateJwks(input.jwks, pool.kind === 'cognito' ? pool.jwksUrl : ''))] });
  const plugin = makeCognitoPreset(input.settings).plugins[0]!;
  // No pg service: the role check (a lookup per request once the role is known) is left out.
  const resolvedPreset = { pgServices: [] };
  const ours: Op = async (token) => {
    const request = { getHeader: (name: string) => (name === 'authorization' ? `Bearer ${token}` : undefined) };
    await plugin.grafserv.middleware.processGraphQLRequestBody(() => undefined, { request, resolvedPreset });
    const args = { contextValue: {} as Record<string, unknown>, requestContext: { http: request }, resolvedPreset };
    await plugin.grafast.middleware.prepareArgs(() => args, { args });
    return args.contextValue.pgSettings;
  };

  type Context = (requestContext: unknown, args: { contextValue: Record<string, unknown> }) => Promise<unknown>;
  const recipe = ((await import(pathToFileURL(RECIPE).href)) as { default: { grafast: { context: Context } } }).default;
  const theirs: Op = (token) => recipe.grafast.context({ http: { getHeader: (name: string) => (name === 'authorization' ? `Bearer ${token}` : undefined) } }, { contextValue: {} });

  // Both must succeed on these tokens, or the timing means nothing.
  const [oursOut, theirsOut] = [(await ours(input.tokens[0]!)) as Record<string, string>, (await theirs(input.tokens[0]!)) as { pgSettings: Record<string, string> }];
  if (!oursOut?.['jwt.claims.sub'] || !theirsOut.pgSettings['jwt.claims.sub']) throw new Error('a side of the v5 micro-benchmark did not verify its token');

  const { oursUs, theirsUs } = await compareOps(ours, theirs, input.tokens, input.batches, input.perBatch);
  console.log(JSON.stringify({ oursUs, recipeUs: theirsUs } satisfies MicroV5Result));
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
