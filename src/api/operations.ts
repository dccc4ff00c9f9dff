import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { problemDetailsEnvelope } from './envelopes/problem-details';
import { defineRoute } from './route';
import type { Surface } from './surface';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or outlives the timeout) when it does not. */
  check(): Promise<void>;
}

export interface OperationsDeps {
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
  readinessTimeoutMs: number;
  logger: Logger;
  openapiDocument(): object;
}

export const OPERATIONS_PATHS = ['/healthz', '/readyz', '/metrics', '/openapi.json'];

const statusSchema = { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } };
const readinessSchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { enum: ['ready', 'unready'] },
    checks: { type: 'object', additionalProperties: { type: 'string' }, description: 'check name → "ok" or why it failed' },
  },
};

/** Liveness, readiness, metrics and the API description: served beside every surface, answered in problem+json when refused. */
export function operationsSurface(deps: OperationsDeps): Surface {
  return {
    name: 'operations',
    group: 'Operations (/healthz, /readyz, /metrics)',
    prefix: '',
    owns: OPERATIONS_PATHS,
    envelope: problemDetailsEnvelope,
    description: 'Probes for orchestrators and monitoring, and this document.',
    routes: [
      defineRoute({
        method: 'get',
        path: '/healthz',
        operationId: 'healthz',
        summary: 'Liveness: the process is up and serving',
        description: 'Touches no dependency, so a database outage does not get the process restarted.',
        tags: ['operations'],
        security: 'none',
        responses: { 200: { description: 'Alive', schema: statusSchema } },
        handler: (ctx) => {
          ctx.set('Cache-Control', 'no-store');
          return { status: 'ok' };
        },
      }),
      defineRoute({
        method: 'get',
        path: '/readyz',
        operationId: 'readyz',
        summary: 'Readiness: every dependency answers',
        description: `Runs every readiness check in parallel, each limited to ${deps.readinessTimeoutMs} ms.`,
        tags: ['operations'],
        security: 'none',
        responses: {
          200: { description: 'Ready', schema: readinessSchema, mediaType: 'application/json' },
          503: { description: 'A dependency failed; `checks` names it', schema: readinessSchema, mediaType: 'application/json' },
        },
        handler: async (ctx) => {
          const results = await Promise.all(deps.readiness.map((check) => runCheck(check, deps.readinessTimeoutMs, deps.logger)));
          const ready = results.every((r) => r.ok);
          ctx.set('Cache-Control', 'no-store');
          ctx.status = ready ? 200 : 503;
          ctx.body = { status: ready ? 'ready' : 'unready', checks: Object.fromEntries(results.map((r) => [r.name, r.outcome])) };
        },
      }),
      defineRoute({
        method: 'get',
        path: '/metrics',
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        tags: ['operations'],
        security: 'none',
        responses: { 200: { description: 'Prometheus text exposition format', mediaType: 'text/plain; version=0.0.4' } },
        handler: async (ctx) => {
          ctx.set('Cache-Control', 'no-store');
          ctx.type = deps.metrics.contentType;
          ctx.body = await deps.metrics.render();
        },
      }),
      defineRoute({
        method: 'get',
        path: '/openapi.json',
        operationId: 'openapi',
        summary: 'This API description (OpenAPI 3.1)',
        tags: ['operations'],
        security: 'none',
        responses: { 200: { description: 'OpenAPI 3.1 document', schema: { type: 'object' } } },
        handler: () => deps.openapiDocument(),
      }),
    ],
  };
}

interface CheckResult {
  name: string;
  ok: boolean;
  outcome: string;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number, logger: Logger): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return { name: check.name, ok: true, outcome: 'ok' };
  } catch (err) {
    logger.warn({ err, check: check.name }, 'readiness check failed');
    return { name: check.name, ok: false, outcome: `failed: ${shownReason(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** A failure reason fit for an unauthenticated probe: first line only, credentials in URLs masked, bounded. */
function shownReason(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const firstLine = raw.split('\n', 1)[0] ?? '';
  const masked = firstLine.replace(/\/\/[^/@\s]*@/g, '//***@').replace(/(password|secret|token)=[^&\s]*/gi, '$1=***');
  return (masked || 'failed').slice(0, 200);
}
