import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JobDefinition } from '../src/jobs/definition';

export interface WorkerHost {
  start(): void;
  /** Stops taking new jobs and waits for the running ones to finish. */
  stop(): Promise<void>;
  readonly running: boolean;
}

/**
 * Runs BullMQ workers for the given job definitions on one Redis connection factory. Every queue
 * shares one key prefix so deployments (and test runs) on the same Redis stay apart. Jobs are
 * added by producers (src/runtime/queues.ts), which apply each queue's declared options.
 */
export function createWorkerHost(deps: {
  connection: () => Redis;
  prefix: string;
  jobs: JobDefinition[];
  logger: Logger;
}): WorkerHost {
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  let running = false;

  const connect = () => {
    const c = deps.connection();
    connections.push(c);
    return c;
  };

  return {
    get running() {
      return running;
    },
    start() {
      if (running) return;
      running = true;
      for (const def of deps.jobs) {
        const queue = def.queue.name;
        const worker = new Worker(queue, def.processor, {
          connection: connect(),
          prefix: deps.prefix,
          concurrency: def.concurrency ?? 4,
        });
        worker.on('failed', (job: Job | undefined, err: Error) => {
          deps.logger.warn({ queue, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
        });
        worker.on('error', (err) => deps.logger.error({ queue, err: err.message }, 'worker error'));
        workers.push(worker);
      }
    },
    async stop() {
      running = false;
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await Promise.all(connections.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
