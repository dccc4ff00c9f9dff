import { pageOfWxBizRecords, pageOfWxComponentRecords, type ReceiveWindow } from '../../projections/wxcomponent/queries';
import { DomainError } from '../../commands/domain-error';
import { PULL_QUEUE } from '../../commands/wxcomponent/pull-authorizers';
import { latestTicketReader } from '../../commands/wxcomponent/receive';
import { authorizerAccessToken, componentAccessToken } from '../../commands/wxcomponent/tokens';
import type { Dependencies } from '../../runtime/dependencies';
import { defineRoute, type Route } from '../route';
import { laxLimit, laxOffset, pageWindow } from './lax-query';

/** RFC 3339 UTC to the second, as the seed shows (`2021-12-23T02:47:37Z`). */
export const rfc3339 = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');
const unixToIso = (s: number) => new Date(s * 1000).toISOString();

/** Largest page served; the admin front end asks for more at times (999 rules), which is clamped, as a page size is not data. */
export const MAX_PAGE = 100;
const paging = { offset: laxOffset, limit: laxLimit(MAX_PAGE) } as const;
const timeRange = {
  startTime: { type: 'integer', minimum: 0, maximum: 99_999_999_999, description: 'Received at or after (Unix seconds)' },
  endTime: { type: 'integer', minimum: 0, maximum: 99_999_999_999, description: 'Received at or before (Unix seconds); default now' },
} as const;

interface RecordQuery {
  startTime?: number;
  endTime?: number;
  infoType?: string;
  appid?: string;
  msgType?: string;
  event?: string;
  offset: number;
  limit: number;
}

function receiveWindow(query: RecordQuery): ReceiveWindow {
  const end = query.endTime ?? Math.floor(Date.now() / 1000);
  if (query.startTime !== undefined && query.startTime > end) throw new DomainError('validation_failed', 'startTime must not be after endTime');
  // Inclusive of the whole last second.
  return { from: query.startTime === undefined ? undefined : unixToIso(query.startTime), before: unixToIso(end + 1) };
}

export const listOf = (item: object) => ({ type: 'object', required: ['records', 'total'], properties: { records: { type: 'array', items: item }, total: { type: 'integer' } } });

