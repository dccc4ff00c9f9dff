import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../../config';
import type { EventStore } from '../../eventstore/port';
import { seal, unseal } from '../../secrets/sealed-box';
import { callWechat } from '../../wechat/client';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import { handleCommand, loadState } from '../handle';
import type { SnapshotStore } from '../snapshots';
import { systemMetadata } from '../system-metadata';
import { authorizerStream, COMPONENT_TOKEN_STREAM, SETTINGS_STREAM } from './events';
import { settingsDecider } from './settings-decider';
import { AUTHORIZER_SNAPSHOTS, authorizerDecider, COMPONENT_TOKEN_SNAPSHOTS, componentTokenDecider } from './token-decider';

/**
 * Access tokens: the current one sealed in Redis (what every reader uses), each refresh an event
 * (sealed too). A refresh happens under a per-token Redis lock and re-checks the cache once it
 * holds it, so two processes never refresh the same token twice.
 */
export interface TokenDeps {
  config: Config;
  redis: Redis;
  store: EventStore;
  /** The token streams grow by one event per refresh: with snapshots they are folded from the latest. */
  snapshots?: SnapshotStore;
}

/**
 * A reader refreshes a token itself only this close to expiry: normally the workers (refresh.ts)
 * have replaced it 20–30 minutes earlier, so this is the fallback when they could not.
 */
export const REFRESH_AHEAD_MS = 5 * 60 * 1000;
const LOCK_MS = 15_000;

/** The token cache needs only Redis and the sealing key (WeCom's client shares it). */
type CacheDeps = Pick<TokenDeps, 'config' | 'redis'>;

export const componentTokenKey = 'wx:component-token';
export const authorizerTokenKey = (appid: string) => `wx:authorizer-token:${appid}`;

interface CachedToken {
  token: string;
  expiresAt: number;
}

export async function readCachedToken(deps: CacheDeps, key: string): Promise<CachedToken | null> {
  const raw = await deps.redis.get(key);
  if (!raw) return null;
  try {
    return JSON.parse(unseal(raw, deps.config.dataKey)) as CachedToken;
  } catch {
    return null;
  }
}

export async function writeCachedToken(deps: CacheDeps, key: string, token: string, expiresAt: number): Promise<void> {
  const ttl = Math.max(1, expiresAt - Date.now());
  await deps.redis.set(key, seal(JSON.stringify({ token, expiresAt }), deps.config.dataKey), 'PX', ttl);
}

const fresh = (t: CachedToken | null, aheadMs: number): t is CachedToken => t !== null && t.expiresAt - Date.now() > aheadMs;

/**
 * Runs `refresh` only if the cached token is missing or due, holding `lock:<key>` meanwhile.
 * A caller that finds the lock taken waits for the holder's result instead of calling WeChat.
 */
