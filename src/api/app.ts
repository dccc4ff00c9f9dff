import Koa, { type Context, type Middleware } from 'koa';
import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { createOutageLog, type OutageLog } from '../observability/outages';
import { problemDetailsEnvelope } from './envelopes/problem-details';
import { outageCause } from './dependency-outage';
import { classifyError, FailureSignal, routeNotFound } from './failure';
import { buildOpenApiDocument, type OpenApiInfo } from './openapi';
import { operationsSurface, type ReadinessCheck } from './operations';
import { createBodyReader } from './request-body';
import { REQUEST_ID_HEADER, requestContext } from './request-context';
import { useCanonicalPath } from './request-path';
import type { RequestState } from './route';
import { isUnder, ownedPrefixes, type Envelope, type Surface, type WriteFences } from './surface';
import { surfaceMiddleware } from './surface-router';

export { requestMetadata } from './request-metadata';
export type { ReadinessCheck } from './operations';

export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  surfaces: readonly Surface[];
  readiness: readonly ReadinessCheck[];
  /** Per readiness check; a probe must answer before the orchestrator's own timeout. Default 2000. */
  readinessTimeoutMs?: number;
  openapiInfo?: OpenApiInfo;
  /** The browser pages (`/`, `/docs`, `/console`), answered before any surface; see ./console/pages. */
  pages?: Middleware;
  /** An outage's "over" line is written once this long passes without a refusal. Default 5000. */
  outageQuietMs?: number;
  /** Read-your-writes: holds a write's answer until its surface's read models applied it. Omitted: no waiting. */
  writeFences?: WriteFences;
}

interface Owner {
  prefix: string;
  surface: Surface;
  middleware: Middleware;
}

/**
 * The HTTP application: request id → access log → metrics → the surface owning the (canonical)
 * path, whose envelope answers every refusal and every failure on it. Paths nobody owns get a
 * problem+json 404.
 */
export function createApp(deps: AppDeps): Koa {
  const { config, logger, metrics } = deps;
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.silent = true;
  // Only errors after the answer started (a broken response stream) reach here; the boundary below handles the rest.
  app.on('error', (err: unknown, ctx?: Context) => {
    const state = ctx?.state as Partial<RequestState> | undefined;
    (state?.logger ?? logger).error({ err }, 'error while writing a response');
  });

  let document: object = {};
  const operations = operationsSurface({
    metrics,
    readiness: deps.readiness,
    readinessTimeoutMs: deps.readinessTimeoutMs ?? 2000,
    logger,
    openapiDocument: () => document,
  });
  const surfaces = [operations, ...deps.surfaces];
  const readBody = createBodyReader(config.bodyLimitBytes);
  const owners = ownersByPrefix(surfaces.map((surface) => ({ surface, middleware: surfaceMiddleware(surface, readBody, deps.writeFences) })));
  document = buildOpenApiDocument(surfaces, deps.openapiInfo ?? { title: 'authledger', version: '1' });

  app.use(requestContext(logger));
  app.use(accessLog(logger));
  app.use(httpMetrics(metrics));
  if (deps.pages) app.use(deps.pages);
  app.use(dispatchToOwner(owners, problemDetailsEnvelope, createOutageLog(logger, metrics, { quietMs: deps.outageQuietMs })));
  return app;
}

/** Longest prefix first, so a surface nested under another's path still wins its own requests. */
function ownersByPrefix(entries: Array<{ surface: Surface; middleware: Middleware }>): Owner[] {
  const owners: Owner[] = [];
  for (const { surface, middleware } of entries) {
    for (const prefix of ownedPrefixes(surface)) {
      const clash = owners.find((o) => o.prefix === prefix);
      if (clash) throw new Error(`surfaces ${clash.surface.name} and ${surface.name} both claim ${prefix}`);
      owners.push({ prefix, surface, middleware });
    }
  }
  return owners.sort((a, b) => b.prefix.length - a.prefix.length);
}

function dispatchToOwner(owners: readonly Owner[], fallback: Envelope, outages: OutageLog): Middleware {
  const noMore = async () => {};
  return async (ctx) => {
    // Ownership, routing and every decision after them see one spelling of the path.
    const path = useCanonicalPath(ctx);
    const owner = owners.find((o) => isUnder(path, o.prefix));
    try {
      if (!owner) throw new FailureSignal(routeNotFound());
      await owner.middleware(ctx, noMore);
    } catch (err) {
      answerFailure(ctx, owner?.surface.envelope ?? fallback, err, outages);
    }
  };
}

/** Headers a refusal keeps from whatever the handler had set before it threw. */
const KEPT_HEADERS = new Set([REQUEST_ID_HEADER, 'x-content-type-options']);

function answerFailure(ctx: Context, envelope: Envelope, err: unknown, outages: OutageLog): void {
  const state = ctx.state as RequestState & { failure?: string };
  const { failure, unexpected } = classifyError(err);
  const cause = outageCause(err);
  if (cause) outages.refused(cause, err);
  else if (unexpected) state.logger.error({ err, route: state.route }, 'unexpected error');
  state.failure = failure.code;
  if (ctx.headerSent || !ctx.writable) return;
  for (const name of ctx.res.getHeaderNames()) if (!KEPT_HEADERS.has(name)) ctx.res.removeHeader(name);
  envelope.fail(ctx, failure);
  // Every surface says when to try again, whatever its envelope does with the status.
  if (failure.code === 'unavailable' && !ctx.response.get('Retry-After')) {
    const seconds = failure.details?.retryAfterSeconds;
    ctx.set('Retry-After', String(typeof seconds === 'number' ? Math.max(1, Math.ceil(seconds)) : UNAVAILABLE_RETRY_AFTER_SECONDS));
  }
}

/** An unavailable dependency usually answers again within seconds (a failover, a restart, a cut connection). */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/** One line per request: what was asked of which route and how it ended. No bodies, no headers, no query string. */
function accessLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const state = ctx.state as RequestState & { failure?: string };
      if (ctx.status < 500 && !logger.isLevelEnabled('info')) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: ctx.method,
        route: state.route ?? null,
        status: ctx.status,
        ms: Math.round(ms * 10) / 10,
        ip: state.clientIp,
        ...(state.failure ? { failure: state.failure } : {}),
      };
      if (ctx.status >= 500) state.logger.warn(line, 'request');
      else state.logger.info(line, 'request');
    }
  };
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Labelled by route template, never by raw URL: one series per route, however many ids callers send. */
function httpMetrics(metrics: Metrics): Middleware {
  // prom-client hashes a label object on every call; a series is looked up once and kept (routes × statuses × methods is small).
  const series = new Map<string, { count(): void; observe(seconds: number): void }>();
  const seriesOf = (method: string, route: string, status: string) => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (!found) {
      const labels = { method, route, status };
      const counter = metrics.httpRequestsTotal.labels(labels);
      const histogram = metrics.httpRequestDuration.labels(labels);
      found = { count: () => counter.inc(), observe: (seconds) => histogram.observe(seconds) };
      series.set(key, found);
    }
    return found;
  };
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const state = ctx.state as Partial<RequestState>;
      const recorded = seriesOf(KNOWN_METHODS.has(ctx.method) ? ctx.method : 'OTHER', state.route ?? 'unmatched', String(ctx.status));
      recorded.count();
      recorded.observe((performance.now() - started) / 1000);
    }
  };
}
