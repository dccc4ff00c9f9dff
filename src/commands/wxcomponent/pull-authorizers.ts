import { defineQueue } from '../../jobs/definition';
import { seal } from '../../secrets/sealed-box';
import { callWechat } from '../../wechat/client';
import { handleCommand } from '../handle';
import { systemMetadata } from '../system-metadata';
import { profileOf } from './authorization';
import { authorizerStream } from './events';
import { authorizerDecider } from './token-decider';
import { latestTicketReader, type ReceiveDeps } from './receive';
import { componentAccessToken } from './tokens';

/** A pull walks every page of the list: retried three times, 5, 10 s apart. */
export const PULL_QUEUE = defineQueue<{ requestedBy: string }>('wx-pull-authorizers', { attempts: 3, backoff: { type: 'exponential', delay: 5_000 } });
export const PULL_PAGE = 100;
/** Accounts of a page looked up and recorded at once (each is its own stream). */
const PULL_PARALLEL = 8;

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
    const items = page.list ?? [];
    for (let i = 0; i < items.length; i += PULL_PARALLEL) {
      await Promise.all(items.slice(i, i + PULL_PARALLEL).map((item) => recordPulled(deps, query, item, requestedBy)));
    }
    pulled += items.length;
    if (!page.list?.length || offset + PULL_PAGE >= page.total_count) break;
  }
  return { pulled };
}

/** One listed account: its profile from WeChat, recorded as an authorization seen by a pull. */
async function recordPulled(deps: ReceiveDeps, query: { component_access_token: string }, item: ListAnswer['list'][number], requestedBy: string): Promise<void> {
  const info = await callWechat(deps.config.wechatApiBase, {
    path: 'cgi-bin/component/api_get_authorizer_info',
    query,
    body: { component_appid: deps.config.wechatComponent.appId, authorizer_appid: item.authorizer_appid },
  });
  // No snapshot lookup: a pull meets hundreds of accounts once each, most of their streams new or short.
  await handleCommand({ store: deps.store, metadata: systemMetadata('wx-pull-authorizers', requestedBy) }, authorizerStream(item.authorizer_appid), authorizerDecider, {
    type: 'RecordAuthorization',
    appid: item.authorizer_appid,
    source: 'pulled',
    profile: profileOf(info, undefined),
    sealedRefreshToken: seal(item.refresh_token, deps.config.dataKey),
    sealedAccessToken: null,
    accessTokenExpiresAt: null,
    authTime: new Date(item.auth_time * 1000),
  });
}
