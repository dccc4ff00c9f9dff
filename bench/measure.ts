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

/** `op` from `concurrency` workers for the warm-up, then measured for `seconds`; `i` counts on across both. */
export async function runClosedLoop(concurrency: number, seconds: number, op: (worker: number, i: number) => Promise<void>, warmupSeconds = WARMUP_SECONDS): Promise<LoadFigures> {
  let counter = 0;
  const phase = async (length: number, latencies: number[] | null) => {
    const deadline = performance.now() + length * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (performance.now() < deadline) {
          const t = performance.now();
          await op(worker, counter++);
          latencies?.push(performance.now() - t);
        }
      }),
    );
  };
  if (warmupSeconds > 0) await phase(warmupSeconds, null);
  const latencies: number[] = [];
  const start = performance.now();
  await phase(seconds, latencies);
  const elapsed = (performance.now() - start) / 1000;
  return { ops: latencies.length, seconds: round(elapsed), opsPerSecond: round(latencies.length / elapsed), ...percentiles(latencies) };
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
