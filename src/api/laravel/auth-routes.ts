import { DomainError } from '../../commands/domain-error';
import { signInWithPassword } from '../../commands/identity/handler';
import { endSession } from '../../commands/laravel-sessions/handler';
import type { Dependencies } from '../../runtime/dependencies';
import { md5Hex } from '../../secrets/digest';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type JsonSchema, type Route } from '../route';
import { laravelEnvelope } from '../envelopes/laravel';
import { ACCOUNT_DISABLED, ACCOUNT_LOCKED, laravelRefusal, laxText, refusalSchema } from './refusal';
import { issueLaravelToken, laravelActor, laravelPrincipal } from './session';

export const signInSchema: JsonSchema = {
  type: 'object',
  required: ['token', 'user'],
  properties: {
    token: { type: 'string', description: 'HS256 JWT, valid 60 minutes: send as Authorization: Bearer <token>' },
    user: { type: 'object', required: ['name', 'username'], properties: { name: { type: 'string' }, username: { type: 'string' } } },
  },
};

const limitsSchema: JsonSchema = {
  type: 'object',
  required: ['roles', 'perms'],
  properties: {
    roles: { type: 'object', additionalProperties: { type: 'string' }, description: 'role name → display name' },
    perms: { type: 'object', additionalProperties: { type: 'string' }, description: 'permission → itself' },
  },
};

const WRONG_CREDENTIALS = '账号或者密码有误';
const SIGN_INS_THROTTLED = '登录失败次数过多，请稍后再试';
/** Sign-in refusals the template's page toasts (any non-200 status would send it to its error screen instead). */
const SIGN_IN_REFUSALS: Partial<Record<string, string>> = {
  invalid_credentials: WRONG_CREDENTIALS,
  account_locked: ACCOUNT_LOCKED,
  account_disabled: ACCOUNT_DISABLED,
  rate_limited: SIGN_INS_THROTTLED,
};

/** Sign-in with username and password, logout, and the caller's roles and permissions. */
export function authRoutes(deps: Dependencies): Route[] {
  const { config, store, snapshots } = deps;

  const login = defineRoute<{ body: { username?: unknown; password?: unknown } }>({
    method: 'post',
    path: '/login',
    waitsForReadModels: false,
    summary: '用账号密码登录',
    description:
      'Checks the password against the shared user store (username = account, surrounding spaces ignored as Laravel trims them); every attempt is recorded. ' +
      'Five wrong passwords from one client address lock the account for that address for 10 minutes, and twenty failures from one address refuse every sign-in from it for 10 minutes; ' +
      'an unknown username is answered and counted like a known one. Refusals answer HTTP 200 with `status: "error"` and the reason in `message`, as the template did: ' +
      'its sign-in page shows the message and stays put.',
    tags: ['laravel auth'],
    security: 'none',
    request: {
      body: { type: 'object', properties: { username: { type: ['string', 'number', 'null'], maxLength: 128 }, password: { type: ['string', 'number', 'null'], maxLength: 256 } } },
    },
    responses: {
      200: {
        description: 'Signed in (`status: "ok"`, message 登录成功), or refused with HTTP 200 and `status: "error"`: 账号或者密码有误 (also for an unknown or missing username), locked, or disabled',
        mediaType: 'application/json',
        schema: { anyOf: [laravelEnvelope.openapi.success(signInSchema), refusalSchema([WRONG_CREDENTIALS, ACCOUNT_LOCKED, ACCOUNT_DISABLED, SIGN_INS_THROTTLED])] },
      },
    },
    async handler(ctx) {
      const username = laxText(ctx.request.body?.username)?.trim();
      const password = laxText(ctx.request.body?.password);
      if (!username || !password) return laravelRefusal(ctx, WRONG_CREDENTIALS);
      const metadata = requestMetadata(ctx, { kind: 'anonymous', name: username });
      try {
        const { userId } = await signInWithPassword({ store, snapshots, dataKey: config.dataKey }, { login: username, passwordMd5: md5Hex(password), surface: 'laravel' }, metadata);
        laravelEnvelope.ok(ctx, await issueLaravelToken(deps, userId, { via: 'password', metadata }), { message: '登录成功' });
      } catch (err) {
        if (err instanceof DomainError && SIGN_IN_REFUSALS[err.code]) return laravelRefusal(ctx, SIGN_IN_REFUSALS[err.code]!);
        throw err;
      }
    },
  });

  const logout = defineRoute({
    method: 'post',
    path: '/logout',
    waitsForReadModels: false,
    summary: '退出登录 (ours: the template had none)',
    description: 'Ends the session the token belongs to: the same token is refused (401) from the next request on.',
    tags: ['laravel auth'],
    responses: { 200: { description: 'Signed out', schema: { type: 'null' } } },
    async handler(ctx) {
      await endSession(deps, laravelPrincipal(ctx).sessionId, requestMetadata(ctx, laravelActor(ctx)));
      ctx.body = { status: 'ok', message: '已退出登录', data: null, errors: null, code: 0 };
    },
  });

  const limits = defineRoute({
    method: 'get',
    path: '/limits',
    summary: '获取用户的角色权限',
    tags: ['laravel auth'],
    responses: { 200: { description: "The caller's roles and permissions", schema: limitsSchema } },
    handler(ctx) {
      const { access } = laravelPrincipal(ctx);
      return { roles: access.roles, perms: Object.fromEntries(access.perms.map((p) => [p, p])) };
    },
  });

  return [login, logout, limits];
}
