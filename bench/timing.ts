/** In-process timing shared by the micro-benchmarks (micro.ts under this Node, micro-v5.ts under Node 22). */

export type Op = (token: string) => unknown;

/** µs per call of ours and theirs: wall time, and this process's CPU time (what a busy machine changes least). */
export interface PerToken {
  oursUs: number;
  theirsUs: number;
  oursCpuUs: number;
  theirsCpuUs: number;
}

/**
 * The token cache of the "new token" side: smaller than the distinct tokens
 * a batch sends in turn, so that every call misses, is verified, and goes in
 * (evicting the oldest), as a token never seen before does in a full cache.
 */
export const NEW_TOKEN_CACHE = 100;

/** Throws unless a batch's calls, the tokens in turn, all miss a cache of NEW_TOKEN_CACHE. */
export function checkAllMiss(tokens: readonly string[], perBatch: number): void {
  if (Math.min(new Set(tokens).size, perBatch) <= NEW_TOKEN_CACHE) throw new Error(`the new-token timing needs more than ${NEW_TOKEN_CACHE} distinct tokens per batch`);
}

/** Mean wall and CPU µs per call of `op` over `count` calls, the tokens in turn. */
async function batchUs(op: Op, tokens: readonly string[], count: number): Promise<{ wall: number; cpu: number }> {
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await op(tokens[i % tokens.length]!);
  const wall = Number(process.hrtime.bigint() - started) / 1e3 / count;
  const cpu = process.cpuUsage(cpuBefore);
  return { wall, cpu: (cpu.user + cpu.system) / count };
}

const middle = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * µs per call of `ours` and `theirs`: the median over 3 × `batches` batches of
 * `perBatch` calls each, after a warm-up batch, the two alternating batch by
 * batch (which goes first alternates too), so a busy machine's ups and downs
 * touch both alike.
 */
export async function compareOps(ours: Op, theirs: Op, tokens: readonly string[], batches: number, perBatch: number): Promise<PerToken> {
  const oursRuns: { wall: number; cpu: number }[] = [];
  const theirRuns: { wall: number; cpu: number }[] = [];
  for (let batch = -1; batch < 3 * batches; batch++) {
    const pair = batch % 2 === 0 ? [ours, theirs] : [theirs, ours];
    const [first, second] = [await batchUs(pair[0]!, tokens, perBatch), await batchUs(pair[1]!, tokens, perBatch)];
    if (batch < 0) continue;
    oursRuns.push(pair[0] === ours ? first : second);
    theirRuns.push(pair[0] === ours ? second : first);
  }
  return {
    oursUs: middle(oursRuns.map((r) => r.wall)),
    theirsUs: middle(theirRuns.map((r) => r.wall)),
    oursCpuUs: middle(oursRuns.map((r) => r.cpu)),
    theirsCpuUs: middle(theirRuns.map((r) => r.cpu)),
  };
}
