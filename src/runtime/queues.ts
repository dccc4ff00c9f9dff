import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { BASE_JOB_OPTIONS, jobOptions, type QueueDefinition } from '../jobs/definition';
import { createRedis, RedisUnavailableError } from '../redis/connection';

/**
 * Producers: any role (the API included) can enqueue jobs; only the workers role runs them.
 * Queues are created on first use and share the deployment's key prefix with the workers. A job
 * gets its queue's declared options (QueueDefinition.defaults) under the producer's own.
 */
export interface JobQueues {
  add<Data>(queue: QueueDefinition<Data>, name: string, data: Data, options?: JobsOptions): Promise<void>;
  get(queue: QueueDefinition | string): Queue;
  close(): Promise<void>;
}

export const bullPrefix = (config: Pick<Config, 'redisPrefix'>): string => `${config.redisPrefix}bull`;

/**
 * `addTimeoutMs`: an enqueue that Redis does not confirm in time fails as unavailable. BullMQ's
 * connections wait for Redis forever by design; the job may still be added later (its id makes
 * that harmless).
 */
export function createJobQueues(config: Pick<Config, 'redisUrl' | 'redisPrefix'>, addTimeoutMs?: number): JobQueues {
  const queues = new Map<string, Queue>();
  // BullMQ leaves a connection it was handed open on close(); these are ours to end.
  const connections: Redis[] = [];
  const get = (queue: QueueDefinition | string): Queue => {
    const name = typeof queue === 'string' ? queue : queue.name;
    let q = queues.get(name);
    if (!q) {
      const connection = createRedis(config.redisUrl, { forBullmq: true, name: 'authledger-producer' });
      connections.push(connection);
      q = new Queue(name, {
        connection,
        prefix: bullPrefix(config),
        defaultJobOptions: BASE_JOB_OPTIONS,
      });
      queues.set(name, q);
    }
    return q;
  };
  return {
    get,
    async add(queue, name, data, options) {
      const adding = get(queue).add(name, data, jobOptions(queue, options));
      if (!addTimeoutMs) {
        await adding;
        return;
      }
      adding.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([adding, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new RedisUnavailableError(`enqueuing ${queue.name} took over ${addTimeoutMs} ms`)), addTimeoutMs)))]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
      for (const connection of connections.splice(0)) connection.disconnect();
    },
  };
}
