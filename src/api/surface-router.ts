import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { FailureSignal, methodNotAllowed, routeNotFound } from './failure';
import type { BodyReader } from './request-body';
import { validateRequestParts, type RequestParts } from './request-validation';
import type { Route, RouteContext } from './route';
import { isUnder, mountPrefixes, ownedPrefixes, routeSecurity, type Surface } from './surface';

/** A route as served: its full path template and what runs before its handler. */
export interface MountedRoute {
  template: string;
  route: Route;
  securityKey: string | null;
}

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
export function surfaceMiddleware(surface: Surface, readBody: BodyReader): Middleware {
  // 'specificity': `/users/me` wins over `/users/:id` whatever order they were declared in.
  const router = new Router({ exclusive: 'specificity' });
  // A template without parameters is found by one Map lookup on the exact path: the hottest
  // routes (tokens/status, callbacks' fixed paths) skip the router's per-request match and compose.
  const literal = new Map<string, Middleware>();
  for (const mounted of mountedRoutes(surface)) {
    const { definition } = mounted.route;
    const runner = routeRunner(surface, mounted, readBody);
    router.register(mounted.template, [definition.method.toUpperCase()], [runner]);
    if (!/[:*(]/.test(mounted.template)) literal.set(`${definition.method.toUpperCase()} ${mounted.template}`, runner);
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

function routeRunner(surface: Surface, mounted: MountedRoute, readBody: BodyReader): Middleware {
  const { definition, validators } = mounted.route;
  const scheme = mounted.securityKey ? surface.securitySchemes?.[mounted.securityKey] : undefined;
  return async (ctx: Context) => {
    const routeCtx = ctx as unknown as RouteContext;
    ctx.state.route = mounted.template;
    if (surface.before) await surface.before(routeCtx, { template: mounted.template, readBody: () => readBody(ctx, definition) });
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
    const result: unknown = await definition.handler(routeCtx);
    // The handler wrote the answer itself (a file, an XML reply, an envelope call with extras).
    if (ctx.body !== undefined || ctx.headerSent) return;
    // koa's status is 404 until someone sets one; anything else is the handler's choice (201, 202).
    const chosenStatus = ctx.status === 404 ? undefined : ctx.status;
    surface.envelope.ok(ctx, result, chosenStatus === undefined ? undefined : { status: chosenStatus });
  };
}
