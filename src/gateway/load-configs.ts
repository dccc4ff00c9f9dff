import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { DomainError } from '../commands/domain-error';
import type { EventStore } from '../eventstore/port';
import type { Logger } from '../observability/logger';
import { interfaceConfigsProjection } from '../projections/configs/interface-configs';
import { allInterfaceConfigs } from '../projections/configs/queries';
import { committedHead } from '../projections/events-table';
import { hasPassed, hasReachedHead } from '../projections/progress-probes';
import { forgetLiveConfigs, liveConfigOf, storeLiveConfigs } from './live-configs';

export interface LoadDeps {
  knex: Knex;
  redis: Redis;
  store: EventStore;
}

/**
 * Resolves once the configs read model holds every config change committed before the call
 * (read-your-writes for `configs/load`). "Visible in the log" is not enough: the log hides a
 * committed event while an older transaction is still open, so a head read that way could end
 * before a config whose create already answered; with the PostgreSQL store the head is taken from
 * the events table itself.
 */
async function configsCaughtUp(deps: LoadDeps, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const head = deps.store.kind === 'postgres' ? await committedHead(deps.knex) : null;
  for (;;) {
    const done = head
      ? await hasPassed(deps.knex, deps.store, interfaceConfigsProjection, head)
      : await hasReachedHead(deps.knex, deps.store, interfaceConfigsProjection);
    if (done) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Reads every interface config from the read model (once it has caught up with the log) and
 * replaces the live set in Redis. An empty table is refused as the original did.
 */
export async function loadLiveConfigs(deps: LoadDeps, timeoutMs = 5_000): Promise<number> {
  if (!(await configsCaughtUp(deps, timeoutMs))) throw new DomainError('unavailable', '接口配置尚未同步完成,请稍后重新加载');
  const rows = await allInterfaceConfigs(deps.knex);
  if (rows.length === 0) throw new DomainError('not_found', '读取数据失败,请重新加载', { insightCode: 400 });
  await storeLiveConfigs(deps.redis, rows.map(liveConfigOf));
  forgetLiveConfigs(deps.redis);
  return rows.length;
}

/** At start: waits for the projector (which may run in another process), then loads. Never throws. */
export async function loadLiveConfigsAtStart(deps: LoadDeps, logger: Pick<Logger, 'info' | 'warn'>, timeoutMs = 60_000): Promise<void> {
  try {
    const loaded = await loadLiveConfigs(deps, timeoutMs);
    logger.info({ loaded }, 'interface configs loaded into Redis');
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'interface configs were not loaded at start; call configs/load');
  }
}
