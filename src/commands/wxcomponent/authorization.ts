import { seal, unseal } from '../../secrets/sealed-box';
import { callWechat } from '../../wechat/client';
import { handleCommand } from '../handle';
import { systemMetadata } from '../system-metadata';
import { authorizerStream, type AuthorizerProfile } from './events';
import { AUTHORIZER_SNAPSHOTS, authorizerDecider } from './token-decider';
import { latestTicketReader, type ReceiveDeps } from './receive';
import { scheduleRefresh } from './refresh';
import { authorizerTokenKey, componentAccessToken, writeCachedToken } from './tokens';

interface AuthorizerInfoAnswer {
  authorizer_info?: {
    nick_name?: string;
    head_img?: string;
    service_type_info?: { id?: number };
    verify_type_info?: { id?: number };
    user_name?: string;
    principal_name?: string;
    qrcode_url?: string;
    MiniProgramInfo?: unknown;
  };
  authorization_info?: { authorizer_refresh_token?: string; func_info?: Array<{ funcscope_category?: { id?: number } }> };
}

/** Pure: WeChat's authorizer info → the profile the admin list shows. */
export function profileOf(answer: AuthorizerInfoAnswer, funcInfo: Array<{ funcscope_category?: { id?: number } }> | undefined): AuthorizerProfile {
  const info = answer.authorizer_info ?? {};
  const ids = (funcInfo ?? answer.authorization_info?.func_info ?? []).map((f) => f.funcscope_category?.id).filter((id): id is number => typeof id === 'number');
  return {
    appType: info.MiniProgramInfo ? 1 : 0,
    serviceType: info.service_type_info?.id ?? 0,
    nickName: info.nick_name ?? '',
    userName: info.user_name ?? '',
    headImg: info.head_img ?? '',
    qrcodeUrl: info.qrcode_url ?? '',
    principalName: info.principal_name ?? '',
    verifyInfo: info.verify_type_info?.id ?? -1,
    funcInfo: ids.length ? `|${ids.join('|')}` : '',
  };
}

export interface AuthorizationJob {
  callbackEventId: string;
  appid: string;
  infoType: 'authorized' | 'updateauthorized';
  sealedCode: string;
}

/**
 * An authorized/updateauthorized push: exchange the code (api_query_auth), fetch the account
 * (api_get_authorizer_info), record it with its sealed tokens and cache the new access token.
 * The job id is the callback's event id, so the exchange runs once per push.
 */
export async function completeAuthorization(deps: ReceiveDeps, job: AuthorizationJob): Promise<void> {
  const component = await componentAccessToken(deps, latestTicketReader(deps));
  const query = { component_access_token: component.token.token };
  const appId = deps.config.wechatComponent.appId;
  const auth = await callWechat<{ authorization_info: { authorizer_appid: string; authorizer_access_token: string; expires_in: number; authorizer_refresh_token: string; func_info?: Array<{ funcscope_category?: { id?: number } }> } }>(
    deps.config.wechatApiBase,
    { path: 'cgi-bin/component/api_query_auth', query, body: { component_appid: appId, authorization_code: unseal(job.sealedCode, deps.config.dataKey) } },
  );
  const info = await callWechat<AuthorizerInfoAnswer>(deps.config.wechatApiBase, {
    path: 'cgi-bin/component/api_get_authorizer_info',
    query,
    body: { component_appid: appId, authorizer_appid: job.appid },
  });
  const a = auth.authorization_info;
  const now = Date.now();
  const expiresAt = now + a.expires_in * 1000;
  await handleCommand(
    { store: deps.store, metadata: systemMetadata('wx-authorization', job.callbackEventId), snapshots: deps.snapshots },
    authorizerStream(job.appid),
    authorizerDecider,
    {
      type: 'RecordAuthorization',
      appid: job.appid,
      source: job.infoType,
      profile: profileOf(info, a.func_info),
      sealedRefreshToken: seal(a.authorizer_refresh_token, deps.config.dataKey),
      sealedAccessToken: seal(a.authorizer_access_token, deps.config.dataKey),
      accessTokenExpiresAt: new Date(expiresAt),
      authTime: new Date(now),
    },
    { snapshot: AUTHORIZER_SNAPSHOTS },
  );
  await writeCachedToken(deps, authorizerTokenKey(job.appid), a.authorizer_access_token, expiresAt);
  await scheduleRefresh(deps.queues, { kind: 'authorizer', appid: job.appid }, expiresAt);
}
