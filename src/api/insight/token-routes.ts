import { DomainError } from '../../commands/domain-error';
import { refreshToken, revokeToken, signInWithSignature, type TokenPackage } from '../../commands/tokens/handler';
import { issuePasswordCode, issueSmsCode, type CodeDeps } from '../../commands/tokens/sign-in-codes';
import { signInWithWechatCode, signInWithWechatUnionId, type WechatDeps } from '../../commands/tokens/wechat-sign-in';
import type { Dependencies } from '../../runtime/dependencies';
import { insightEnvelope } from '../envelopes/insight';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type RouteContext } from '../route';
import { insightPrincipal } from './access-token';
import { OWN_TENANT } from './later-api-routes';

const HEX32 = { type: 'string', pattern: '^[0-9a-fA-F]{32}$' } as const;
// Jackson, behind the original's String fields, took a JSON number as its decimal text; so do these.
const WHOLE = { minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const OPTIONAL_ID = { type: ['string', 'integer', 'null'], maxLength: 64, ...WHOLE } as const;
const DEVICE = { type: ['string', 'integer', 'null'], maxLength: 128, ...WHOLE } as const;
const ACCOUNT = { type: ['string', 'integer'], minLength: 1, maxLength: 128, ...WHOLE } as const;
type Lax = string | number | null | undefined;
const SMS_TIMEOUT_MS = 5_000;

const userInfoSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenantId: { type: ['string', 'null'] },
    name: { type: 'string' },
    account: { type: 'string' },
    mobile: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    headImg: { type: ['string', 'null'] },
    builtin: { type: 'boolean' },
    createdTime: { type: ['string', 'null'], description: 'yyyy-MM-dd HH:mm:ss' },
  },
} as const;

const tokenSchema = {
  type: 'object',
  required: ['accessToken', 'refreshToken', 'expire', 'failure', 'userInfo'],
  properties: {
    accessToken: { type: 'string', description: 'Base64 of JSON {id, userId, userName, secret}' },
    refreshToken: { type: 'string', description: 'Same id as the access token, its own secret' },
    expire: { type: 'integer', description: 'Milliseconds until the access token needs a refresh (422 after)' },
    failure: { type: 'integer', description: 'Milliseconds until the token fails for good (421 after)' },
    userInfo: userInfoSchema,
  },
} as const;

const wechatUserSchema = {
  type: 'object',
  properties: {
    unionid: { type: 'string' },
    openid: { type: 'string' },
    nickname: { type: 'string' },
    sex: { type: 'integer' },
    country: { type: 'string' },
    province: { type: 'string' },
    city: { type: 'string' },
    headimgurl: { type: 'string' },
    privilege: { type: 'array', items: { type: 'string' } },
    language: { type: 'string' },
  },
} as const;

const anonymous = (ctx: RouteContext, name?: string) => requestMetadata(ctx, { kind: 'anonymous', name: name ?? null });
const device = (value: Lax) => (value === null || value === undefined || value === '' ? null : String(value));
// The tenant list's one entry stands for the user's own tenant: no tenant named.
const optional = (value: Lax) => (value === null || value === undefined || value === OWN_TENANT.id ? null : String(value));

/** POSTs the SMS code to SMS_WEBHOOK_URL as JSON `{mobile, code, ttlSeconds}`; a non-2xx answer fails the request. */
function smsSender(url: string): CodeDeps['sendSms'] {
  if (!url) return undefined;
  return async (mobile, code, ttlSeconds) => {
    let ok = false;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mobile, code, ttlSeconds }), signal: AbortSignal.timeout(SMS_TIMEOUT_MS) });
      ok = res.ok;
    } catch {
      ok = false;
    }
    if (!ok) throw new DomainError('upstream_failed', '短信发送失败,请稍后重试');
  };
}

