import { pageOfWxAuthorizers } from '../../projections/wxcomponent/queries';
import { latestTicketReader } from '../../commands/wxcomponent/receive';
import { componentAccessToken } from '../../commands/wxcomponent/tokens';
import type { Dependencies } from '../../runtime/dependencies';
import { callWechat } from '../../wechat/client';
import { defineRoute, type Route } from '../route';
import { laxLimit, laxOffset, pageWindow } from './lax-query';
import { listOf, rfc3339 } from './record-routes';

/**
 * The original's `limit` stopped at 20, as each row costs a WeChat call for its live fields; a larger
 * `limit` is served 20. The seed's `count` pages up to 100 from the stored profiles alone.
 */
export const MAX_AUTHORIZER_PAGE = 20;
const MAX_COUNT_PAGE = 100;
/** Shown where the original listed the refresh token: a credential, kept sealed. */
export const SEALED_REFRESH_TOKEN = 'refreshtoken@@@********';

interface LiveInfo {
  authorizer_info?: { register_type?: number; account_status?: number; basic_config?: { is_phone_configured?: boolean; is_email_configured?: boolean } };
}

/**
 * What the list adds from WeChat as the original did, per row: registration type, account status
 * and the phone/e-mail flags. A row WeChat does not answer for keeps its stored profile only.
 */
function liveFields(answer: LiveInfo | undefined): Record<string, unknown> {
  const info = answer?.authorizer_info;
  if (!info) return {};
  const basic = info.basic_config;
  return {
    registerType: info.register_type ?? 0,
    accountStatus: info.account_status ?? 0,
    basicConfig: basic ? { isPhoneConfigured: Boolean(basic.is_phone_configured), isEmailConfigured: Boolean(basic.is_email_configured) } : null,
  };
}

/** Accounts that authorised this platform, in the original's row shape (appType 0 mini program, 1 official account). */
export function authorizerListRoute(deps: Dependencies): Route {
  const tokenDeps = { config: deps.config, redis: deps.redis, store: deps.store };
  const ticket = latestTicketReader(deps);
  const live = async (appids: string[]): Promise<Array<LiveInfo | undefined>> => {
    const component = await componentAccessToken(tokenDeps, ticket).catch(() => null);
    if (!component) return appids.map(() => undefined);
    const query = { component_access_token: component.token.token };
    return Promise.all(
      appids.map((appid) =>
        callWechat<LiveInfo>(deps.config.wechatApiBase, {
          path: 'cgi-bin/component/api_get_authorizer_info',
          query,
          body: { component_appid: deps.config.wechatComponent.appId, authorizer_appid: appid },
          timeoutMs: 3_000,
        }).catch(() => undefined),
      ),
    );
  };

  return defineRoute<{ query: { offset: number; count?: number; limit?: number; appid?: string } }>({
    method: 'get',
    path: '/admin/authorizer-list',
    summary: 'Accounts that authorised this platform',
    description: `Page size from \`limit\` (the original; at most ${MAX_AUTHORIZER_PAGE}, with live registerType, accountStatus and basicConfig) or \`count\` (the seed; at most ${MAX_COUNT_PAGE}); default 10. \`appid\` narrows to one account; empty means all.`,
    tags: ['wxcomponent authorizers'],
    request: {
      query: {
        type: 'object',
        properties: {
          offset: laxOffset,
          count: { type: 'integer', minimum: 1 },
          limit: laxLimit(MAX_AUTHORIZER_PAGE, null),
          appid: { type: 'string', maxLength: 64 },
        },
      },
    },
    responses: { 200: { description: 'A page of authorizers', schema: listOf({ type: 'object' }) } },
    async handler(ctx) {
      const { count, limit, appid } = ctx.state.query;
      const { offset, limit: size } = count !== undefined ? pageWindow(ctx.state.query.offset, count, MAX_COUNT_PAGE) : pageWindow(ctx.state.query.offset, limit ?? 10, MAX_AUTHORIZER_PAGE);
      const { rows, total } = await pageOfWxAuthorizers(deps.knex, { appid }, { offset, limit: size });
      const answers = size <= MAX_AUTHORIZER_PAGE ? await live(rows.map((r) => r.appid)) : [];
      return {
        records: (rows as unknown as Array<Record<string, unknown>>).map((r, i) => ({
          id: Number(r.id),
          ID: Number(r.id),
          appid: r.appid,
          // Stored as 1 for a mini program; the original's front end reads 0 as a mini program.
          appType: r.app_type === 1 ? 0 : 1,
          serviceType: r.service_type,
          nickName: r.nick_name,
          userName: r.user_name,
          headImg: r.head_img,
          qrcodeUrl: r.qrcode_url,
          principalName: r.principal_name,
          refreshToken: SEALED_REFRESH_TOKEN,
          funcInfo: r.func_info,
          verifyInfo: r.verify_info,
          authTime: rfc3339(String(r.auth_time)),
          ...liveFields(answers[i]),
        })),
        total,
      };
    },
  });
}