export async function refreshOnce(deps: CacheDeps, key: string, aheadMs: number, refresh: () => Promise<CachedToken>): Promise<{ token: CachedToken; refreshed: boolean }> {
  const deadline = Date.now() + LOCK_MS;
  for (;;) {
    const cached = await readCachedToken(deps, key);
    if (fresh(cached, aheadMs)) return { token: cached, refreshed: false };
    const owner = randomUUID();
    if (await deps.redis.set(`lock:${key}`, owner, 'PX', LOCK_MS, 'NX')) {
      try {
        const again = await readCachedToken(deps, key);
        if (fresh(again, aheadMs)) return { token: again, refreshed: false };
        const token = await refresh();
        await writeCachedToken(deps, key, token.token, token.expiresAt);
        return { token, refreshed: true };
      } finally {
        // Only our own lock is released (compare-and-delete).
        await deps.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, `lock:${key}`, owner);
      }
    }
    if (Date.now() > deadline) {
      const last = await readCachedToken(deps, key);
      if (last && last.expiresAt > Date.now()) return { token: last, refreshed: false };
      throw new DomainError('unavailable', 'another process is refreshing the token; try again');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The component secret: the one set through the admin API (sealed in the settings stream), else configuration. */
export async function componentSecret(deps: TokenDeps): Promise<string> {
  const { sealedSecret } = (await loadState(deps.store, SETTINGS_STREAM, settingsDecider)).state;
  return sealedSecret ? unseal(sealedSecret, deps.config.dataKey) : deps.config.wechatComponent.secret;
}

export type TicketReader = () => Promise<string | null>;

/** The component access token, refreshed through api_component_token when due. */
export async function componentAccessToken(deps: TokenDeps, latestTicket: TicketReader, aheadMs = REFRESH_AHEAD_MS) {
  return refreshOnce(deps, componentTokenKey, aheadMs, async () => {
    const ticket = await latestTicket();
    if (!ticket) throw refusal('ticket_not_received');
    const answer = await callWechat<{ component_access_token: string; expires_in: number }>(deps.config.wechatApiBase, {
      path: 'cgi-bin/component/api_component_token',
      body: { component_appid: deps.config.wechatComponent.appId, component_appsecret: await componentSecret(deps), component_verify_ticket: ticket },
    });
    const now = Date.now();
    const expiresAt = now + answer.expires_in * 1000;
    await handleCommand(
      { store: deps.store, metadata: systemMetadata('wxcomponent-token'), snapshots: deps.snapshots },
      COMPONENT_TOKEN_STREAM,
      componentTokenDecider,
      { type: 'RecordComponentAccessToken', sealedToken: seal(answer.component_access_token, deps.config.dataKey), expiresAt: new Date(expiresAt), now: new Date(now) },
      { snapshot: COMPONENT_TOKEN_SNAPSHOTS },
    );
    return { token: answer.component_access_token, expiresAt };
  });
}

/** The authorizer's current refresh token, from its stream (the newest one WeChat gave us), and as sealed there. */
export async function authorizerRefreshToken(deps: TokenDeps, appid: string): Promise<{ refreshToken: string; sealed: string } | null> {
  const snapshots = deps.snapshots ? { store: deps.snapshots, policy: AUTHORIZER_SNAPSHOTS } : undefined;
  const sealed = (await loadState(deps.store, authorizerStream(appid), authorizerDecider, snapshots)).state.sealedRefreshToken;
  return sealed ? { refreshToken: unseal(sealed, deps.config.dataKey), sealed } : null;
}

/** An authorizer's access token, refreshed through api_authorizer_token (keeping the new refresh token) when due. */
export async function authorizerAccessToken(deps: TokenDeps, appid: string, latestTicket: TicketReader, aheadMs = REFRESH_AHEAD_MS) {
  return refreshOnce(deps, authorizerTokenKey(appid), aheadMs, async () => {
    const current = await authorizerRefreshToken(deps, appid);
    if (!current) throw new DomainError('not_found', `${appid} is not an authorizer of this platform`);
    const component = await componentAccessToken(deps, latestTicket);
    const answer = await callWechat<{ authorizer_access_token: string; expires_in: number; authorizer_refresh_token?: string }>(deps.config.wechatApiBase, {
      path: 'cgi-bin/component/api_authorizer_token',
      query: { component_access_token: component.token.token },
      body: { component_appid: deps.config.wechatComponent.appId, authorizer_appid: appid, authorizer_refresh_token: current.refreshToken },
    });
    const now = Date.now();
    const expiresAt = now + answer.expires_in * 1000;
    // Decided on the refresh token it was made with: a re-authorisation recorded meanwhile makes this refresh lose, not overwrite it.
    await handleCommand(
      { store: deps.store, metadata: systemMetadata('wxcomponent-token'), snapshots: deps.snapshots },
      authorizerStream(appid),
      authorizerDecider,
      {
        type: 'RecordAuthorizerTokenRefresh',
        appid,
        refreshedWith: current.sealed,
        sealedAccessToken: seal(answer.authorizer_access_token, deps.config.dataKey),
        sealedRefreshToken: answer.authorizer_refresh_token ? seal(answer.authorizer_refresh_token, deps.config.dataKey) : current.sealed,
        expiresAt: new Date(expiresAt),
        now: new Date(now),
      },
      { snapshot: AUTHORIZER_SNAPSHOTS },
    );
    return { token: answer.authorizer_access_token, expiresAt };
  });
}
