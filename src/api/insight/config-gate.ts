import type { Context } from 'koa';
import { passGate, type GateDeps } from '../../gateway/gate';
import type { MatchedRoute, Surface } from '../surface';

/**
 * The Insight surface's `before` hook: every request to it passes the live interface configs
 * (rate limit, token, authCode) exactly as a request through the gateway would.
 */
export function interfaceConfigGate(deps: GateDeps): NonNullable<Surface['before']> {
  return async (ctx, route) => {
    const koa = ctx as unknown as Context;
    // The matched route's method and canonical path, never the raw ones: `/CONFIGS/` is `/configs`, a HEAD a GET.
    const { principal } = await passGate(deps, {
      method: route.method,
      path: route.path,
      authorization: koa.get('authorization') || undefined,
      device: () => deviceOf(koa, route),
      address: (koa.state as { clientIp: string | null }).clientIp,
    });
    if (principal) ctx.state.insight = principal;
  };
}

/** The caller's `deviceId` (query, header, then JSON body), else its address. */
async function deviceOf(ctx: Context, route: MatchedRoute): Promise<string> {
  const fromQuery = ctx.query.deviceId;
  if (typeof fromQuery === 'string' && fromQuery) return `device:${fromQuery}`;
  const fromHeader = ctx.get('deviceid') || ctx.get('x-device-id');
  if (fromHeader) return `device:${fromHeader}`;
  await route.readBody();
  const body = ctx.request.body as { deviceId?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.deviceId === 'string' && body.deviceId) return `device:${body.deviceId}`;
  return `ip:${(ctx.state as { clientIp: string | null }).clientIp ?? 'unknown'}`;
}
