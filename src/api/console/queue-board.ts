import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Queue } from 'bullmq';
import type { Context, Middleware, Next } from 'koa';
import { DomainError } from '../../commands/domain-error';
import { verifyAdminToken } from '../v1/admin-session';
import { QUEUE_BOARD_PATH } from './pages';

/** The cookie that carries the console's administrator token to the board (it sends no headers of ours). */
export const QUEUE_BOARD_COOKIE = 'authledger_board';

const BOARD_CSP = [
  "default-src 'self'",
  // Its page sets its base path and configuration in inline scripts.
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The BullMQ board (@bull-board/koa), behind the console's sign-in: its pages and its API answer
 * only a request carrying a valid /v1 administrator token in the board cookie, which the console
 * sets through POST /v1/queue-board/session. The cookie is HttpOnly, SameSite=Strict and scoped to
 * the board's path, so no other page reads it and no other site's form can act on the board.
 */
export function queueBoard(options: { jwtSecret: string; queues: () => readonly Queue[] }): Middleware {
  // Built on the first signed-in request: each queue it shows holds a Redis connection, which an
  // API process that never serves the board should not open at start.
  let built: Middleware | undefined;
  const board = (): Middleware => (built ??= boardMiddleware(options.queues()));
  return async (ctx: Context, next: Next) => {
    const token = ctx.cookies.get(QUEUE_BOARD_COOKIE);
    let signedIn = false;
    if (token) {
      try {
        verifyAdminToken(options.jwtSecret, token);
        signedIn = true;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
      }
    }
    if (!signedIn) {
      ctx.set('Cache-Control', 'no-store');
      if (ctx.method === 'GET' && ctx.accepts('html', 'json') === 'html') {
        ctx.redirect('/console#/queues');
        return;
      }
      ctx.status = 401;
      ctx.type = 'application/problem+json';
      ctx.body = { type: 'about:blank', title: 'Unauthorized', status: 401, code: 'unauthenticated', detail: 'sign in at /console first' };
      return;
    }
    ctx.set('X-Frame-Options', 'DENY');
    // The board's page asks a font host for its typeface: refused here, so nothing leaves the machine (it falls back to a local font).
    ctx.set('Content-Security-Policy', BOARD_CSP);
    return board()(ctx, next);
  };
}

function boardMiddleware(queues: readonly Queue[]): Middleware {
  const adapter = new KoaAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'authledger queues', miscLinks: [{ text: 'Console · 控制台', url: '/console' }] } },
  });
  return adapter.registerPlugin() as Middleware;
}
