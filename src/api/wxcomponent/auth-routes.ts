import { DomainError } from '../../commands/domain-error';
import { signInWithPassword } from '../../commands/identity/handler';
import { changePassword, renameAccount } from '../../commands/wxcomponent/credentials';
import { setComponentSecret, setComponentInfo, readSettings } from '../../commands/wxcomponent/settings';
import type { Dependencies } from '../../runtime/dependencies';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type Route } from '../route';
import { issueWxToken, wxAdmin, WX_ADMIN_ROLES } from './session';

const MD5 = { type: 'string', pattern: '^[0-9a-fA-F]{32}$', description: 'MD5 of the password, hex' } as const;
/** What GET /admin/secret shows once a secret is set: as long as a real one, none of its characters. */
export const MASKED_SECRET = '*'.repeat(32);
const jwtReply = { type: 'object', required: ['jwt'], properties: { jwt: { type: 'string' } } } as const;

/** Sign-in (both `PUT` as the original and `POST` as the seed shows), token refresh, password and secret. */
export function authRoutes(deps: Dependencies): Route[] {
  const { config, redis, store, snapshots } = deps;

  const login = (method: 'put' | 'post') =>
    defineRoute<{ body: { username: string; password: string } }>({
      method,
      path: '/auth',
      waitsForReadModels: false,
      operationId: `wxcomponentLogin${method === 'put' ? 'Put' : 'Post'}`,
      summary: 'Sign in to the wxcomponent admin',
      description:
        'The password travels as MD5 hex. Five wrong passwords for one username from one client address lock it for that address for 10 minutes, and twenty failures from one address refuse every sign-in from it for 10 minutes (both 1011). An unknown username, and a user who is not a wxcomponent administrator, are answered 1006 like a wrong password.',
      tags: ['wxcomponent auth'],
      security: 'none',
      request: {
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 128 }, password: MD5 },
        },
      },
      responses: { 200: { description: 'Signed in; code 1006 wrong username or password, 1011 too many failures', schema: jwtReply } },
      async handler(ctx) {
        const { username, password } = ctx.request.body;
        const metadata = requestMetadata(ctx, { kind: 'anonymous', name: username });
        try {
          const { userId, state } = await signInWithPassword(
            { store, snapshots, dataKey: config.dataKey },
            { login: username, passwordMd5: password, surface: 'wxcomponent', requiredRoles: WX_ADMIN_ROLES },
            metadata,
          );
          return { jwt: await issueWxToken(config.jwtSecret, { userId, account: state.profile?.account ?? username }) };
        } catch (err) {
          // Not an administrator here: recorded as a refusal, answered like a wrong password as the original did.
          if (err instanceof DomainError && (err.code === 'invalid_credentials' || err.code === 'forbidden')) throw new DomainError('invalid_credentials', 'invalid username or password');
          throw err;
        }
      },
    });

  const refresh = (method: 'get' | 'post') =>
    defineRoute({
      method,
      path: '/admin/refresh-auth',
      operationId: `wxcomponentRefreshAuth${method === 'get' ? 'Get' : 'Post'}`,
      summary: 'A new 12-hour token for the signed-in administrator',
      tags: ['wxcomponent auth'],
      responses: { 200: { description: 'A fresh token', schema: jwtReply } },
      handler: async (ctx) => ({ jwt: await issueWxToken(config.jwtSecret, wxAdmin(ctx)) }),
    });

  const userpwd = defineRoute<{ body: { password: string; oldPassword: string } }>({
    method: 'post',
    path: '/admin/userpwd',
    summary: 'Change the signed-in administrator\'s password',
    description: 'Both passwords as MD5 hex; a wrong oldPassword answers 1005.',
    tags: ['wxcomponent auth'],
    request: {
      body: { type: 'object', required: ['password', 'oldPassword'], properties: { password: MD5, oldPassword: MD5 } },
    },
    responses: { 200: { description: 'Changed' } },
    async handler(ctx) {
      const admin = wxAdmin(ctx);
      const { password, oldPassword } = ctx.request.body;
      await changePassword({ store, dataKey: config.dataKey }, { userId: admin.userId, oldPasswordMd5: oldPassword, newPasswordMd5: password }, requestMetadata(ctx, { kind: 'admin', id: admin.userId, name: admin.account }));
      return {};
    },
  });

  const username = defineRoute<{ body: { username: string } }>({
    method: 'post',
    path: '/admin/username',
    summary: "Change the signed-in administrator's username",
    description: 'Unique across accounts; a taken name answers 1005. Sign in with the new name afterwards.',
    tags: ['wxcomponent auth'],
    request: { body: { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1, maxLength: 64 } } } },
    responses: { 200: { description: 'Changed' } },
    async handler(ctx) {
      const admin = wxAdmin(ctx);
      await renameAccount({ store }, { userId: admin.userId, account: ctx.request.body.username }, requestMetadata(ctx, { kind: 'admin', id: admin.userId, name: admin.account }));
      return {};
    },
  });

  const secret = defineRoute<{ body: { secret: string } }>({
    method: 'post',
    path: '/admin/secret',
    summary: 'Set the component appsecret (write-only)',
    description: 'Stored sealed with DATA_KEY; it is never shown back. The cached component access token is dropped.',
    tags: ['wxcomponent settings'],
    request: { body: { type: 'object', required: ['secret'], properties: { secret: { type: 'string', minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9]+$' } } } },
    responses: { 200: { description: 'Stored' } },
    async handler(ctx) {
      const admin = wxAdmin(ctx);
      await setComponentSecret({ store, redis, dataKey: config.dataKey }, ctx.request.body.secret, requestMetadata(ctx, { kind: 'admin', id: admin.userId, name: admin.account }));
      return {};
    },
  });

  const secretState = defineRoute({
    method: 'get',
    path: '/admin/secret',
    summary: 'Whether a component appsecret was set (the secret itself is never returned)',
    tags: ['wxcomponent settings'],
    description: 'A set secret is shown as a fixed mask (no character of it), so the settings page shows that one is configured; an unset one is empty.',
    responses: { 200: { description: 'State', schema: { type: 'object', properties: { secret: { type: 'string' }, configured: { type: 'boolean' } } } } },
    async handler() {
      const view = await readSettings(store);
      return { secret: view.secretSet ? MASKED_SECRET : '', configured: view.secretSet };
    },
  });

  // The front end posts back what GET /authpage/componentinfo gave it (appid included); extra fields are ignored.
  const infoSchema = {
    type: 'object',
    required: ['redirectUrl'],
    properties: { name: { type: 'string', maxLength: 64 }, desc: { type: 'string', maxLength: 512 }, redirectUrl: { type: 'string', maxLength: 1024 } },
  } as const;
  const setInfo = defineRoute<{ body: { name?: string; desc?: string; redirectUrl: string } }>({
    method: 'post',
    path: '/admin/componentinfo',
    summary: 'Set what the authorization page shows',
    tags: ['wxcomponent settings'],
    request: { body: infoSchema },
    responses: { 200: { description: 'Stored' } },
    async handler(ctx) {
      const b = ctx.request.body;
      if (b.redirectUrl && !/^https?:\/\//.test(b.redirectUrl)) throw new DomainError('validation_failed', 'redirectUrl must be an http(s) URL');
      const admin = wxAdmin(ctx);
      const current = b.name === undefined || b.desc === undefined ? (await readSettings(store)).info : undefined;
      const info = { name: b.name ?? current!.name, desc: b.desc ?? current!.desc, redirectUrl: b.redirectUrl };
      await setComponentInfo(store, info, requestMetadata(ctx, { kind: 'admin', id: admin.userId, name: admin.account }));
      return {};
    },
  });

  return [login('put'), login('post'), refresh('get'), refresh('post'), username, userpwd, secret, secretState, setInfo];
}
