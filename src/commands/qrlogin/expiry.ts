import { defineQueue } from '../../jobs/definition';
import type { JobQueues } from '../../runtime/queues';

/**
 * One delayed BullMQ job per nonce, id `qrlogin-expire-<nonceHash>`, due when the nonce's life
 * ends; it records QrLoginExpired (at most once: the decider appends nothing for a finished nonce).
 * A nonce that was used meanwhile drops its job.
 */
export interface QrExpiryJob {
  nonceHash: string;
}

/** A failed expiry is retried 0.5, 1, 2, 4 s apart: the nonce should read expired soon after its end. */
export const QR_EXPIRY_QUEUE = defineQueue<QrExpiryJob>('qrlogin-expiry', { attempts: 5, backoff: { type: 'exponential', delay: 500 } });

export const qrExpiryJobId = (nonceHash: string): string => `qrlogin-expire-${nonceHash}`;

export async function scheduleQrExpiry(queues: JobQueues, nonceHash: string, expiresAt: number, now = Date.now()): Promise<void> {
  await queues.add(QR_EXPIRY_QUEUE, 'expire', { nonceHash }, {
    jobId: qrExpiryJobId(nonceHash),
    delay: Math.max(0, expiresAt - now),
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600 },
  });
}

export async function forgetQrExpiry(queues: JobQueues, nonceHash: string): Promise<void> {
  await queues
    .get(QR_EXPIRY_QUEUE)
    .remove(qrExpiryJobId(nonceHash))
    .catch(() => undefined);
}