/** Admin reads: callback records, authorizers, the ticket and current tokens, callback configuration. */
export function recordRoutes(deps: Dependencies): Route[] {
  const { knex } = deps;
  const tokenDeps = { config: deps.config, redis: deps.redis, store: deps.store };
  const ticket = latestTicketReader(deps);

  const componentRecords = defineRoute<{ query: RecordQuery }>({
    method: 'get',
    path: '/admin/wx-component-records',
    summary: 'Component pushes received, newest first',
    tags: ['wxcomponent records'],
    request: {
      query: { type: 'object', properties: { ...timeRange, infoType: { type: 'string', maxLength: 64 }, ...paging } },
    },
    responses: {
      200: {
        description: 'A page of records',
        schema: listOf({ type: 'object', properties: { receiveTime: { type: 'string' }, createTime: { type: 'string' }, infoType: { type: 'string' }, postBody: { type: 'string' } } }),
      },
    },
    async handler(ctx) {
      const query = ctx.state.query;
      const { rows, total } = await pageOfWxComponentRecords(knex, { ...receiveWindow(query), infoType: query.infoType }, pageWindow(query.offset, query.limit, MAX_PAGE));
      return {
        records: rows.map((r) => ({
          receiveTime: rfc3339(r.receive_time),
          createTime: rfc3339(r.create_time),
          infoType: r.info_type,
          postBody: r.post_body,
        })),
        total,
      };
    },
  });

  const bizRecords = defineRoute<{ query: RecordQuery }>({
    method: 'get',
    path: '/admin/wx-biz-records',
    summary: "Authorizers' messages and events received, newest first",
    tags: ['wxcomponent records'],
    request: {
      query: {
        type: 'object',
        properties: {
          ...timeRange,
          appid: { type: 'string', maxLength: 64 },
          msgType: { type: 'string', maxLength: 64 },
          event: { type: 'string', maxLength: 64 },
          ...paging,
        },
      },
    },
    responses: { 200: { description: 'A page of records', schema: listOf({ type: 'object' }) } },
    async handler(ctx) {
      const query = ctx.state.query;
      const { rows, total } = await pageOfWxBizRecords(
        knex,
        { ...receiveWindow(query), appid: query.appid, msgType: query.msgType, event: query.event },
        pageWindow(query.offset, query.limit, MAX_PAGE),
      );
      return {
        records: rows.map((r) => ({
          receiveTime: rfc3339(r.receive_time),
          createTime: rfc3339(r.create_time),
          appid: r.appid,
          toUserName: r.to_user_name,
          msgType: r.msg_type,
          event: r.event,
          postBody: r.post_body,
        })),
        total,
      };
    },
  });

  const ticketRoute = defineRoute({
    method: 'get',
    path: '/admin/ticket',
    summary: 'The newest component_verify_ticket (1007 when none arrived yet)',
    tags: ['wxcomponent tokens'],
    responses: { 200: { description: 'The ticket', schema: { type: 'object', properties: { ticket: { type: 'string' } } } } },
    async handler() {
      const t = await ticket();
      if (!t) throw new DomainError('not_found', 'no component_verify_ticket has been received yet', { wxCode: 1007 });
      return { ticket: t };
    },
  });

  const componentToken = defineRoute({
    method: 'get',
    path: '/admin/component-access-token',
    summary: 'The current component access token (refreshed here when due)',
    description: 'Other services of a deployment read the token here instead of refreshing their own.',
    tags: ['wxcomponent tokens'],
    responses: { 200: { description: 'The token', schema: { type: 'object', properties: { token: { type: 'string' } } } } },
    async handler() {
      const { token } = await componentAccessToken(tokenDeps, ticket);
      return { token: token.token };
    },
  });

  const authorizerToken = defineRoute<{ query: { appid: string } }>({
    method: 'get',
    path: '/admin/authorizer-access-token',
    summary: "An authorizer's current access token (refreshed here when due)",
    tags: ['wxcomponent tokens'],
    request: { query: { type: 'object', required: ['appid'], additionalProperties: false, properties: { appid: { type: 'string', pattern: '^wx[0-9a-zA-Z]{14,30}$' } } } },
    responses: { 200: { description: 'The token', schema: { type: 'object', properties: { token: { type: 'string' } } } } },
    async handler(ctx) {
      const { token } = await authorizerAccessToken(tokenDeps, ctx.state.query.appid, ticket);
      return { token: token.token };
    },
  });

  const callbackConfig = defineRoute({
    method: 'get',
    path: '/admin/callback-config',
    summary: 'Where WeChat must push (paths to configure on the open platform)',
    tags: ['wxcomponent settings'],
    responses: { 200: { description: 'Callback paths', schema: { type: 'object' } } },
    // envId and service name a WeChat Cloud Run deployment, which this is not; the pushes arrive as encrypted XML.
    handler: () => ({ envId: '', service: '', textMode: 'xml', componentPath: '/wxcallback/component', bizPath: '/wxcallback/biz/$APPID$', componentAppid: deps.config.wechatComponent.appId, encrypted: true }),
  });

  const pull = defineRoute({
    method: 'post',
    path: '/admin/pull-authorizer-list',
    summary: 'Refresh the authorizer list from WeChat in the background',
    description: 'Queues one pull (api_get_authorizer_list 100 per page, then api_get_authorizer_info each); asking again within the same minute queues nothing more.',
    tags: ['wxcomponent authorizers'],
    responses: { 200: { description: 'Queued', schema: { type: 'object', properties: { jobId: { type: 'string' } } } } },
    async handler(ctx) {
      const jobId = `pull-${Math.floor(Date.now() / 60_000)}`;
      await deps.queues.add(PULL_QUEUE, 'pull', { requestedBy: ctx.state.requestId }, { jobId });
      return { jobId };
    },
  });

  return [pull, componentRecords, bizRecords, ticketRoute, componentToken, authorizerToken, callbackConfig];
}
