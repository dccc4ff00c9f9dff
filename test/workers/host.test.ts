import assert from 'node:assert/strict';
import pino from 'pino';
import { defineQueue } from '../../src/jobs/definition';
import { createWorkerHost, type WorkerHost } from '../../workers/host';
import { createRedis } from '../../src/redis/connection';
import { bullPrefix, createJobQueues, type JobQueues } from '../../src/runtime/queues';
import { deleteRedisPrefix, testRedisPrefix, testRedisUrl } from '../support/redis';

const slow = defineQueue<{ label: string }>('slow');

describe('background worker host (BullMQ on real Redis)', function () {
  this.timeout(20_000);
  const config = { redisUrl: testRedisUrl, redisPrefix: testRedisPrefix('host') };
  const prefix = bullPrefix(config);
  let host: WorkerHost;
  let queues: JobQueues;
  const finished: string[] = [];

  before(() => {
    queues = createJobQueues(config);
    host = createWorkerHost({
      connection: () => createRedis(testRedisUrl, { forBullmq: true }),
      prefix,
      logger: pino({ level: 'silent' }),
      jobs: [
        {
          queue: slow,
          concurrency: 2,
          processor: async (job) => {
            await new Promise((r) => setTimeout(r, 400));
            finished.push(String((job.data as { label: string }).label));
            return 'done';
          },
        },
      ],
    });
  });
  after(async () => {
    await host.stop();
    await queues.close();
    await deleteRedisPrefix(config.redisPrefix);
  });

  it('lets a running job finish when the host stops, and takes no new ones', async () => {
    host.start();
    const queue = queues.get(slow);
    await queues.add(slow, 'work', { label: 'in-flight' }, { jobId: 'in-flight' });
    const job = (await queue.getJob('in-flight'))!;
    for (let i = 0; i < 100 && !(await job.isActive()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(await job.isActive(), 'job never started');
    assert.ok((await queue.getWorkers()).length >= 1, 'a running host is listed as a worker of its queue');
    await host.stop();
    assert.deepEqual(finished, ['in-flight']);

    // After stopping, a queued job stays waiting.
    const probe = createRedis(testRedisUrl, { forBullmq: true });
    try {
      const { Queue } = await import('bullmq');
      const q = new Queue('slow', { connection: probe, prefix });
      const state = await (await q.getJob('in-flight'))?.getState();
      assert.equal(state, 'completed');
      // Not a sleep: Redis lists the connections of every worker on this queue, and none is left to take a job.
      assert.deepEqual(await q.getWorkers(), []);
      const later = await q.add('work', { label: 'after-stop' }, { jobId: 'after-stop' });
      assert.equal(await later.getState(), 'waiting');
      assert.deepEqual(finished, ['in-flight']);
      await q.close();
    } finally {
      probe.disconnect();
    }
  });

  it('adds a job with the same id once (idempotent job ids)', async () => {
    const q = queues.get(slow);
    await queues.add(slow, 'work', { label: 'dup' }, { jobId: 'dup-1' });
    await queues.add(slow, 'work', { label: 'dup' }, { jobId: 'dup-1' });
    const counts = await q.getJobCounts('waiting', 'active', 'completed');
    assert.equal((await q.getJobs(['waiting'])).filter((j) => j.id === 'dup-1').length, 1);
    assert.ok((counts.waiting ?? 0) >= 1);
  });
});