/** Insight's token endpoints (`/base/auth/v1.0/tokens…`). */
export function tokenRoutes(deps: Dependencies): ReturnType<typeof defineRoute>[] {
  const { config } = deps;
  const base = { store: deps.store, snapshots: deps.snapshots, dataKey: config.dataKey, redis: deps.redis };
  const codeDeps: CodeDeps = { ...base, codeTtlSeconds: config.insightCodeTtlSeconds, smsCodeTtlSeconds: config.insightSmsCodeTtlSeconds, sendSms: smsSender(config.smsWebhookUrl) };
  const wechatDeps: WechatDeps = { ...base, wechatApiBase: config.wechatApiBase };

  const codes = defineRoute<{ query: { account: string; type: 0 | 1 | null } }>({
    method: 'get',
    path: '/tokens/codes',
    waitsForReadModels: false,
    summary: '获取Code: a one-time code for the sign-in signature',
    description:
      'Signature = MD5(MD5(account + MD5(password)) + code), valid 30 s, usable once. type=1 sends a 6-digit SMS code (valid 300 s); ' +
      'then signature = MD5(MD5(mobile + MD5(smsCode)) + code). An unknown account still gets a code; the sign-in then fails.',
    tags: ['tokens'],
    security: 'none',
    request: {
      query: {
        type: 'object',
        required: ['account'],
        // As Spring's @RequestParam: unknown parameters are ignored, an empty type is the default.
        properties: { account: { type: 'string', minLength: 1, maxLength: 128 }, type: { type: ['integer', 'null'], enum: [0, 1, null], default: 0 } },
      },
    },
    responses: { 200: { description: 'The code (32 hex)', schema: { type: 'string', pattern: '^[0-9a-f]{32}$' } } },
    async handler(ctx) {
      const { account, type } = ctx.state.query;
      return type === 1 ? issueSmsCode(codeDeps, account.trim()) : issuePasswordCode(codeDeps, account);
    },
  });

  const signIn = defineRoute<{ body: { appId: string; tenantId?: Lax; account: string | number; signature: string; deviceId?: Lax } }>({
    method: 'post',
    path: '/tokens',
    waitsForReadModels: false,
    summary: '获取Token: sign in with the signature',
    description:
      'Consumes the signature; sent again it is refused (420) but not counted as wrong. Five wrong signatures for one account from one client address lock it for that address for 10 minutes (400 错误次数过多; a right one from there is refused too, other addresses are not affected); twenty failures from one address refuse every sign-in from it for 10 minutes (490). An unknown account is answered and counted like a known one.',
    tags: ['tokens'],
    security: 'none',
    request: {
      body: {
        type: 'object',
        required: ['appId', 'account', 'signature'],
        properties: { appId: HEX32, tenantId: OPTIONAL_ID, account: ACCOUNT, signature: HEX32, deviceId: DEVICE },
      },
    },
    responses: { 200: { description: 'Tokens and the user', schema: tokenSchema } },
    async handler(ctx) {
      const b = ctx.request.body;
      return signInWithSignature(
        base,
        { appId: b.appId.toLowerCase(), tenantId: optional(b.tenantId), account: String(b.account), signature: b.signature, deviceId: device(b.deviceId) },
        anonymous(ctx, String(b.account)),
      );
    },
  });

  const withWechatCode = defineRoute<{ body: { appId: string; tenantId?: Lax; weChatAppId: string; code: string; deviceId?: Lax } }>({
    method: 'post',
    path: '/tokens/withWechatCode',
    waitsForReadModels: false,
    summary: '微信授权码获取Token',
    description: 'An unbound WeChat user is cached for 30 minutes and returned as data with option=false; bind it with tokens/withWechatUnionId.',
    tags: ['tokens'],
    security: 'none',
    request: {
      body: {
        type: 'object',
        required: ['appId', 'weChatAppId', 'code'],
        properties: {
          appId: HEX32,
          tenantId: OPTIONAL_ID,
          weChatAppId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          code: { type: 'string', minLength: 1, maxLength: 256 },
          deviceId: DEVICE,
        },
      },
    },
    responses: { 200: { description: 'Tokens (option null), or the unbound WeChat user (option false)', schema: { oneOf: [tokenSchema, wechatUserSchema] } } },
    async handler(ctx) {
      const b = ctx.request.body;
      const result = await signInWithWechatCode(
        wechatDeps,
        { appId: b.appId.toLowerCase(), tenantId: optional(b.tenantId), weChatAppId: b.weChatAppId, code: b.code, deviceId: device(b.deviceId) },
        requestMetadata(ctx, { kind: 'wechat', name: b.weChatAppId }),
      );
      if ('unbound' in result) insightEnvelope.ok(ctx, result.unbound, { option: false });
      else return result.token;
    },
  });

  const withWechatUnionId = defineRoute<{
    body: { appId: string; tenantId?: Lax; weChatAppId: string; unionId: string; mobile: string; smsCode: string; isReplace?: boolean | string | number | null; deviceId?: Lax };
  }>({
    method: 'post',
    path: '/tokens/withWechatUnionId',
    waitsForReadModels: false,
    summary: '微信UnionId获取Token: bind the cached WeChat user to a mobile and sign in',
    description:
      'The mobile is proven by `smsCode` (sent by tokens/codes?type=1). No user with the mobile: one is created from the WeChat profile. ' +
      'A user bound to another WeChat: rebound when isReplace is true, else refused.',
    tags: ['tokens'],
    security: 'none',
    request: {
      body: {
        type: 'object',
        required: ['appId', 'weChatAppId', 'unionId', 'mobile', 'smsCode'],
        properties: {
          appId: HEX32,
          tenantId: OPTIONAL_ID,
          weChatAppId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          unionId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          mobile: { type: 'string', pattern: '^\\+?[0-9]{5,20}$' },
          smsCode: { type: 'string', pattern: '^[0-9]{6}$' },
          isReplace: { type: ['boolean', 'string', 'integer', 'null'], maxLength: 5, minimum: 0, maximum: 1 },
          deviceId: DEVICE,
        },
      },
    },
    responses: { 200: { description: 'Tokens and the user', schema: tokenSchema } },
    async handler(ctx) {
      const b = ctx.request.body;
      const isReplace = b.isReplace === true || b.isReplace === 1 || (typeof b.isReplace === 'string' && ['true', '1'].includes(b.isReplace.toLowerCase()));
      return signInWithWechatUnionId(
        wechatDeps,
        {
          appId: b.appId.toLowerCase(),
          tenantId: optional(b.tenantId),
          weChatAppId: b.weChatAppId,
          unionId: b.unionId,
          mobile: b.mobile,
          smsCode: b.smsCode,
          isReplace,
          deviceId: device(b.deviceId),
        },
        requestMetadata(ctx, { kind: 'wechat', name: b.unionId }),
      );
    },
  });

  const status = defineRoute({
    method: 'get',
    path: '/tokens/status',
    waitsForReadModels: false,
    summary: '验证Token',
    description: '421 invalid, 422 expired (refresh it), 413 account disabled, 400 signed in on another device (exclusive apps).',
    tags: ['tokens'],
    responses: { 200: { description: 'The token is valid', schema: { type: 'null' } } },
    handler: () => null,
  });

  const refresh = defineRoute({
    method: 'put',
    path: '/tokens',
    waitsForReadModels: false,
    summary: '刷新Token: Authorization carries the refresh token',
    description: 'A new access token (the old one dies at once), the same refresh token; at most 12 refreshes, never past 24 h from sign-in.',
    tags: ['tokens'],
    security: 'none',
    responses: { 200: { description: 'The new access token', schema: tokenSchema } },
    async handler(ctx): Promise<TokenPackage> {
      return refreshToken(base, ctx.get('authorization') || undefined, requestMetadata(ctx, { kind: 'user' }));
    },
  });

  const revoke = defineRoute({
    method: 'delete',
    path: '/tokens',
    waitsForReadModels: false,
    summary: '注销Token: the access and refresh token both die',
    tags: ['tokens'],
    responses: { 200: { description: 'Revoked', schema: { type: 'null' } } },
    async handler(ctx) {
      const principal = insightPrincipal(ctx);
      await revokeToken(base, principal.tokenId, requestMetadata(ctx, { kind: 'user', id: principal.userId, name: principal.userName }));
      return null;
    },
  });

  return [codes, signIn, withWechatCode, withWechatUnionId, status, refresh, revoke];
}
