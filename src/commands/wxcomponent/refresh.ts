import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Knex } from 'knex';
import { defineQueue } from '../../jobs/definition';
import type { JobQueues } from '../../runtime/queues';
import { authorizedAppids } from '../../projections/wxcomponent/command-queries';
import { isRetryable } from '../../wechat/client';
import { DomainError } from '../domain-error';
import { latestTicketReader, type ReceiveDeps } from './receive';
import { authorizerAccessToken, authorizerTokenKey, componentAccessToken, componentTokenKey, readCachedToken, type TokenDeps } from './tokens';

/**
 * Token refresh schedule. Each token is refreshed at `expiresAt − LEAD − spread(id)`: the lead keeps
 * it well before WeChat's 7,200 s expiry, the spread (a stable hash of the account over SPREAD_MS)
 * keeps thousands of authorizers from refreshing in one burst. Job ids name the token and the
 * expiry they replace, so scheduling twice is a no-op; the Redis lock in refreshOnce keeps two
 * workers from calling WeChat twice for the same token.
 */
export const LEAD_MS = 20 * 60 * 1000;
export const SPREAD_MS = 10 * 60 * 1000;
/** A job refreshes anything expiring within this; it runs at most LEAD + SPREAD before expiry. */
export const WORKER_AHEAD_MS = LEAD_MS + SPREAD_MS + 60 * 1000;
export const SWEEP_EVERY_MS = 5 * 60 * 1000;

/** Pure: a stable offset in [0, SPREAD_MS) for a token id. */
export function spreadOf(id: string): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) % SPREAD_MS;
}

/** Pure: when the token of `id` expiring at `expiresAt` should be refreshed (null expiry: now, spread). */
export function refreshDueAt(id: string, expiresAt: number | null, now: number): number {
  if (expiresAt === null) return now + spreadOf(id);
  return Math.max(now, expiresAt - LEAD_MS - spreadOf(id));
}

export type RefreshJob = { kind: 'component' } | { kind: 'authorizer'; appid: string } | { kind: 'sweep' };
/** WeChat errors and quota (45009) retried with backoff 1, 2, 4 … 128 s: about 4 minutes, well inside the lead. */
export const REFRESH_QUEUE = defineQueue<RefreshJob>('wx-token-refresh', { attempts: 8, backoff: { type: 'exponential', delay: 1_000 } });

export async function scheduleRefresh(queues: JobQueues, job: Exclude<RefreshJob, { kind: 'sweep' }>, expiresAt: number | null, now = Date.now()): Promise<void> {
  const id = job.kind === 'component' ? 'component' : `authorizer-${job.appid}`;
  const due = refreshDueAt(id, expiresAt, now);
  await queues.add(REFRESH_QUEUE, job.kind, job, { jobId: `refresh-${id}-${expiresAt ?? 'missing'}`, delay: due - now });
}

/** Schedules every token that has none pending: the component token and each authorised account's. */
export async function sweep(deps: TokenDeps & { knex: Knex; queues: JobQueues }): Promise<number> {
  let scheduled = 0;
  if (await latestTicketReader(deps as ReceiveDeps)()) {
    const component = await readCachedToken(deps, componentTokenKey);
    await scheduleRefresh(deps.queues, { kind: 'component' }, component?.expiresAt ?? null);
    scheduled++;
  }
  for (const appid of await authorizedAppids(deps.knex)) {
    const cached = await readCachedToken(deps, authorizerTokenKey(appid));
    await scheduleRefresh(deps.queues, { kind: 'authorizer', appid }, cached?.expiresAt ?? null);
    scheduled++;
  }
  return scheduled;
}

/** One refresh job: refresh if due, then schedule the next one for the new expiry. */
export async function runRefresh(deps: TokenDeps & { knex: Knex; queues: JobQueues }, job: RefreshJob): Promise<{ refreshed: boolean }> {
  try {
    if (job.kind === 'sweep') {
      await sweep(deps);
      return { refreshed: false };
    }
    const ticket = latestTicketReader(deps as ReceiveDeps);
    const result =
      job.kind === 'component' ? await componentAccessToken(deps, ticket, WORKER_AHEAD_MS) : await authorizerAccessToken(deps, job.appid, ticket, WORKER_AHEAD_MS);
    await scheduleRefresh(deps.queues, job, result.token.expiresAt);
    return { refreshed: result.refreshed };
  } catch (err) {
    // An account that left, or a refusal WeChat will repeat: retrying only burns quota.
    if (err instanceof DomainError && err.code === 'not_found') throw new UnrecoverableError(err.message);
    if (!isRetryable(err) && !(err instanceof DomainError)) throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
    throw err;
  }
}
