import { componentAccessToken } from '../../commands/wxcomponent/tokens';
import { latestTicketReader } from '../../commands/wxcomponent/receive';
import { readSettings } from '../../commands/wxcomponent/settings';
import type { Dependencies } from '../../runtime/dependencies';
import { callWechat } from '../../wechat/client';
import { defineRoute, type Route } from '../route';

export const AUTH_PAGE = 'https://mp.weixin.qq.com/cgi-bin/componentloginpage';

/** Public helpers of the authorization page (`/wxcomponent/authpage/*`). */
export function authpageRoutes(deps: Dependencies): Route[] {
  const tokenDeps = { config: deps.config, redis: deps.redis, store: deps.store };
  const appid = deps.config.wechatComponent.appId;

  const preAuthCode = async (): Promise<string> => {
    const { token } = await componentAccessToken(tokenDeps, latestTicketReader(deps));
    const answer = await callWechat<{ pre_auth_code: string }>(deps.config.wechatApiBase, {
      path: 'cgi-bin/component/api_create_preauthcode',
      query: { component_access_token: token.token },
      body: { component_appid: appid },
    });
    return answer.pre_auth_code;
  };

  const info = defineRoute({
    method: 'get',
    path: '/authpage/componentinfo',
    summary: 'What the authorization page shows about this platform',
    tags: ['wxcomponent authorization page'],
    security: 'none',
    responses: { 200: { description: 'Platform info', schema: { type: 'object', properties: { name: { type: 'string' }, desc: { type: 'string' }, redirectUrl: { type: 'string' }, appid: { type: 'string' } } } } },
    async handler() {
      const { info: i } = await readSettings(deps.store);
      return { ...i, appid };
    },
  });

  const preauth = defineRoute({
    method: 'get',
    path: '/authpage/preauthcode',
    summary: 'A single-use pre-authorization code (api_create_preauthcode)',
    tags: ['wxcomponent authorization page'],
    security: 'none',
    responses: { 200: { description: 'The code', schema: { type: 'object', properties: { preAuthCode: { type: 'string' } } } } },
    handler: async () => ({ preAuthCode: await preAuthCode() }),
  });

  const link = defineRoute<{ query: { redirectUrl?: string; authType: number } }>({
    method: 'get',
    path: '/authpage/authlink',
    summary: 'The authorization link, with a fresh pre-authorization code',
    tags: ['wxcomponent authorization page'],
    security: 'none',
    request: {
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { redirectUrl: { type: 'string', pattern: '^https?://', maxLength: 1024 }, authType: { type: 'integer', enum: [1, 2, 3, 4, 5, 6], default: 6 } },
      },
    },
    responses: { 200: { description: 'The link', schema: { type: 'object', properties: { url: { type: 'string' }, preAuthCode: { type: 'string' } } } } },
    async handler(ctx) {
      const code = await preAuthCode();
      const redirect = ctx.state.query.redirectUrl ?? (await readSettings(deps.store)).info.redirectUrl;
      const url = new URL(AUTH_PAGE);
      url.searchParams.set('component_appid', appid);
      url.searchParams.set('pre_auth_code', code);
      url.searchParams.set('auth_type', String(ctx.state.query.authType));
      url.searchParams.set('redirect_uri', redirect);
      return { url: url.toString(), preAuthCode: code };
    },
  });

  return [info, preauth, link];
}
