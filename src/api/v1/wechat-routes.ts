import { authorizerStream, COMPONENT_TOKEN_STREAM } from '../../commands/wxcomponent/events';
import type { EventStore } from '../../eventstore/port';
import { authorizersOverview, callbacksPerMinuteSince, latestTicketCreatedAt, recentCallbackRecords } from '../../projections/wxcomponent/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { defineRoute } from '../route';

const AUTHORIZERS_SHOWN = 50;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
const refreshSchema = {
  type: 'object',
  required: ['expiresAt', 'refreshedAt'],
  properties: { expiresAt: nullableTime, refreshedAt: nullableTime },
  description: 'From the last refresh recorded in the log; both null before the first',
} as const;

interface Refresh {
  expiresAt: string | null;
  refreshedAt: string | null;
}

/** The newest token refresh of this type recorded in a stream (tokens themselves are never shown). */
async function lastRefresh(store: EventStore, streamId: string, type: string): Promise<Refresh> {
  const events = await store.readStream(streamId, { direction: 'backwards', maxCount: 50 });
  const found = events.find((e) => e.type === type);
  const data = found?.data as { expiresAt?: string; at?: string } | undefined;
  return { expiresAt: data?.expiresAt ?? null, refreshedAt: data?.at ?? null };
}

/** The WeChat platform at a glance: ticket, token lifetimes, callback traffic. Nothing secret is read out. */
export function wechatRoutes(deps: Pick<Dependencies, 'knex' | 'store'>) {
  const status = defineRoute({
    method: 'get',
    path: '/wechat/status',
    summary: 'The component verify ticket’s age, and component and authorizer token expiry and last refresh',
    tags: ['wechat'],
    responses: {
      200: {
        description: 'Ticket and tokens (times only)',
        schema: {
          type: 'object',
          required: ['now', 'ticketCreatedAt', 'componentToken', 'authorizers'],
          properties: {
            now: { type: 'string', format: 'date-time' },
            ticketCreatedAt: { ...nullableTime, description: 'When WeChat created the ticket held now (it pushes a new one every 10 minutes)' },
            componentToken: refreshSchema,
            authorizers: {
              type: 'array',
              maxItems: AUTHORIZERS_SHOWN,
              items: {
                type: 'object',
                required: ['appid', 'nickName', 'authorized', 'authTime', 'token'],
                properties: { appid: { type: 'string' }, nickName: { type: 'string' }, authorized: { type: 'boolean' }, authTime: { type: 'string' }, token: refreshSchema },
              },
            },
          },
        },
      },
    },
    async handler(ctx) {
      ctx.set('Cache-Control', 'no-store');
      const [ticket, componentToken, authorizers] = await Promise.all([
        latestTicketCreatedAt(deps.knex),
        lastRefresh(deps.store, COMPONENT_TOKEN_STREAM, 'ComponentAccessTokenRefreshed'),
        authorizersOverview(deps.knex, AUTHORIZERS_SHOWN),
      ]);
      const tokens = await Promise.all(authorizers.map((a) => lastRefresh(deps.store, authorizerStream(a.appid), 'AuthorizerTokenRefreshed')));
      return {
        now: new Date().toISOString(),
        ticketCreatedAt: ticket?.toISOString() ?? null,
        componentToken,
        authorizers: authorizers.map((a, i) => ({ ...a, token: tokens[i]! })),
      };
    },
  });

  const perMinute = defineRoute<{ query: { minutes: number } }>({
    method: 'get',
    path: '/wechat/callbacks/per-minute',
    summary: 'Callbacks received per minute, by source (component: InfoType; biz: MsgType)',
    tags: ['wechat'],
    request: { query: { type: 'object', additionalProperties: false, properties: { minutes: { type: 'integer', minimum: 1, maximum: 1440, default: 60, description: 'How far back' } } } },
    responses: {
      200: {
        description: 'Minutes with at least one callback, oldest first',
        schema: {
          type: 'object',
          required: ['since', 'items'],
          properties: {
            since: { type: 'string', format: 'date-time' },
            items: {
              type: 'array',
              items: { type: 'object', required: ['minute', 'source', 'type', 'count'], properties: { minute: { type: 'string', format: 'date-time' }, source: { enum: ['component', 'biz'] }, type: { type: 'string' }, count: { type: 'integer' } } },
            },
          },
        },
      },
    },
    async handler(ctx) {
      ctx.set('Cache-Control', 'no-store');
      const since = new Date(Date.now() - ctx.state.query.minutes * 60_000);
      since.setUTCSeconds(0, 0);
      const rows = await callbacksPerMinuteSince(deps.knex, since);
      return { since: since.toISOString(), items: rows.map((r) => ({ ...r, minute: r.minute.toISOString() })) };
    },
  });

  const recent = defineRoute<{ query: { limit: number } }>({
    method: 'get',
    path: '/wechat/callbacks',
    summary: 'The newest callback records of both kinds (without their bodies)',
    tags: ['wechat'],
    request: { query: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } } },
    responses: {
      200: {
        description: 'Newest first',
        schema: {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['eventId', 'source', 'receivedAt', 'type', 'appid', 'event'],
                properties: { eventId: { type: 'string' }, source: { enum: ['component', 'biz'] }, receivedAt: { type: 'string' }, type: { type: 'string' }, appid: { type: ['string', 'null'] }, event: { type: ['string', 'null'] } },
              },
            },
          },
        },
      },
    },
    async handler(ctx) {
      ctx.set('Cache-Control', 'no-store');
      return { items: await recentCallbackRecords(deps.knex, ctx.state.query.limit) };
    },
  });

  return [status, perMinute, recent];
}
