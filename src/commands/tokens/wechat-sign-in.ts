import type { EventMetadata } from '../../eventstore/port';
import { wechatAppSecret } from '../applications/handler';
import { refusal } from '../refusals';
import { bindWechat, findUserIdByUnionId, mobileClaim, registerUser, signInWithCheckedProof } from '../identity/handler';
import { newSecret } from './credential';
import { issueToken, requireApp, type TokenDeps, type TokenPackage } from './handler';
import { consumeSmsCode } from './sign-in-codes';

/** The WeChat user as `sns/userinfo` describes them (the seed's WeChatUser). */
export interface WechatUser {
  unionid: string;
  openid: string;
  nickname: string;
  sex: number;
  country: string;
  province: string;
  city: string;
  headimgurl: string;
  privilege?: string[];
  language?: string;
}

/** An unbound WeChat user waits this long for tokens/withWechatUnionId (seed: 30 minutes). */
export const WECHAT_USER_CACHE_SECONDS = 30 * 60;
const WECHAT_TIMEOUT_MS = 5_000;

export const wechatUserKey = (weChatAppId: string, unionId: string): string => `insight:wxuser:${weChatAppId}:${unionId}`;

export interface WechatDeps extends TokenDeps {
  wechatApiBase: string;
}

async function callWechat(deps: WechatDeps, path: string, query: Record<string, string>): Promise<Record<string, unknown>> {
  const url = new URL(path, deps.wechatApiBase.endsWith('/') ? deps.wechatApiBase : `${deps.wechatApiBase}/`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  let body: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(WECHAT_TIMEOUT_MS) });
    body = await res.json();
  } catch {
    throw refusal('wechat_unreachable');
  }
  if (typeof body !== 'object' || body === null) throw refusal('wechat_answer_invalid');
  const answer = body as Record<string, unknown>;
  // WeChat answers errors with HTTP 200 and an errcode; its errmsg may echo our request, so it is not passed on.
  if (typeof answer.errcode === 'number' && answer.errcode !== 0) {
    throw refusal('wechat_grant_refused', { wechatErrcode: answer.errcode });
  }
  return answer;
}

export interface WechatCodeRequest {
  appId: string;
  tenantId: string | null;
  weChatAppId: string;
  code: string;
  deviceId: string | null;
}

/**
 * `POST tokens/withWechatCode`: OAuth code → access_token + openid → userinfo. A bound unionid
 * signs in; an unbound WeChat user is cached for 30 minutes and answered as data with `option: false`.
 */
export async function signInWithWechatCode(
  deps: WechatDeps,
  request: WechatCodeRequest,
  metadata: EventMetadata,
): Promise<{ token: TokenPackage } | { unbound: WechatUser }> {
  const app = await requireApp(deps, request.appId);
  const secret = await wechatAppSecret(deps, request.weChatAppId);
  const grant = await callWechat(deps, 'sns/oauth2/access_token', { appid: request.weChatAppId, secret, code: request.code, grant_type: 'authorization_code' });
  if (typeof grant.access_token !== 'string' || typeof grant.openid !== 'string') throw refusal('wechat_grant_refused');
  const info = await callWechat(deps, 'sns/userinfo', { access_token: grant.access_token, openid: grant.openid, lang: 'zh_CN' });
  const unionid = typeof info.unionid === 'string' ? info.unionid : typeof grant.unionid === 'string' ? grant.unionid : null;
  if (!unionid) throw refusal('wechat_no_unionid');
  const wechatUser: WechatUser = {
    unionid,
    openid: String(info.openid ?? grant.openid),
    nickname: String(info.nickname ?? ''),
    sex: Number(info.sex ?? 0),
    country: String(info.country ?? ''),
    province: String(info.province ?? ''),
    city: String(info.city ?? ''),
    headimgurl: String(info.headimgurl ?? ''),
    privilege: Array.isArray(info.privilege) ? info.privilege.map(String) : [],
    language: String(info.language ?? 'zh_CN'),
  };
  const userId = await findUserIdByUnionId(deps.store, unionid);
  if (!userId) {
    await deps.redis.set(wechatUserKey(request.weChatAppId, unionid), JSON.stringify(wechatUser), 'EX', WECHAT_USER_CACHE_SECONDS);
    return { unbound: wechatUser };
  }
  const user = await signInWithCheckedProof(deps, userId, true, 'insight', metadata);
  return { token: await issueToken(deps, { user, app, tenantId: request.tenantId, deviceId: request.deviceId, method: 'wechat' }, metadata) };
}

export interface WechatUnionIdRequest {
  appId: string;
  tenantId: string | null;
  weChatAppId: string;
  unionId: string;
  mobile: string;
  smsCode: string;
  isReplace: boolean;
  deviceId: string | null;
}

/**
 * `POST tokens/withWechatUnionId`, the seed's four steps: (1) the cached WeChat user, else 430;
 * (2) no user with the mobile → one is created from the WeChat profile, bound; (3) a user with
 * another unionid and `isReplace` → rebound; (4) without `isReplace` → refused. The mobile must be
 * proven with the SMS code sent by `tokens/codes?type=1`: binding an unproven mobile would hand
 * its account to whoever asks.
 */
export async function signInWithWechatUnionId(deps: WechatDeps, request: WechatUnionIdRequest, metadata: EventMetadata): Promise<TokenPackage> {
  const app = await requireApp(deps, request.appId);
  const cached = await deps.redis.get(wechatUserKey(request.weChatAppId, request.unionId));
  if (!cached) throw refusal('wechat_user_unknown');
  const wechatUser = JSON.parse(cached) as WechatUser;
  if (!(await consumeSmsCode(deps.redis, request.mobile, request.smsCode))) throw refusal('sms_code_wrong');

  const owner = await deps.store.claimOwner(mobileClaim(request.mobile));
  let userId = owner?.startsWith('user-') ? owner.slice('user-'.length) : null;
  if (!userId) {
    const profile = { account: request.mobile, name: wechatUser.nickname || request.mobile, mobile: request.mobile, email: null, headImg: wechatUser.headimgurl || null, tenantId: null };
    ({ userId } = await registerUser(deps, { profile, password: newSecret(), unionId: request.unionId }, metadata));
  } else {
    await bindWechat(deps, userId, request.unionId, request.isReplace, metadata);
  }
  await deps.redis.del(wechatUserKey(request.weChatAppId, request.unionId));
  const user = await signInWithCheckedProof(deps, userId, true, 'insight', metadata);
  return issueToken(deps, { user, app, tenantId: request.tenantId, deviceId: request.deviceId, method: 'wechat' }, metadata);
}
