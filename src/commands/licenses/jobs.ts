import { DelayedError, type Job } from 'bullmq';
import type { Knex } from 'knex';
import type { JobDefinition } from '../../../workers/host';
import type { Dependencies } from '../../runtime/dependencies';
import { serializedPerKey } from '../stream-queue';
import { systemMetadata } from '../system-metadata';
import { EXPIRY_QUEUE, type ExpiryJob } from './expiry';
import { expireOverdue, loadLicense, type LicenseDeps } from './handler';

type ExpiryQueueJob = ExpiryJob | { sweep: true };

/** At most this many SNs per sweep run; the next run takes the rest. */
const SWEEP_BATCH = 2_000;
const SWEEP_PARALLEL = 16;

/**
 * Sessions this process has just ended. An ending is final, so a job finding its session here is
 * done without reading the stream: when many sessions of one SN fall due together, the first job
 * ends them all in one append and the others, already fetched by the worker, cost nothing.
 */
const recentlyEnded = new Map<string, number>();
const REMEMBER_MS = 60_000;
const REMEMBER_MAX = 200_000;

function remember(sessionIds: readonly string[], now: number): void {
  for (const id of sessionIds) recentlyEnded.set(id, now);
  for (const [id, at] of recentlyEnded) {
    if (recentlyEnded.size <= REMEMBER_MAX && at > now - REMEMBER_MS) break;
    recentlyEnded.delete(id);
  }
}

/** One session's job: ends it (with every other overdue session of its SN) once its deadline has passed. */
export async function runExpiry(deps: LicenseDeps, job: Pick<Job<ExpiryJob>, 'data' | 'id' | 'moveToDelayed'>, token: string | undefined, now = Date.now()): Promise<number> {
  const { sn, sessionId } = job.data;
  if (recentlyEnded.has(sessionId)) return 0;
  // Jobs of one SN run one at a time here, so the first ends the batch and the rest find it done.
  return serializedPerKey(`expiry-${sn}`, async () => {
    if (recentlyEnded.has(sessionId)) return 0;
    const session = (await loadLicense(deps, sn)).sessions[sessionId];
    if (!session) return 0;
    if (session.deadline > now) {
      // A heartbeat moved the deadline after this job was due: wait again for the new one.
      await job.moveToDelayed(session.deadline, token);
      throw new DelayedError();
    }
    const ended = await expireOverdue(deps, sn, systemMetadata('license-expiry', job.id ?? null));
    remember(ended, Date.now());
    return ended.length;
  });
}

/**
 * Catches what a lost job (a worker killed mid-way, a Redis failover) missed: every SN with a live
 * session past its deadline in the logs read model. A stale row (a heartbeat the projector has not
 * applied yet) only costs a no-op command, since the stream decides.
 */
export async function sweepOverdue(deps: LicenseDeps & { knex: Knex }, now = new Date()): Promise<number> {
  let rows: Array<{ sn: string }>;
  try {
    rows = await deps.knex('license_session_logs').where('live', true).where('deadline', '<=', now.toISOString()).distinct('sn').limit(SWEEP_BATCH);
  } catch (err) {
    // On a first start the projector has not created the read model yet: nothing to sweep.
    if ((err as { code?: string }).code === '42P01') return 0;
    throw err;
  }
  let ended = 0;
  for (let i = 0; i < rows.length; i += SWEEP_PARALLEL) {
    const batches = await Promise.all(rows.slice(i, i + SWEEP_PARALLEL).map((r) => expireOverdue(deps, r.sn, systemMetadata('license-sweep'))));
    for (const ids of batches) {
      remember(ids, Date.now());
      ended += ids.length;
    }
  }
  return ended;
}

export function licenseJobs(deps: Dependencies): JobDefinition[] {
  const expiry: JobDefinition<ExpiryQueueJob> = {
    queue: EXPIRY_QUEUE,
    concurrency: 32,
    defaults: { attempts: 5, backoff: { type: 'exponential', delay: 500 } },
    processor: async (job, token) => ('sweep' in job.data ? sweepOverdue(deps) : runExpiry(deps, job as Job<ExpiryJob>, token)),
  };
  // Upserting the scheduler is idempotent: every process may do it.
  deps.queues
    .get(EXPIRY_QUEUE)
    .upsertJobScheduler('license-sweep', { every: deps.config.licenseSweepMs }, { name: 'sweep', data: { sweep: true }, opts: { removeOnComplete: true, removeOnFail: { count: 100 } } })
    .catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not schedule the license session sweep'));
  return [expiry as JobDefinition];
}
