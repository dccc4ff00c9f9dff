import type { Dependencies } from '../../runtime/dependencies';
import { jobOptions, type JobDefinition } from '../../jobs/definition';
import { deliverQueued, FORWARD_QUEUE, type ForwardJob } from './forwarding';
import { pullAuthorizers, PULL_QUEUE } from './pull-authorizers';
import { completeAuthorization, type AuthorizationJob } from './authorization';
import { AUTHORIZATION_QUEUE } from './receive';
import { REFRESH_QUEUE, runRefresh, SWEEP_EVERY_MS, type RefreshJob } from './refresh';

/** Background work of the WeChat third-party platform context. */
export function wxcomponentJobs(deps: Dependencies): JobDefinition[] {
  const authorization: JobDefinition<AuthorizationJob> = {
    queue: AUTHORIZATION_QUEUE,
    concurrency: 4,
    processor: async (job) => completeAuthorization(deps, job.data),
  };
  const refresh: JobDefinition<RefreshJob> = {
    queue: REFRESH_QUEUE,
    concurrency: 8,
    processor: async (job) => runRefresh(deps, job.data),
  };
  const forward: JobDefinition<ForwardJob> = {
    queue: FORWARD_QUEUE,
    concurrency: 8,
    processor: async (job) => deliverQueued(deps, job.data, job.attemptsMade + 1, job.opts.attempts ?? 1),
  };
  const pull: JobDefinition<{ requestedBy: string }> = {
    queue: PULL_QUEUE,
    concurrency: 1,
    processor: async (job) => pullAuthorizers(deps, job.data.requestedBy),
  };
  // The sweep schedules every token that has no refresh pending; upserting the scheduler is idempotent.
  deps.queues
    .get(REFRESH_QUEUE)
    .upsertJobScheduler('wx-token-sweep', { every: SWEEP_EVERY_MS }, { name: 'sweep', data: { kind: 'sweep' }, opts: jobOptions(REFRESH_QUEUE) })
    .catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not schedule the WeChat token sweep'));
  return [authorization as JobDefinition, refresh as JobDefinition, forward as JobDefinition, pull as JobDefinition];
}
