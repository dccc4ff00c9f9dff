import { QUEUE_BOARD_COOKIE } from '../console/queue-board';
import { QUEUE_BOARD_PATH } from '../console/pages';
import { defineRoute } from '../route';
import { ADMIN_TOKEN_SECONDS } from './admin-session';

/** Hands the caller's administrator token to the queue board as a cookie the board alone receives. */
export function queueBoardRoutes() {
  const open = defineRoute({
    method: 'post',
    path: '/queue-board/session',
    summary: 'Open the BullMQ board (/console/queues) for this browser',
    description: `Sets an HttpOnly, SameSite=Strict cookie scoped to ${QUEUE_BOARD_PATH} holding the administrator token of this request; the board checks it on every request and it lapses with the token.`,
    tags: ['console'],
    responses: { 204: { description: 'The board cookie is set' } },
    handler(ctx) {
      const token = /^Bearer (.+)$/.exec(ctx.get('authorization'))![1]!;
      ctx.cookies.set(QUEUE_BOARD_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: QUEUE_BOARD_PATH, maxAge: ADMIN_TOKEN_SECONDS * 1000, secure: ctx.secure, overwrite: true });
      ctx.set('Cache-Control', 'no-store');
      ctx.status = 204;
    },
  });
  const close = defineRoute({
    method: 'delete',
    path: '/queue-board/session',
    summary: 'Close the BullMQ board for this browser (sign-out)',
    tags: ['console'],
    responses: { 204: { description: 'The board cookie is cleared' } },
    handler(ctx) {
      ctx.cookies.set(QUEUE_BOARD_COOKIE, null, { path: QUEUE_BOARD_PATH, overwrite: true });
      ctx.status = 204;
    },
  });
  return [open, close];
}
