import type { Counter } from 'prom-client';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

/**
 * What the HTTP shell does with a request refused because a dependency is down: during an outage
 * every request fails the same way, so one line says when refusals start and one when they stop
 * (with how many were refused), instead of a stack per request. Every refusal is counted in
 * `authledger_requests_refused_total{cause}`.
 */
export interface OutageLog {
  refused(cause: string, err: unknown): void;
}

export interface OutageLogOptions {
  /** An outage is over once this long passes without a refusal for its cause. Default 5000. */
  quietMs?: number;
}

interface OpenOutage {
  startedAt: number;
  refused: number;
  timer: NodeJS.Timeout;
}

export function createOutageLog(logger: Logger, metrics: Metrics, options: OutageLogOptions = {}): OutageLog {
  const quietMs = options.quietMs ?? 5000;
  const counter: Counter<'cause'> = metrics.counter({
    name: 'authledger_requests_refused_total',
    help: 'Requests answered 503 because a dependency was unavailable, by cause',
    labelNames: ['cause'],
  });
  const open = new Map<string, OpenOutage>();
  const close = (cause: string) => {
    const outage = open.get(cause);
    if (!outage) return;
    open.delete(cause);
    const seconds = Math.round((Date.now() - outage.startedAt) / 100) / 10;
    logger.info({ cause, refused: outage.refused, seconds }, `${cause}: no request refused for ${quietMs} ms; outage over`);
  };
  return {
    refused(cause, err) {
      counter.inc({ cause });
      const outage = open.get(cause);
      if (outage) {
        outage.refused++;
        outage.timer.refresh();
        return;
      }
      const timer = setTimeout(() => close(cause), quietMs);
      timer.unref();
      open.set(cause, { startedAt: Date.now(), refused: 1, timer });
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ cause, reason }, `${cause} unavailable: answering 503 until it is back`);
    },
  };
}
