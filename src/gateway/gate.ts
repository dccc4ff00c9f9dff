import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { authenticateAccessToken, type InsightPrincipal } from '../api/insight/access-token';
import { DomainError } from '../commands/domain-error';
import type { Dependencies } from '../runtime/dependencies';
import { currentLiveConfigs, matchLiveConfig, type LiveConfig } from './live-configs';
import { userHoldsCode } from './permitted-codes';
import { takeCall } from './rate-limit';

export type GateDeps = Pick<Dependencies, 'redis' | 'store' | 'snapshots'> & { knex: Knex; redis: Redis };

export interface GateRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** The caller's device: asked only when a rate limit applies (it may mean reading the body). */
  device(): Promise<string>;
}

export interface GateResult {
  /** null: no config governs the endpoint. */
  config: LiveConfig | null;
  /** Set when the config required a token. */
  principal: InsightPrincipal | null;
}

const TOO_FREQUENT = '您请求过于频繁，请稍后重试！';
const MAX_DEVICE = 128;

/**
 * Applies the live config of METHOD + path the way the original gateway did: the rate limit
 * first (before any token work, so a flood costs one Redis call each), then the token when the
 * config says verify (or names an authCode), then the authCode against the user's permitted codes.
 * Refusals are DomainErrors carrying the Insight code (490 / 421 / 422 / 413 / 403).
 */
export async function passGate(deps: GateDeps, request: GateRequest): Promise<GateResult> {
  const config = matchLiveConfig(await currentLiveConfigs(deps.redis), request.method, request.path);
  if (!config) return { config: null, principal: null };
  if (config.limit) {
    const device = (await request.device()).slice(0, MAX_DEVICE);
    const verdict = await takeCall(deps.redis, `${request.method.toUpperCase()} ${request.path} ${device}`, {
      gapSeconds: config.limitGap,
      cycleSeconds: config.limitCycle,
      max: config.limitMax,
    });
    if (verdict !== 'allowed') throw new DomainError('rate_limited', config.message || TOO_FREQUENT, { insightCode: 490, limit: verdict });
  }
  if (!config.verify && !config.authCode) return { config, principal: null };
  const principal = await authenticateAccessToken(deps, request.authorization);
  if (config.authCode && !(await userHoldsCode(deps, principal.appId, principal.userId, config.authCode))) {
    throw new DomainError('forbidden', '未授权', { insightCode: 403 });
  }
  return { config, principal };
}
