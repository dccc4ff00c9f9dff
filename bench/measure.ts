/** Small measuring tools for `npm run bench`: closed-loop load at a fixed concurrency for a fixed time. */
export interface LoadFigures {
  ops: number;
  seconds: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function runClosedLoop(concurrency: number, seconds: number, op: (worker: number, i: number) => Promise<void>): Promise<LoadFigures> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  let counter = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await op(worker, counter++);
        latencies.push(performance.now() - t);
      }
    }),
  );
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
