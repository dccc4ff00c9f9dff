import type { JobQueues } from '../../runtime/queues';

/**
 * One delayed BullMQ job per session, id `expire-<sessionId>`, due at the session's deadline. A
 * heartbeat moves that same job later; a job that still fires early (the heartbeat raced it) moves
 * itself. A periodic sweep over the logs read model catches sessions whose job was lost.
 */
export const EXPIRY_QUEUE = 'license-expiry';

export interface ExpiryJob {
  sn: string;
  sessionId: string;
}

export const expiryJobId = (sessionId: string): string => `expire-${sessionId}`;

/** `moved`: the session already has a job (a heartbeat), so move it rather than add one. */
export async function scheduleExpiry(queues: JobQueues, sn: string, sessionId: string, deadline: number, moved: boolean, now = Date.now()): Promise<void> {
  const delay = Math.max(0, deadline - now);
  const existing = moved ? await queues.get(EXPIRY_QUEUE).getJob(expiryJobId(sessionId)) : undefined;
  if (existing) {
    // Only a waiting delayed job can be moved; an active one re-checks the deadline itself.
    await existing.changeDelay(delay).catch(() => undefined);
    return;
  }
  await queues.add<ExpiryJob>(EXPIRY_QUEUE, 'expire', { sn, sessionId }, { jobId: expiryJobId(sessionId), delay, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } });
}

/** The session ended some other way: its job would find nothing to do, so drop it. */
export async function forgetExpiry(queues: JobQueues, sessionId: string): Promise<void> {
  await queues
    .get(EXPIRY_QUEUE)
    .remove(expiryJobId(sessionId))
    .catch(() => undefined);
}
