/** In-process timing shared by the micro-benchmarks (micro.ts under this Node, micro-v5.ts under Node 22). */

export type Op = (token: string) => unknown;

/** Mean µs per call of `op` over `count` calls, the tokens in turn. */
async function batchUs(op: Op, tokens: readonly string[], count: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await op(tokens[i % tokens.length]!);
  return Number(process.hrtime.bigint() - started) / 1e3 / count;
}

const middle = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * µs per call of `ours` and `theirs`: the median over 3 × `batches` batches of
 * `perBatch` calls each, after a warm-up batch, the two alternating batch by
 * batch (which goes first alternates too), so a busy machine's ups and downs
 * touch both alike.
 */
export async function compareOps(ours: Op, theirs: Op, tokens: readonly string[], batches: number, perBatch: number): Promise<{ oursUs: number; theirsUs: number }> {
  const oursRuns: number[] = [];
  const theirRuns: number[] = [];
  for (let batch = -1; batch < 3 * batches; batch++) {
    const pair = batch % 2 === 0 ? [ours, theirs] : [theirs, ours];
    const [first, second] = [await batchUs(pair[0]!, tokens, perBatch), await batchUs(pair[1]!, tokens, perBatch)];
    if (batch < 0) continue;
    oursRuns.push(pair[0] === ours ? first : second);
    theirRuns.push(pair[0] === ours ? second : first);
  }
  return { oursUs: middle(oursRuns), theirsUs: middle(theirRuns) };
}
