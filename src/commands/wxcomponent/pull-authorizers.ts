import { randomUUID } from 'node:crypto';
import { defineQueue } from '../../jobs/definition';
import { seal } from '../../secrets/sealed-box';
import { callWechat } from '../../wechat/client';
import { systemMetadata } from '../system-metadata';
import { profileOf } from './authorization';
import { authorizerStream, type WxComponentEvent } from './events';
import { latestTicketReader, type ReceiveDeps } from './receive';
import { componentAccessToken } from './tokens';

/** A pull walks every page of the list: retried three times, 5, 10 s apart. */
export const PULL_QUEUE = defineQueue<{ requestedBy: string }>('wx-pull-authorizers', { attempts: 3, backoff: { type: 'exponential', delay: 5_000 } });
export const PULL_PAGE = 100;

interface ListAnswer {
  total_count: number;
  list: Array<{ authorizer_appid: string; refresh_token: string; auth_time: number }>;
}

/**
 * Rebuilds the authorizer list from WeChat (`pull-authorizer-list`): api_get_authorizer_list 100
 * at a time, then api_get_authorizer_info for each account, recorded as an authorization seen by
 * a pull (with the refresh token WeChat lists, sealed).
 */
export async function pullAuthorizers(deps: ReceiveDeps, requestedBy: string): Promise<{ pulled: number }> {
  const component = await componentAccessToken(deps, latestTicketReader(deps));
  const query = { component_access_token: component.token.token };
  const appId = deps.config.wechatComponent.appId;
  let pulled = 0;
  for (let offset = 0; ; offset += PULL_PAGE) {
    const page = await callWechat<ListAnswer>(deps.config.wechatApiBase, {
      path: 'cgi-bin/component/api_get_authorizer_list',
      query,
      body: { component_appid: appId, offset, count: PULL_PAGE },
    });
    for (const item of page.list ?? []) {
      const info = await callWechat(deps.config.wechatApiBase, {
        path: 'cgi-bin/component/api_get_authorizer_info',
        query,
        body: { component_appid: appId, authorizer_appid: item.authorizer_appid },
      });
      const event: WxComponentEvent = {
        type: 'AuthorizerAuthorized',
        data: {
          appid: item.authorizer_appid,
          source: 'pulled',
          profile: profileOf(info, undefined),
          sealedRefreshToken: seal(item.refresh_token, deps.config.dataKey),
          sealedAccessToken: null,
          accessTokenExpiresAt: null,
          authTime: new Date(item.auth_time * 1000).toISOString(),
        },
      };
      await deps.store.appendToStream(authorizerStream(item.authorizer_appid), [{ eventId: randomUUID(), ...event, metadata: systemMetadata('wx-pull-authorizers', requestedBy) }]);
      pulled++;
    }
    if (!page.list?.length || offset + PULL_PAGE >= page.total_count) break;
  }
  return { pulled };
}
