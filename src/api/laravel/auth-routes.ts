import { DomainError } from '../../commands/domain-error';
import { signInWithPassword } from '../../commands/identity/handler';
import { endSession } from '../../commands/laravel-sessions/handler';
import type { Dependencies } from '../../runtime/dependencies';
import { md5Hex } from '../../secrets/digest';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type JsonSchema, type Route } from '../route';
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

/** Sign-in with username and password, logout, and the caller's roles and permissions. */
export function authRoutes(deps: Dependencies): Route[] {
  const { config, store, snapshots } = deps;

  const login = defineRoute<{ body: { username: string; password: string } }>({
    method: 'post',
    path: '/login',
    summary: '用账号密码登录',
    description:
      'Checks the password against the shared user store (username = account); every attempt is recorded; five wrong passwords from one client address lock the account for that address for 10 minutes (403), and twenty failures from one address refuse it everywhere for 10 minutes (429 with Retry-After). An unknown username is answered and counted like a known one.',
    tags: ['laravel auth'],
    security: 'none',
    request: {
      body: {
        type: 'object',
        required: ['username', 'password'],
        properties: { username: { type: 'string', minLength: 1, maxLength: 128 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
      },
    },
    responses: {
      200: { description: 'Signed in', schema: signInSchema },
      400: { description: '用户名或密码错误 (also for an unknown username)' },
      403: { description: 'Account locked (for this address) or disabled' },
      429: { description: 'Too many failed sign-ins from this address' },
    },
    async handler(ctx) {
      const { username, password } = ctx.request.body;
      const metadata = requestMetadata(ctx, { kind: 'anonymous', name: username });
      try {
        const { userId } = await signInWithPassword({ store, snapshots, dataKey: config.dataKey }, { login: username, passwordMd5: md5Hex(password), surface: 'laravel' }, metadata);
        return await issueLaravelToken(deps, userId, { via: 'password', metadata });
      } catch (err) {
        if (err instanceof DomainError && err.code === 'invalid_credentials') throw new DomainError('invalid_credentials', '用户名或密码错误');
        if (err instanceof DomainError && err.code === 'account_locked') throw new DomainError('account_locked', '错误次数过多，账号已被锁定，请10分钟后再试', err.details);
        if (err instanceof DomainError && err.code === 'account_disabled') throw new DomainError('account_disabled', '账号已被禁用');
        if (err instanceof DomainError && err.code === 'rate_limited') throw new DomainError('rate_limited', '登录失败次数过多，请稍后再试', err.details);
        throw err;
      }
    },
  });

  const logout = defineRoute({
    method: 'post',
    path: '/logout',
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
