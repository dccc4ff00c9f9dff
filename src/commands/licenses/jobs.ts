import { DelayedError, type Job } from 'bullmq';
import type { Knex } from 'knex';
import { jobOptions, type JobDefinition } from '../../jobs/definition';
import { snsWithOverdueSessions } from '../../projections/licenses/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { serializedPerKey } from '../stream-queue';
import { systemMetadata } from '../system-metadata';
import { EXPIRY_QUEUE, expiryDueAt, scheduleExpiry, type ExpiryJob } from './expiry';
import { expireOverdue, loadLicense, type LicenseDeps } from './handler';

type ExpiryQueueJob = ExpiryJob | { sweep: true };

/** At most this many SNs per sweep run; the next run takes the rest. */
const SWEEP_BATCH = 2_000;
const SWEEP_PARALLEL = 16;

/**
 * The job of one SN and slot: once its moment has passed, ends every overdue session of the SN
 * in one append, then re-arms for the SN's next deadline (a heartbeat moved it, or a later login
 * is due). Running it again finds nothing overdue and the next job already there: idempotent.
 */
export async function runExpiry(deps: LicenseDeps, job: Pick<Job<ExpiryJob>, 'data' | 'id' | 'moveToDelayed'>, token: string | undefined, now = Date.now()): Promise<number> {
  const { sn, dueAt } = job.data;
  if (now < dueAt) {
    // Another process's clock ran ahead of ours: wait for the moment to pass here too.
    await job.moveToDelayed(dueAt, token);
    throw new DelayedError();
  }
  // Jobs of one SN run one at a time here, so a second job finds the first one's work done.
  return serializedPerKey(`expiry-${sn}`, async () => {
    const ended = await expireOverdue(deps, sn, systemMetadata('license-expiry', job.id ?? null));
    const live = Object.values((await loadLicense(deps, sn)).sessions);
    const next = Math.min(...live.map((s) => s.deadline));
    if (Number.isFinite(next) && expiryDueAt(next) !== dueAt) await scheduleExpiry(deps.queues, sn, next);
    return ended.length;
  });
}

/**
 * Catches what a lost job (a worker killed mid-way, a Redis failover) missed: every SN with a live
 * session past its deadline in the logs read model. A stale row (a heartbeat the projector has not
 * applied yet) only costs a no-op command, since the stream decides.
 */
export async function sweepOverdue(deps: LicenseDeps & { knex: Knex }, now = new Date()): Promise<number> {
  const sns = await snsWithOverdueSessions(deps.knex, now, SWEEP_BATCH);
  let ended = 0;
  for (let i = 0; i < sns.length; i += SWEEP_PARALLEL) {
    const batches = await Promise.all(sns.slice(i, i + SWEEP_PARALLEL).map((sn) => expireOverdue(deps, sn, systemMetadata('license-sweep'))));
    for (const ids of batches) ended += ids.length;
  }
  return ended;
}

export function licenseJobs(deps: Dependencies): JobDefinition[] {
  const expiry: JobDefinition<ExpiryQueueJob> = {
    queue: EXPIRY_QUEUE,
    concurrency: 32,
    processor: async (job, token) => ('sweep' in job.data ? sweepOverdue(deps) : runExpiry(deps, job as Job<ExpiryJob>, token)),
  };
  // Upserting the scheduler is idempotent: every process may do it.
  deps.queues
    .get(EXPIRY_QUEUE)
    .upsertJobScheduler('license-sweep', { every: deps.config.licenseSweepMs }, { name: 'sweep', data: { sweep: true }, opts: jobOptions(EXPIRY_QUEUE, { removeOnComplete: true, removeOnFail: { count: 100 } }) })
    .catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not schedule the license session sweep'));
  return [expiry as JobDefinition];
}
