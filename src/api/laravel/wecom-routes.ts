import { pageOfWecomDepartments } from '../../projections/wecom/queries';
import { signInWithWecomCode } from '../../commands/wecom/code-login';
import { queueMessage } from '../../commands/wecom/messages';
import { requestDirectorySync } from '../../commands/wecom/sync';
import type { Dependencies } from '../../runtime/dependencies';
import { isDomainError } from '../../commands/domain-error';
import { domainWords } from '../envelopes/refusal-words';
import { laravelEnvelope } from '../envelopes/laravel';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type JsonSchema, type Route, type RouteContext } from '../route';
import { laravelTime, pageQuerySchema, paginate, paginatorSchema } from './paginator';
import { ACCOUNT_DISABLED, ACCOUNT_LOCKED, laravelRefusal, laxText } from './refusal';
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

const SYNC_STARTED = '已经开始同步，请稍后刷新页面查看同步结果';
/** Refusals the phone's sign-in page shows as its line of text (any other status sends it to its error screen). */
const CODE_REFUSALS: Record<string, string | null> = { invalid_credentials: null, account_disabled: ACCOUNT_DISABLED, account_locked: ACCOUNT_LOCKED };

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
        done(ctx, SYNC_STARTED);
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
      return paginate(ctx, ctx.state.query.page, (request) => pageOfWecomDepartments(deps.knex, request), (row) => departmentJson(row as unknown as Record<string, unknown>));
    },
  });

  const codeLogin = defineRoute<{ body: { code?: unknown } }>({
    method: 'post',
    path: '/codelogin',
    summary: '用企业微信授权返回的 code 登录（移动端）',
    description:
      'WeCom OAuth: `user/getuserinfo` turns the code into the member\'s UserId, which is a username here. Answers `{token, user}` as /api/login does ' +
      '(the spec\'s example wraps it in a paginator by mistake). Refusals the phone shows as text answer HTTP 200 with `status: "error"`: no code (未提供code), ' +
      'an invalid or used code, a visitor outside the corp, a disabled or locked account, and a member not synced yet (a sync starts; retry in a few seconds). ' +
      'WeCom unreachable or busy is 503, other WeCom refusals 502.',
    tags: ['laravel auth'],
    security: 'none',
    request: { body: { type: 'object', properties: { code: { type: ['string', 'number', 'null'], maxLength: 512 } } } },
    responses: {
      200: { description: 'Signed in (登录成功), or refused with `status: "error"` and the reason in `message`', schema: signInSchema },
      502: { description: 'WeCom refused the request (its errcode in the message)' },
      503: { description: 'WeCom is unreachable or busy' },
    },
    async handler(ctx) {
      const code = laxText(ctx.request.body?.code)?.trim();
      if (!code) return laravelRefusal(ctx, '未提供code');
      // A code is printable ASCII; anything else cannot be one and is not worth asking WeCom about.
      if (!/^[\x21-\x7e]+$/.test(code)) return laravelRefusal(ctx, '企业微信授权码无效或已过期');
      const metadata = requestMetadata(ctx, { kind: 'anonymous' });
      try {
        const { userId } = await signInWithWecomCode(deps, code, metadata);
        laravelEnvelope.ok(ctx, await issueLaravelToken(deps, userId, { via: 'wecom', metadata }), { message: '登录成功' });
      } catch (err) {
        if (isDomainError(err) && (err.code in CODE_REFUSALS || err.reason === 'wecom_member_syncing')) return laravelRefusal(ctx, CODE_REFUSALS[err.code] ?? domainWords(err));
        throw err;
      }
    },
  });

  const messageResponses = {
    200: { description: 'Queued (发送消息成功), or HTTP 200 with `status: "error"`: empty message, no such user, or not a WeCom member', schema: { type: 'null' } },
  } as const;
  const send = async (ctx: RouteContext, username: string | undefined, message: string | undefined) => {
    if (!username) return laravelRefusal(ctx, '未指定用户');
    if (!message?.trim()) return laravelRefusal(ctx, '消息内容不能为空');
    try {
      await queueMessage(deps, { username, text: message }, requestMetadata(ctx, laravelActor(ctx)));
    } catch (err) {
      if (isDomainError(err) && (err.code === 'not_found' || err.code === 'validation_failed')) return laravelRefusal(ctx, domainWords(err));
      throw err;
    }
    done(ctx, '发送消息成功');
  };
  const messageText = { type: ['string', 'number', 'null'], maxLength: 2048 } as const;
  const sendDescription =
    'Queues a text message to a synced WeCom member (`message/send` to WECOM_AGENT_ID) and answers at once. Rate limits and an unreachable WeCom are retried ' +
    'with backoff (5 attempts); the outcome — sent, or failed with WeCom\'s errcode — is recorded as an event on the message\'s stream. Needs the `/users/*` permission.';

  const sendMessage = defineRoute<{ body: { username?: unknown; message?: unknown } }>({
    method: 'post',
    path: '/users/sendmessage',
    summary: '向某个用户发送微信消息 (username in the body)',
    description: sendDescription,
    tags: ['laravel wecom'],
    request: { body: { type: 'object', properties: { username: { type: ['string', 'null'], maxLength: 64 }, message: messageText } } },
    responses: messageResponses,
    handler: (ctx) => send(ctx, laxText(ctx.request.body?.username), laxText(ctx.request.body?.message)),
  });

  const sendMessageTo = defineRoute<{ params: { username: string }; body: { message?: unknown } }>({
    method: 'post',
    path: '/users/sendmessage/:username',
    summary: '向某个用户发送微信消息',
    description: `The template's route: the user in the path, \`{message}\` in the body. ${sendDescription}`,
    tags: ['laravel wecom'],
    request: {
      params: { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1, maxLength: 64 } } },
      body: { type: 'object', properties: { message: messageText } },
    },
    responses: messageResponses,
    handler: (ctx) => send(ctx as unknown as RouteContext, ctx.params.username, laxText(ctx.request.body?.message)),
  });

  return [sync('/users/sync', '从企业号同步用户'), sync('/departments/sync', '从企业号同步部门'), departments, codeLogin, sendMessage, sendMessageTo];
}
