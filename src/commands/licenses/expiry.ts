import { defineQueue } from '../../jobs/definition';
import type { JobQueues } from '../../runtime/queues';

/**
 * One delayed BullMQ job per SN and deadline slot (a quarter second), id `expire-<sn>-<dueAt>`,
 * due at the slot's end. Sessions of one SN falling due together share it (10,000 sessions on 100 SNs timing
 * out at once are 100 jobs, not 10,000), and the job ends every overdue session of its SN in one
 * append. A heartbeat only moves a deadline later, so it schedules nothing: the job at the old
 * deadline finds the session alive and re-arms for the SN's next deadline. A periodic sweep over
 * the logs read model catches anything a lost job missed.
 */
export interface ExpiryJob {
  sn: string;
  /** The end of the slot this job stands for (epoch ms); it runs once that moment has passed. */
  dueAt: number;
}

/** A failed expiry is retried 0.5, 1, 2, 4 s apart: a session should end close to its deadline. */
export const EXPIRY_QUEUE = defineQueue<ExpiryJob | { sweep: true }>('license-expiry', { attempts: 5, backoff: { type: 'exponential', delay: 500 } });

/** Short enough to add little lag, long enough that a burst of logins on one SN shares a job. */
const SLOT_MS = 250;

/** The slot end a deadline falls into: the moment the job for it runs. */
export const expiryDueAt = (deadlineMs: number): number => Math.ceil(deadlineMs / SLOT_MS) * SLOT_MS;
export const expiryJobId = (sn: string, dueAt: number): string => `expire-${sn}-${dueAt}`;

/** Idempotent: sessions of one SN due in the same slot add the job once. */
export async function scheduleExpiry(queues: JobQueues, sn: string, deadlineMs: number, now = Date.now()): Promise<void> {
  const dueAt = expiryDueAt(deadlineMs);
  await queues.add(EXPIRY_QUEUE, 'expire', { sn, dueAt }, { jobId: expiryJobId(sn, dueAt), delay: Math.max(0, dueAt - now), removeOnComplete: true, removeOnFail: { age: 24 * 3600 } });
}
