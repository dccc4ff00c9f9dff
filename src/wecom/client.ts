import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { refreshOnce, readCachedToken } from '../commands/wxcomponent/tokens';
import { callWechat, WechatApiError, type WechatCall } from '../wechat/client';
import { WecomApiError, WecomUnreachableError } from './errors';

/**
 * WeCom's server API (qyapi.weixin.qq.com, or WECOM_API_BASE). It speaks WeChat's JSON and
 * `errcode` conventions, so requests, deadlines and refusals go through the WeChat client; this
 * adds the corp access token (sealed in Redis until shortly before it expires, fetched once for
 * all concurrent callers) and turns failures into the typed errors of ./errors.
 */
export interface WecomDepartment {
  id: number;
  name: string;
  parentid: number;
  order: number;
}

export interface WecomMember {
  userid: string;
  name: string;
  department: number[];
  mobile?: string;
  email?: string;
  avatar?: string;
  /** 1 active, 2 disabled, 4 not yet activated, 5 left. */
  status?: number;
}

/** Who an OAuth code belongs to: a member of the corp, or an outsider (OpenId only). */
export type WecomVisitor = { userId: string } | { openId: string };

export interface WecomClient {
  departments(): Promise<WecomDepartment[]>;
  /** Every member below the given departments (fetch_child=1), each once. */
  members(rootDepartmentIds: number[]): Promise<WecomMember[]>;
  visitorByCode(code: string): Promise<WecomVisitor>;
  sendText(toUserId: string, content: string): Promise<{ msgid: string | null }>;
  /** The corp's JS-SDK ticket (get_jsapi_ticket), sealed in Redis like the token and fetched once for all callers. */
  jsapiTicket(): Promise<string>;
}

export interface WecomClientDeps {
  config: Config;
  redis: Redis;
}

/** Refetch the token this long before WeCom's expiry (7,200 s), so a call never carries a dying one. */
const TOKEN_AHEAD_MS = 5 * 60 * 1000;
const TIMEOUT_MS = 5_000;
/** WeCom's answers for a token it no longer accepts: expired, invalid, missing. */
const STALE_TOKEN = new Set([42001, 40014, 41001]);

export const wecomTokenKey = (corpId: string) => `wecom:token:${corpId}`;
export const wecomTicketKey = (corpId: string) => `wecom:jsapi-ticket:${corpId}`;

/** In-process, per Redis connection: concurrent callers share one Redis round trip and, when due, one fetch. */
const pendingByRedis = new WeakMap<Redis, Map<string, Promise<string>>>();

async function call<T>(config: Config, api: string, request: Omit<WechatCall, 'path'>): Promise<T> {
  try {
    return await callWechat<T>(config.wecomApiBase, { timeoutMs: TIMEOUT_MS, ...request, path: `cgi-bin/${api}` });
  } catch (err) {
    if (err instanceof WechatApiError) {
      // -2: the answer was not JSON (an HTML error page, a 5xx from a proxy).
      if (err.errcode === -2) throw new WecomUnreachableError(api, 'bad_answer', err.errmsg);
      throw new WecomApiError(api, err.errcode, err.errmsg);
    }
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new WecomUnreachableError(api, 'timeout', `no answer within ${request.timeoutMs ?? TIMEOUT_MS} ms`);
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new WecomUnreachableError(api, 'network', cause ?? (err instanceof Error ? err.message : String(err)));
  }
}

export function wecomClient(deps: WecomClientDeps): WecomClient {
  const { config } = deps;
  const key = wecomTokenKey(config.wecom.corpId);
  const pending = pendingByRedis.get(deps.redis) ?? new Map<string, Promise<string>>();
  pendingByRedis.set(deps.redis, pending);

  const fetchToken = async () => {
    const answer = await call<{ access_token: string; expires_in: number }>(config, 'gettoken', {
      query: { corpid: config.wecom.corpId, corpsecret: config.wecom.corpSecret },
    });
    return { token: answer.access_token, expiresAt: Date.now() + answer.expires_in * 1000 };
  };

  const token = (): Promise<string> => {
    let shared = pending.get(key);
    if (!shared) {
      shared = refreshOnce(deps, key, TOKEN_AHEAD_MS, fetchToken).then((r) => r.token.token);
      pending.set(key, shared);
      void shared.finally(() => pending.delete(key)).catch(() => undefined);
    }
    return shared;
  };

  /** Drops the cached token only if it is still the one WeCom refused (another caller may have replaced it). */
  const forget = async (refused: string) => {
    const cached = await readCachedToken(deps, key);
    if (cached?.token === refused) await deps.redis.del(key);
  };

  const withToken = async <T>(api: string, request: Omit<WechatCall, 'path'>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      const current = await token();
      try {
        return await call<T>(config, api, { ...request, query: { ...request.query, access_token: current } });
      } catch (err) {
        if (attempt === 0 && err instanceof WecomApiError && STALE_TOKEN.has(err.errcode)) {
          await forget(current);
          continue;
        }
        throw err;
      }
    }
  };

  return {
    async departments() {
      const answer = await withToken<{ department?: WecomDepartment[] }>('department/list', { query: {} });
      return answer.department ?? [];
    },
    async members(roots) {
      const byId = new Map<string, WecomMember>();
      for (const root of roots) {
        const answer = await withToken<{ userlist?: WecomMember[] }>('user/list', { query: { department_id: String(root), fetch_child: '1' } });
        for (const member of answer.userlist ?? []) byId.set(member.userid, member);
      }
      return [...byId.values()];
    },
    async visitorByCode(code) {
      const answer = await withToken<{ UserId?: string; userid?: string; OpenId?: string; openid?: string }>('user/getuserinfo', { query: { code } });
      const userId = answer.UserId ?? answer.userid;
      if (userId) return { userId };
      return { openId: answer.OpenId ?? answer.openid ?? '' };
    },
    async sendText(toUserId, content) {
      const answer = await withToken<{ invaliduser?: string; msgid?: string }>('message/send', {
        body: { touser: toUserId, msgtype: 'text', agentid: config.wecom.agentId, text: { content } },
      });
      // WeCom answers 0 and lists the recipients it could not reach; for one recipient that is a refusal.
      if (answer.invaliduser) throw new WecomApiError('message/send', 81013, `invalid user ${answer.invaliduser}`);
      return { msgid: answer.msgid ?? null };
    },
    async jsapiTicket() {
      // WeCom limits how often a ticket may be fetched: every caller shares the cached one until shortly before it expires.
      const { token: ticket } = await refreshOnce(deps, wecomTicketKey(config.wecom.corpId), TOKEN_AHEAD_MS, async () => {
        const answer = await withToken<{ ticket: string; expires_in: number }>('get_jsapi_ticket', { query: {} });
        return { token: answer.ticket, expiresAt: Date.now() + answer.expires_in * 1000 };
      });
      return ticket.token;
    },
  };
}
