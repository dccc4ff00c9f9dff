import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { EXPIRY_QUEUE, expiryDueAt, expiryJobId, scheduleExpiry } from '../../src/commands/licenses/expiry';
import { QR_EXPIRY_QUEUE, qrExpiryJobId, scheduleQrExpiry } from '../../src/commands/qrlogin/expiry';
import { requestDirectorySync, SYNC_QUEUE } from '../../src/commands/wecom/sync';
import { REFRESH_QUEUE, scheduleRefresh } from '../../src/commands/wxcomponent/refresh';
import { defineQueue } from '../../src/jobs/definition';
import { createRedis } from '../../src/redis/connection';
import { bullPrefix, createJobQueues, type JobQueues } from '../../src/runtime/queues';
import { deleteRedisPrefix, testRedisPrefix, testRedisUrl } from '../support/redis';

/**
 * The options a queue declares are the ones its jobs carry, whichever process queued them: each
 * job is read back from Redis through a queue object of its own (as a worker in another process
 * would see it), not from the producer's memory.
 */
describe('declared job options reach the queued jobs (real BullMQ on Redis)', function () {
  this.timeout(20_000);
  const config = { redisUrl: testRedisUrl, redisPrefix: testRedisPrefix('job-options') };
  let queues: JobQueues;
  const readers: Queue[] = [];
  const connection = createRedis(testRedisUrl, { forBullmq: true });

  const storedJob = async (queueName: string, jobId: string) => {
    const reader = new Queue(queueName, { connection, prefix: bullPrefix(config) });
    readers.push(reader);
    const job = await reader.getJob(jobId);
    assert.ok(job, `no job ${jobId} in ${queueName}`);
    return job;
  };

  before(() => {
    queues = createJobQueues(config);
  });
  after(async () => {
    await Promise.all(readers.map((r) => r.close()));
    await queues.close();
    connection.disconnect();
    await deleteRedisPrefix(config.redisPrefix);
  });

  it('a QR-login expiry is retried 5 times from 500 ms, as its queue declares', async () => {
    await scheduleQrExpiry(queues, 'nonce-hash-1', Date.now() + 60_000);
    const job = await storedJob(QR_EXPIRY_QUEUE.name, qrExpiryJobId('nonce-hash-1'));
    assert.equal(job.opts.attempts, 5);
    assert.deepEqual(job.opts.backoff, { type: 'exponential', delay: 500 });
    assert.equal(job.opts.removeOnComplete, true, 'the producer’s own options still apply');
  });

  it('a license-session expiry is retried 5 times from 500 ms, as its queue declares', async () => {
    const deadline = Date.now() + 60_000;
    await scheduleExpiry(queues, 'SN-OPTIONS', deadline);
    const job = await storedJob(EXPIRY_QUEUE.name, expiryJobId('SN-OPTIONS', expiryDueAt(deadline)));
    assert.equal(job.opts.attempts, 5);
    assert.deepEqual(job.opts.backoff, { type: 'exponential', delay: 500 });
  });

  it('WeChat token refreshes and WeCom syncs carry their own retry budgets', async () => {
    await scheduleRefresh(queues, { kind: 'component' }, Date.now() + 7_200_000);
    const [refresh] = await queues.get(REFRESH_QUEUE).getDelayed();
    assert.ok(refresh);
    assert.equal((await storedJob(REFRESH_QUEUE.name, refresh.id!)).opts.attempts, 8);

    await requestDirectorySync(queues, 'spec');
    const [sync] = await queues.get(SYNC_QUEUE).getWaiting();
    assert.ok(sync);
    const stored = await storedJob(SYNC_QUEUE.name, sync.id!);
    assert.equal(stored.opts.attempts, 5);
    assert.deepEqual(stored.opts.backoff, { type: 'exponential', delay: 1_000 });
  });

  it('a producer’s option overrides the declared one; an undeclared option keeps the base', async () => {
    const declared = defineQueue<{ n: number }>('declared', { attempts: 2, backoff: { type: 'fixed', delay: 250 } });
    await queues.add(declared, 'work', { n: 1 }, { jobId: 'as-declared' });
    await queues.add(declared, 'work', { n: 2 }, { jobId: 'overridden', attempts: 9 });
    const asDeclared = await storedJob('declared', 'as-declared');
    assert.equal(asDeclared.opts.attempts, 2);
    assert.deepEqual(asDeclared.opts.backoff, { type: 'fixed', delay: 250 });
    assert.deepEqual(asDeclared.opts.removeOnFail, { age: 7 * 24 * 3600 });
    assert.equal((await storedJob('declared', 'overridden')).opts.attempts, 9);
  });
});
