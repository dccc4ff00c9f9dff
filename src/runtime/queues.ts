import { Queue, type JobsOptions } from 'bullmq';
import type { Config } from '../config';
import { createRedis } from '../redis/connection';

/**
 * Producers: any role (the API included) can enqueue jobs; only the workers role runs them.
 * Queues are created on first use and share the deployment's key prefix with the workers.
 */
export interface JobQueues {
  add<Data>(queue: string, name: string, data: Data, options?: JobsOptions): Promise<void>;
  get(queue: string): Queue;
  close(): Promise<void>;
}

export const bullPrefix = (config: Pick<Config, 'redisPrefix'>): string => `${config.redisPrefix}bull`;

export function createJobQueues(config: Pick<Config, 'redisUrl' | 'redisPrefix'>): JobQueues {
  const queues = new Map<string, Queue>();
  const get = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: createRedis(config.redisUrl, { forBullmq: true, name: 'authledger-producer' }),
        prefix: bullPrefix(config),
        defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: { age: 24 * 3600, count: 10_000 }, removeOnFail: { age: 7 * 24 * 3600 } },
      });
      queues.set(name, q);
    }
    return q;
  };
  return {
    get,
    async add(queue, name, data, options) {
      await get(queue).add(name, data, options);
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}
