import { UnrecoverableError, type Job } from 'bullmq';
import type { JobDefinition } from '../../jobs/definition';
import type { Dependencies } from '../../runtime/dependencies';
import { isRetryableWecomError, wecomErrcode } from '../../wecom/errors';
import { handleCommand } from '../handle';
import { systemMetadata } from '../system-metadata';
import { directoryDecider } from './directory-decider';
import { DIRECTORY_STREAM } from './events';
import { MESSAGE_QUEUE, sendQueuedMessage, type MessageJob } from './messages';
import { SYNC_QUEUE, syncDirectory, type SyncSummary } from './sync';

/** One directory sync; a sync that gives up (a bad secret at once, a rate limit after every retry) is recorded. */
async function runSync(deps: Dependencies, job: Job<{ requestedBy: string }>): Promise<SyncSummary> {
  const metadata = systemMetadata('wecom-sync', job.id ?? null);
  try {
    const summary = await syncDirectory(deps, metadata);
    deps.logger.info({ ...summary, requestedBy: job.data.requestedBy }, 'WeCom directory synced');
    return summary;
  } catch (err) {
    const retryable = isRetryableWecomError(err);
    const attempt = job.attemptsMade + 1;
    const reason = err instanceof Error ? err.message : String(err);
    if (!retryable || attempt >= (job.opts.attempts ?? 1)) {
      await handleCommand({ store: deps.store, metadata }, DIRECTORY_STREAM, directoryDecider, { type: 'RecordSyncFailure', errcode: wecomErrcode(err), reason, attempts: attempt, now: new Date() });
    }
    throw retryable ? err : new UnrecoverableError(reason);
  }
}

/** Background work of the WeCom context: directory sync and message sending. */
export function wecomJobs(deps: Dependencies): JobDefinition[] {
  const sync: JobDefinition<{ requestedBy: string }> = {
    queue: SYNC_QUEUE,
    concurrency: 1,
    processor: async (job) => runSync(deps, job),
  };
  const send: JobDefinition<MessageJob> = {
    queue: MESSAGE_QUEUE,
    concurrency: 8,
    processor: async (job) => sendQueuedMessage(deps, job.data, job.attemptsMade + 1, job.opts.attempts ?? 1),
  };
  return [sync as JobDefinition, send as JobDefinition];
}
