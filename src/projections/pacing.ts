/** Waiting that a stop can cut short: retry backoff, lock retries, progress polling. */

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** Doubling from initialMs up to maxMs; attempt 1 is the first retry. */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

/** Resolves after `ms`, or as soon as the signal aborts (never rejects). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
