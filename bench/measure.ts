/** Small measuring tools for `npm run bench`: closed-loop load at a fixed concurrency for a fixed time. */
export interface LoadFigures {
  ops: number;
  seconds: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Seconds of load sent before each measured phase and not counted (BENCH_WARMUP_SECONDS, default 2):
 * the figures are the service running warm, as it does after its first minute, not V8 still
 * compiling its hot functions (which cost a 5-second phase a fifth of its throughput here).
 */
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);

type Op = (worker: number, i: number) => Promise<void>;

/** `concurrency` workers calling `op` until `seconds` have passed; `counter.i` counts on across calls. */
async function closedLoop(concurrency: number, seconds: number, op: Op, counter: { i: number }, latencies: number[] | null): Promise<number> {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await op(worker, counter.i++);
        latencies?.push(performance.now() - t);
      }
    }),
  );
  return (performance.now() - start) / 1000;
}

const figuresOf = (latencies: number[], elapsed: number): LoadFigures => ({ ops: latencies.length, seconds: round(elapsed), opsPerSecond: round(latencies.length / elapsed), ...percentiles(latencies) });

/** `op` from `concurrency` workers for the warm-up, then measured for `seconds`; `i` counts on across both. */
export async function runClosedLoop(concurrency: number, seconds: number, op: Op, warmupSeconds = WARMUP_SECONDS): Promise<LoadFigures> {
  const counter = { i: 0 };
  if (warmupSeconds > 0) await closedLoop(concurrency, warmupSeconds, op, counter, null);
  const latencies: number[] = [];
  return figuresOf(latencies, await closedLoop(concurrency, seconds, op, counter, latencies));
}

/**
 * Two loads measured in alternating turns (`turns` of `seconds / turns` each), after a warm-up of
 * each: this machine's speed drifts within a run, and one load measured after the other got the
 * drift as a difference between them (10-event appends measured 47% to 122% of raw INSERTs).
 */
export async function runInTurns(concurrency: number, seconds: number, ops: readonly [Op, Op], turns = 5, warmupSeconds = WARMUP_SECONDS): Promise<[LoadFigures, LoadFigures]> {
  const sides = ops.map((op) => ({ op, counter: { i: 0 }, latencies: [] as number[], elapsed: 0 }));
  for (const side of sides) if (warmupSeconds > 0) await closedLoop(concurrency, warmupSeconds, side.op, side.counter, null);
  for (let turn = 0; turn < turns; turn++) {
    for (const side of sides) side.elapsed += await closedLoop(concurrency, seconds / turns, side.op, side.counter, side.latencies);
  }
  return [figuresOf(sides[0]!.latencies, sides[0]!.elapsed), figuresOf(sides[1]!.latencies, sides[1]!.elapsed)];
}

export function percentiles(latencies: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50Ms: round(at(0.5)), p99Ms: round(at(0.99)) };
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

export function ratio(ours: number, baseline: number): string {
  return baseline > 0 ? `${Math.round((ours / baseline) * 100)}%` : 'n/a';
}
