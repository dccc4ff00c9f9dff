import { Queue, Worker, type Job, type JobsOptions, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** One kind of background job: its queue, how it runs, and how many run at once per process. */
export interface JobDefinition<Data = unknown, Result = unknown> {
  queue: string;
  processor: Processor<Data, Result>;
  concurrency?: number;
  /** Defaults for jobs added to this queue (attempts, backoff, removal). */
  defaults?: JobsOptions;
}

export interface WorkerHost {
  queue(name: string): Queue;
  start(): void;
  /** Stops taking new jobs and waits for the running ones to finish. */
  stop(): Promise<void>;
  readonly running: boolean;
}

/**
 * Runs BullMQ workers for the given job definitions on one Redis connection factory. Every queue
 * shares one key prefix so deployments (and test runs) on the same Redis stay apart.
 */
export function createWorkerHost(deps: {
  connection: () => Redis;
  prefix: string;
  jobs: JobDefinition[];
  logger: Logger;
}): WorkerHost {
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  let running = false;

  const connect = () => {
    const c = deps.connection();
    connections.push(c);
    return c;
  };

  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) {
      const def = deps.jobs.find((j) => j.queue === name);
      q = new Queue(name, {
        connection: connect(),
        prefix: deps.prefix,
        defaultJobOptions: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: { age: 24 * 3600, count: 10_000 },
          removeOnFail: { age: 7 * 24 * 3600 },
          ...def?.defaults,
        },
      });
      queues.set(name, q);
    }
    return q;
  };

  return {
    queue,
    get running() {
      return running;
    },
    start() {
      if (running) return;
      running = true;
      for (const def of deps.jobs) {
        const worker = new Worker(def.queue, def.processor, {
          connection: connect(),
          prefix: deps.prefix,
          concurrency: def.concurrency ?? 4,
        });
        worker.on('failed', (job: Job | undefined, err: Error) => {
          deps.logger.warn({ queue: def.queue, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
        });
        worker.on('error', (err) => deps.logger.error({ queue: def.queue, err: err.message }, 'worker error'));
        workers.push(worker);
      }
    },
    async stop() {
      running = false;
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
      await Promise.all(connections.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
