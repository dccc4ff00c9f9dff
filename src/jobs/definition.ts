import type { JobsOptions, Processor } from 'bullmq';

/**
 * A queue and the options every job added to it gets (attempts, backoff, removal) unless the
 * producer overrides one. Producers add through the definition (JobQueues.add), so what a context
 * declares here is what its jobs run with, in whichever process queued them.
 */
export interface QueueDefinition<Data = unknown> {
  readonly name: string;
  readonly defaults: JobsOptions;
  /** Only carries the job data's type. */
  readonly _data?: Data;
}

export const defineQueue = <Data>(name: string, defaults: JobsOptions = {}): QueueDefinition<Data> => ({ name, defaults });

/** Every queue's options before its own defaults: retried, and kept a while for inspection. */
export const BASE_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** What a job on `queue` runs with: the base, the queue's defaults, then the producer's own options. */
export const jobOptions = (queue: Pick<QueueDefinition, 'defaults'>, options: JobsOptions = {}): JobsOptions => ({ ...BASE_JOB_OPTIONS, ...queue.defaults, ...options });

/** One kind of background job: its queue, how it runs, and how many run at once per process. */
export interface JobDefinition<Data = unknown, Result = unknown> {
  queue: QueueDefinition<Data>;
  processor: Processor<Data, Result>;
  concurrency?: number;
}
