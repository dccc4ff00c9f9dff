import { signInWithWecomCode } from '../../commands/wecom/code-login';
import { queueMessage } from '../../commands/wecom/messages';
import { requestDirectorySync } from '../../commands/wecom/sync';
import type { Dependencies } from '../../runtime/dependencies';
import { laravelEnvelope } from '../envelopes/laravel';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type JsonSchema, type Route, type RouteContext } from '../route';
import { laravelTime, pageQuerySchema, paginate, paginatorSchema } from './paginator';
import { issueLaravelToken, laravelActor, laravelUser } from './session';

const signInSchema: JsonSchema = {
  type: 'object',
  required: ['token', 'user'],
  properties: {
    token: { type: 'string', description: 'JWT for `Authorization: Bearer`, 60 minutes' },
    user: { type: 'object', required: ['name', 'username'], properties: { name: { type: 'string' }, username: { type: 'string' } } },
  },
};

const departmentSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'parentid', 'order', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'integer', description: 'WeCom department id' },
    name: { type: 'string' },
    parentid: { type: 'integer', description: '0 for the root' },
    order: { type: 'integer', description: 'WeCom sort order among siblings' },
    created_at: { type: ['string', 'null'], description: 'yyyy-MM-dd HH:mm:ss, China Standard Time: when a sync first saw it' },
    updated_at: { type: ['string', 'null'] },
  },
};

const departmentJson = (row: Record<string, unknown>) => ({
  id: Number(row.id),
  name: String(row.name),
  parentid: Number(row.parentid),
  order: Number(row.sort_order),
  created_at: laravelTime(row.created_at),
  updated_at: laravelTime(row.updated_at),
});

/** The answer the template gives when it only says it is done: data null and a message. */
const done = (ctx: RouteContext, message: string) => laravelEnvelope.ok(ctx, null, { message });
const noData = { description: 'Accepted: `data` is null, `message` says what happens next', schema: { type: 'null' } } as const;

/** WeCom (企业微信): directory sync, departments, code sign-in and messages. */
export function wecomRoutes(deps: Dependencies): Route[] {
  const sync = (path: '/users/sync' | '/departments/sync', summary: string) =>
    defineRoute({
      method: 'post',
      path,
      summary,
      description:
        'Queues one directory sync (gettoken, department/list, user/list with fetch_child=1) and answers at once. The job appends only what changed: ' +
        'departments added/renamed/moved/removed; users registered (username = WeCom userid, role `user`), profile and departments updated, disabled when gone from WeCom. ' +
        'Requests while a sync waits add nothing; one request during a running sync queues one more. Needs the `' +
        (path === '/users/sync' ? '/users/*' : '/departments/*') +
        '` permission.',
      tags: ['laravel wecom'],
      responses: { 200: noData },
      async handler(ctx) {
        await requestDirectorySync(deps.queues, `laravel:${laravelUser(ctx)}`);
        done(ctx, '已开始从企业微信同步，稍后刷新查看');
      },
    });

  const departments = defineRoute<{ query: { page: number } }>({
    method: 'get',
    path: '/departments',
    summary: '列出部门列表',
    description: 'WeCom departments as the last sync found them, 15 a page, by id. Needs the `/departments/*` permission. Read from the departments projection.',
    tags: ['laravel wecom'],
    request: { query: { type: 'object', properties: { ...pageQuerySchema } } },
    responses: { 200: { description: 'One page of departments', schema: paginatorSchema(departmentSchema) } },
    handler(ctx) {
      return paginate(ctx, deps.knex('wecom_departments'), { page: ctx.state.query.page, orderBy: [{ column: 'id', order: 'asc' }], map: departmentJson });
    },
  });

  const codeLogin = defineRoute<{ body: { code: string } }>({
    method: 'post',
    path: '/codelogin',
    summary: '用企业微信授权返回的 code 登录（移动端）',
    description:
      'WeCom OAuth: `user/getuserinfo` turns the code into the member\'s UserId, which is a username here. Answers `{token, user}` as /api/login does ' +
      '(the spec\'s example wraps it in a paginator by mistake). A member not synced yet starts a sync and is refused with 503 and a message to retry shortly; ' +
      'an invalid or used code is 400; WeCom unreachable or busy is 503, other WeCom refusals 502.',
    tags: ['laravel auth'],
    security: 'none',
    request: {
      body: { type: 'object', required: ['code'], additionalProperties: false, properties: { code: { type: 'string', minLength: 1, maxLength: 512, pattern: '^[\\x21-\\x7e]+$' } } },
    },
    responses: {
      200: { description: 'Signed in', schema: signInSchema },
      400: { description: 'The code is invalid, expired or used, or the visitor is not a member of the corp' },
      502: { description: 'WeCom refused the request (its errcode in the message)' },
      503: { description: 'The member is being synced (retry in a few seconds), or WeCom is unreachable or busy' },
    },
    async handler(ctx) {
      const metadata = requestMetadata(ctx, { kind: 'anonymous' });
      const { userId } = await signInWithWecomCode(deps, ctx.request.body.code, metadata);
      return issueLaravelToken(deps, userId, { via: 'wecom', metadata });
    },
  });

  const sendMessage = defineRoute<{ body: { username: string; message: string } }>({
    method: 'post',
    path: '/users/sendmessage',
    summary: '向某个用户发送微信消息',
    description:
      'Queues a text message to a synced WeCom member (`message/send` to WECOM_AGENT_ID) and answers at once. Rate limits and an unreachable WeCom are retried ' +
      'with backoff (5 attempts); the outcome — sent, or failed with WeCom\'s errcode — is recorded as an event on the message\'s stream. Needs the `/users/*` permission.',
    tags: ['laravel wecom'],
    request: {
      body: {
        type: 'object',
        required: ['username', 'message'],
        additionalProperties: false,
        properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, message: { type: 'string', minLength: 1, maxLength: 2048 } },
      },
    },
    responses: { 200: noData, 404: { description: 'No such user' }, 422: { description: 'The user is not a WeCom member' } },
    async handler(ctx) {
      const { username, message } = ctx.request.body;
      await queueMessage(deps, { username, text: message }, requestMetadata(ctx, laravelActor(ctx)));
      done(ctx, '消息已进入发送队列');
    },
  });

  return [sync('/users/sync', '从企业号同步用户'), sync('/departments/sync', '从企业号同步部门'), departments, codeLogin, sendMessage];
}
