import type { JobQueues } from '../../runtime/queues';

/**
 * One delayed BullMQ job per nonce, id `qrlogin-expire-<nonceHash>`, due when the nonce's life
 * ends; it records QrLoginExpired (at most once: the decider appends nothing for a finished nonce).
 * A nonce that was used meanwhile drops its job.
 */
export const QR_EXPIRY_QUEUE = 'qrlogin-expiry';

export interface QrExpiryJob {
  nonceHash: string;
}

export const qrExpiryJobId = (nonceHash: string): string => `qrlogin-expire-${nonceHash}`;

export async function scheduleQrExpiry(queues: JobQueues, nonceHash: string, expiresAt: number, now = Date.now()): Promise<void> {
  await queues.add<QrExpiryJob>(QR_EXPIRY_QUEUE, 'expire', { nonceHash }, {
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
