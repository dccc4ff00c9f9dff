import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { authenticateAccessToken, type InsightPrincipal } from '../api/insight/access-token';
import { clientNetwork } from '../commands/client-network';
import { DomainError } from '../commands/domain-error';
import type { Dependencies } from '../runtime/dependencies';
import { currentLiveConfigs, matchLiveConfig, type LiveConfig } from './live-configs';
import { userHoldsCode } from './permitted-codes';
import { takeCallFor } from './rate-limit';
import type { Config } from '../config';

export type GateDeps = Pick<Dependencies, 'redis' | 'store' | 'snapshots'> & { knex: Knex; redis: Redis; config: Pick<Config, 'rateLimitAddressFactor'> };

export interface GateRequest {
  /** The method the matched route serves (a HEAD is a GET here). */
  method: string;
  /** The canonical path (see `canonicalPath`, `RequestState.routePath`): configs are matched on it, never on a raw path. */
  path: string;
  authorization: string | undefined;
  /** The caller's device: asked only when a rate limit applies (it may mean reading the body). */
  device(): Promise<string>;
  /** The caller's network address (the client IP), limited alongside the device the caller names. */
  address: string | null;
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
    const verdict = await takeCallFor(deps.redis, limitSubjects(config, (await request.device()).slice(0, MAX_DEVICE), request.address, deps.config.rateLimitAddressFactor));
    if (verdict !== 'allowed') throw new DomainError('rate_limited', config.message || TOO_FREQUENT, { insightCode: 490, limit: verdict });
  }
  if (!config.verify && !config.authCode) return { config, principal: null };
  const principal = await authenticateAccessToken(deps, request.authorization);
  if (config.authCode && !(await userHoldsCode(deps, principal.appId, principal.userId, config.authCode))) {
    throw new DomainError('forbidden', '未授权', { insightCode: 403 });
  }
  return { config, principal };
}

/**
 * A limited config counts every call twice, and both must have room: once for the device the
 * caller names (`deviceId`, else its address) with the config's numbers, and once for its network
 * address with `factor` times them, so a caller inventing a new deviceId per request is still
 * limited (several devices behind one NAT share the larger allowance). Both are keyed by the
 * config, not the path asked for: every spelling of a path, and every path one `{id}` pattern
 * covers, shares one counter.
 */
function limitSubjects(config: LiveConfig, device: string, address: string | null, factor: number) {
  const endpoint = `${config.method} ${config.url}`;
  const network = clientNetwork(address);
  const limits = { gapSeconds: config.limitGap, cycleSeconds: config.limitCycle, max: config.limitMax };
  return [
    { subject: `${endpoint} ${device}`, limits },
    {
      subject: `${endpoint} addr:${network}`,
      limits: { ...limits, perGap: factor, max: limits.max === null ? null : limits.max * factor },
    },
  ];
}
