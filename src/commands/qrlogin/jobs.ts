import { DelayedError, type Job } from 'bullmq';
import type { JobDefinition } from '../../jobs/definition';
import type { Dependencies } from '../../runtime/dependencies';
import { systemMetadata } from '../system-metadata';
import { QR_EXPIRY_QUEUE, type QrExpiryJob } from './expiry';
import { expireQrLogin } from './handler';

/** Records a nonce's expiry when its life ends; a job that fires early waits again for the deadline. */
export async function runQrExpiry(deps: Dependencies, job: Pick<Job<QrExpiryJob>, 'data' | 'id' | 'moveToDelayed'>, token: string | undefined): Promise<void> {
  const { dueAt } = await expireQrLogin(deps, job.data.nonceHash, systemMetadata('qrlogin-expiry', job.id ?? null));
  if (dueAt !== null) {
    await job.moveToDelayed(dueAt, token);
    throw new DelayedError();
  }
}

export function qrLoginJobs(deps: Dependencies): JobDefinition[] {
  const expiry: JobDefinition<QrExpiryJob> = {
    queue: QR_EXPIRY_QUEUE,
    concurrency: 16,
    processor: (job, token) => runQrExpiry(deps, job, token),
  };
  return [expiry as JobDefinition];
}
