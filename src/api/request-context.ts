import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Middleware } from 'koa';
import type { Logger } from '../observability/logger';
import type { RequestState } from './route';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller-chosen id is kept only if it cannot smuggle anything into logs or headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_USER_AGENT = 512;

/** Gives every request an id (echoed back), the caller's address and user agent, and a logger bound to the id. */
export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get(REQUEST_ID_HEADER);
    const requestId = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const userAgent = ctx.get('user-agent');
    const state = ctx.state as RequestState;
    state.requestId = requestId;
    // A forwarded value that is not an address (a proxy passing the client's header through) is not trusted.
    state.clientIp = normalizeIp(isIP(ctx.ip) ? ctx.ip : ctx.socket.remoteAddress);
    state.userAgent = userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null;
    // Bound on first use: most requests that log nothing at the configured level never pay for a child logger.
    let bound: Logger | undefined;
    Object.defineProperty(state, 'logger', { get: () => (bound ??= logger.child({ requestId })), enumerable: true, configurable: true });
    ctx.set(REQUEST_ID_HEADER, requestId);
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  };
}

/** `::ffff:10.0.0.1` is how an IPv4 peer looks on a dual-stack socket; events and logs want `10.0.0.1`. */
function normalizeIp(ip: string | undefined): string | null {
  if (!ip) return null;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
