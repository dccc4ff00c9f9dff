import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { FailureSignal, methodNotAllowed, routeNotFound } from './failure';
import { answerIdempotently, IDEMPOTENCY_HEADER } from './idempotency';
import type { BodyReader } from './request-body';
import { validateRequestParts, type RequestParts } from './request-validation';
import type { Route, RouteContext } from './route';
import { isUnder, mountPrefixes, ownedPrefixes, routeSecurity, type Surface, type WriteFence, type WriteFences } from './surface';

/** A route as served: its full path template and what runs before its handler. */
export interface MountedRoute {
  template: string;
  route: Route;
  securityKey: string | null;
}

/** A template with no parameter, wildcard, group or optional part: it matches one path only. */
const isLiteral = (template: string): boolean => !/[:*({]/.test(template);

export function mountedRoutes(surface: Surface): MountedRoute[] {
  const owned = ownedPrefixes(surface);
  return mountPrefixes(surface).flatMap((prefix) =>
    surface.routes
      .map((route) => ({ template: `${prefix}${route.definition.path}`, route, securityKey: routeSecurity(surface, route) }))
      // A surface mounted at the root serves only below the paths it owns; other mounts are never reached, so never documented.
      .filter((mounted) => owned.some((path) => isUnder(mounted.template, path))),
  );
}

/**
 * One surface's routes as a single middleware. A path the surface does not serve is refused here
 * (404, or 405 with Allow when only the method is wrong; OPTIONS answers with Allow), so the
 * refusal is written in the surface's own envelope by the error boundary.
 */
export function surfaceMiddleware(surface: Surface, readBody: BodyReader, fences?: WriteFences): Middleware {
  const fence = fences?.(surface) ?? null;
  // 'specificity': `/users/me` wins over `/users/:id` whatever order they were declared in.
  const router = new Router({ exclusive: 'specificity' });
  // A template without parameters is found by one Map lookup on the exact path: the hottest
  // routes (tokens/status, callbacks' fixed paths) skip the router's per-request match and compose.
  // Its keys are exact (case included); a spelling it misses falls through to the router, which
  // matches literal text case-insensitively and so always finds the same route the map holds.
  const literal = new Map<string, Middleware>();
  const folded = new Map<string, string>();
  for (const mounted of mountedRoutes(surface)) {
    const { definition } = mounted.route;
    const method = definition.method.toUpperCase();
    const runner = routeRunner(surface, mounted, readBody, definition.waitsForReadModels === false ? null : fence);
    router.register(mounted.template, [method], [runner]);
    if (!isLiteral(mounted.template)) continue;
    // Two templates one spelling apart would leave the router choosing between them.
    const clash = folded.get(`${method} ${mounted.template.toLowerCase()}`);
    if (clash !== undefined && clash !== mounted.template) throw new Error(`surface ${surface.name}: ${method} ${mounted.template} and ${clash} differ only in letter case`);
    folded.set(`${method} ${mounted.template.toLowerCase()}`, mounted.template);
    literal.set(`${method} ${mounted.template}`, runner);
  }
  const dispatch = router.routes() as unknown as Middleware;

  // Nothing runs after a surface: the paths it owns are answered or refused here.
  const refuse = async (ctx: Context) => {
    const layers = router.match(ctx.path, ctx.method).path.filter((layer) => layer.methods.length > 0);
    if (layers.length === 0) throw new FailureSignal(routeNotFound());
    const allowed = [...new Set([...layers.flatMap((layer) => layer.methods), 'OPTIONS'])];
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', allowed.join(', '));
      ctx.status = 204;
      return;
    }
    throw new FailureSignal(methodNotAllowed(allowed));
  };
  return (ctx) => {
    const runner = literal.get(`${ctx.method} ${ctx.path}`);
    if (runner) {
      ctx.params = {};
      return runner(ctx, nothingAfter);
    }
    return dispatch(ctx, () => refuse(ctx));
  };
}

// A route's runner answers or throws; it never hands on.
const nothingAfter = async () => {};

function routeRunner(surface: Surface, mounted: MountedRoute, readBody: BodyReader, fence: WriteFence | null): Middleware {
  const run = answerRoute(surface, mounted, readBody);
  if (!fence) return run;
  // The answer is written to ctx but sent only when the middleware resolves: after the wait.
  return (ctx: Context) => fence(() => run(ctx));
}

function answerRoute(surface: Surface, mounted: MountedRoute, readBody: BodyReader): (ctx: Context) => Promise<void> {
  const { definition, validators } = mounted.route;
  const scheme = mounted.securityKey ? surface.securitySchemes?.[mounted.securityKey] : undefined;
  const method = definition.method.toUpperCase();
  const routePathOf = routePathBuilder(mounted.template);
  const idempotent = surface.idempotency?.applies(method, mounted.template) ?? false;
  return async (ctx: Context) => {
    const routeCtx = ctx as unknown as RouteContext;
    const path = routePathOf((ctx as { captures?: string[] }).captures);
    ctx.state.route = mounted.template;
    ctx.state.routePath = path;
    ctx.state.routeMethod = method;
    if (surface.before) await surface.before(routeCtx, { template: mounted.template, path, method, readBody: () => readBody(ctx, definition) });
    if (scheme) await scheme.authenticate(routeCtx);
    await readBody(ctx, definition);
    const query: Record<string, unknown> = { ...ctx.query };
    const params: Record<string, unknown> = { ...(ctx.params as Record<string, string> | undefined) };
    const request = ctx.request as { body?: unknown; rawBody?: string; files?: RequestParts['files'] };
    const parts: RequestParts = { body: request.body, query, params };
    if (definition.request?.raw) parts.raw = request.rawBody ?? '';
    if (request.files) parts.files = request.files;
    validateRequestParts(validators, parts);
    ctx.state.query = query;
    ctx.params = params;
    const respond = async () => {
      const result: unknown = await definition.handler(routeCtx);
      // The handler wrote the answer itself (a file, an XML reply, an envelope call with extras).
      if (ctx.body !== undefined || ctx.headerSent) return;
      // koa's status is 404 until someone sets one; anything else is the handler's choice (201, 202).
      const chosenStatus = ctx.status === 404 ? undefined : ctx.status;
      surface.envelope.ok(ctx, result, chosenStatus === undefined ? undefined : { status: chosenStatus });
    };
    const key = idempotent ? ctx.get(IDEMPOTENCY_HEADER) : '';
    if (key) await answerIdempotently(routeCtx, surface.idempotency!, key, { body: parts.body ?? null, query }, respond);
    else await respond();
  };
}

/**
 * The canonical path of a matched request: the template's own literal text (whatever letter case
 * the caller used) with the parameters as the caller sent them (raw, still percent-encoded, so a
 * `%2F` in a parameter never becomes a segment). A literal template is its own path.
 */
export function routePathBuilder(template: string): (captures: readonly string[] | undefined) => string {
  if (isLiteral(template)) return () => template;
  if (/[*({]/.test(template)) throw new Error(`route ${template}: paths take :name parameters only, so its canonical path is well defined`);
  const parts = template.split(/:[$A-Za-z_][$\w]*/);
  return (captures) => {
    let path = parts[0]!;
    for (let i = 1; i < parts.length; i++) path += (captures?.[i - 1] ?? '') + parts[i]!;
    return path;
  };
}
