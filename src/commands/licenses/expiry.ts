import type { JobQueues } from '../../runtime/queues';

/**
 * One delayed BullMQ job per SN and deadline second, id `expire-<sn>-<second>`, due at that
 * second's end. Sessions of one SN falling due together share it (10,000 sessions on 100 SNs timing
 * out at once are 100 jobs, not 10,000), and the job ends every overdue session of its SN in one
 * append. A heartbeat only moves a deadline later, so it schedules nothing: the job at the old
 * deadline finds the session alive and re-arms for the SN's next deadline. A periodic sweep over
 * the logs read model catches anything a lost job missed.
 */
export const EXPIRY_QUEUE = 'license-expiry';

export interface ExpiryJob {
  sn: string;
  /** The whole second (epoch seconds) this job stands for; it runs once that second has passed. */
  second: number;
}

/** The job that ends the sessions of `sn` due at `deadlineMs`: the deadline rounded up to a whole second. */
export const expirySecond = (deadlineMs: number): number => Math.ceil(deadlineMs / 1000);
export const expiryJobId = (sn: string, second: number): string => `expire-${sn}-${second}`;

/** Idempotent: sessions due in the same second of the same SN add the job once. */
export async function scheduleExpiry(queues: JobQueues, sn: string, deadlineMs: number, now = Date.now()): Promise<void> {
  const second = expirySecond(deadlineMs);
  await queues.add<ExpiryJob>(EXPIRY_QUEUE, 'expire', { sn, second }, { jobId: expiryJobId(sn, second), delay: Math.max(0, second * 1000 - now), removeOnComplete: true, removeOnFail: { age: 24 * 3600 } });
}
