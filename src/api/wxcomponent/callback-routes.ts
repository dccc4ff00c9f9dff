import { receiveBizCallback, receiveComponentCallback } from '../../commands/wxcomponent/receive';
import type { Dependencies } from '../../runtime/dependencies';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type Route } from '../route';

const XML_TYPES = ['text/xml', 'application/xml', 'text/plain'];
const callbackQuery = {
  type: 'object',
  required: ['msg_signature', 'timestamp', 'nonce'],
  properties: {
    msg_signature: { type: 'string', pattern: '^[0-9a-fA-F]{40}$' },
    timestamp: { type: 'string', pattern: '^\\d{1,12}$' },
    nonce: { type: 'string', minLength: 1, maxLength: 64 },
    signature: { type: 'string', maxLength: 64 },
    encrypt_type: { type: 'string', maxLength: 16 },
    openid: { type: 'string', maxLength: 128 },
  },
} as const;

/**
 * WeChat's pushes, encrypted ("安全模式"). Verified, decrypted and recorded in one append, then
 * answered `success`; a retry of a recorded push is answered `success` too and records nothing.
 */
export function callbackRoutes(deps: Dependencies): Route[] {
  const receiveDeps = { config: deps.config, store: deps.store, redis: deps.redis, queues: deps.queues, knex: deps.knex };
  /** `success`, or the forwarding target's reply (already encrypted) as XML. */
  const answer = (ctx: { type: string; body: unknown }, reply: string | null) => {
    ctx.type = reply ? 'text/xml' : 'text/plain';
    ctx.body = reply ?? 'success';
  };

  const component = defineRoute<{ query: { msg_signature: string; timestamp: string; nonce: string } }>({
    method: 'post',
    path: '/wxcallback/component',
    waitsForReadModels: false,
    summary: 'Receive a component push (verify ticket, authorized, updateauthorized, unauthorized, …)',
    tags: ['wxcomponent callbacks'],
    security: 'none',
    request: { query: callbackQuery, raw: { mediaTypes: XML_TYPES, description: 'WeChat XML with an Encrypt element' } },
    responses: { 200: { description: '`success` (text/plain); a refusal answers the JSON envelope', mediaType: 'text/plain' } },
    async handler(ctx) {
      const received = await receiveComponentCallback(receiveDeps, ctx.state.query, ctx.request.rawBody ?? '', requestMetadata(ctx, { kind: 'wechat', id: 'component' }));
      answer(ctx, received.reply);
    },
  });

  const biz = defineRoute<{ params: { appid: string }; query: { msg_signature: string; timestamp: string; nonce: string } }>({
    method: 'post',
    path: '/wxcallback/biz/:appid',
    waitsForReadModels: false,
    summary: "Receive a message or event of an authorizer's account",
    tags: ['wxcomponent callbacks'],
    security: 'none',
    request: {
      params: { type: 'object', required: ['appid'], properties: { appid: { type: 'string', pattern: '^wx[0-9a-zA-Z]{14,30}$' } } },
      query: callbackQuery,
      raw: { mediaTypes: XML_TYPES, description: 'WeChat XML with an Encrypt element' },
    },
    responses: { 200: { description: '`success` (text/plain)', mediaType: 'text/plain' } },
    async handler(ctx) {
      const received = await receiveBizCallback(receiveDeps, ctx.params.appid, ctx.state.query, ctx.request.rawBody ?? '', requestMetadata(ctx, { kind: 'wechat', id: ctx.params.appid }));
      answer(ctx, received.reply);
    },
  });

  return [component, biz];
}
