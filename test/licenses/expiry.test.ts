import assert from 'node:assert/strict';
import { EXPIRY_QUEUE, expiryJobId, expiryDueAt } from '../../src/commands/licenses/expiry';
import { expireOverdue } from '../../src/commands/licenses/handler';
import { runExpiry } from '../../src/commands/licenses/jobs';
import { systemMetadata } from '../../src/commands/system-metadata';
import { startTestService, type TestService } from '../support/service';
import { licenseClient } from './support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('license session expiry by the workers (BullMQ)', function () {
  this.timeout(60_000);
  let svc: TestService;
  let c: ReturnType<typeof licenseClient>;

  before(async () => {
    svc = await startTestService('license_expiry', { LICENSE_SWEEP_MS: '1000' });
    c = licenseClient(svc);
  });
  after(async () => {
    await svc?.stop();
  });

  /** Polls the logs until the session's row has ended; returns its row and when that was seen. */
  async function endedRow(sn: string, machineId: string, withinMs: number) {
    const start = Date.now();
    while (Date.now() - start < withinMs) {
      const row = (await c.logs(sn)).find((r) => r.machine_id === machineId && !r.live);
      if (row) return row;
      await sleep(200);
    }
    throw new Error(`session of ${machineId} did not end within ${withinMs} ms`);
  }

  it('given a 2 s session timeout and no heartbeat, the session ends as timeout within a few seconds of its deadline', async () => {
    const sn = await c.issue({ heartbeatSeconds: 1, sessionTimeoutSeconds: 2 });
    const login = await c.login(sn, 'quiet');
    const deadline = Date.parse(login.body.expiresAt);
    const row = await endedRow(sn, 'quiet', 10_000);
    assert.equal(row.status, 'timeout');
    const endedAt = (row.end_time as Date).getTime();
    assert.ok(endedAt >= deadline && endedAt - deadline < 3_000, `ended ${endedAt - deadline} ms after the deadline`);
    assert.equal(await c.live(sn), 0);
  });

  it('given heartbeats, the deadline moves and the session ends only after they stop; heartbeats add no jobs', async () => {
    const sn = await c.issue({ heartbeatSeconds: 1, sessionTimeoutSeconds: 2 });
    const login = await c.login(sn, 'beating');
    const first = Date.parse(login.body.expiresAt);
    let deadline = first;
    for (let i = 0; i < 4; i++) {
      // Paced by the deadline the service answered, not a fixed interval: each heartbeat goes 1.2 s before it.
      await sleep(Math.max(0, deadline - 1_200 - Date.now()));
      const beat = await c.call('heartbeat', sn, login.body.sessionId);
      assert.equal(beat.status, 200, beat.text);
      assert.ok(Date.parse(beat.body.expiresAt) > deadline, 'each heartbeat moves the deadline later');
      deadline = Date.parse(beat.body.expiresAt);
    }
    assert.ok(Date.now() > first + 500, 'alive past its first deadline');
    const delayed = (await svc.deps.queues.get(EXPIRY_QUEUE).getDelayed()).filter((j) => j.data.sn === sn);
    assert.ok(delayed.length <= 1, `${delayed.length} jobs wait for one session: heartbeats must not pile them up`);
    const row = await endedRow(sn, 'beating', 10_000);
    assert.equal(row.status, 'timeout');
    assert.equal(row.cmd_exe_num, 4);
  });

  it('given 20 sessions of one SN logged in together, they share one job per deadline slot and all end as timeout', async () => {
    const sn = await c.issue({ seats: 20, heartbeatSeconds: 1, sessionTimeoutSeconds: 2 });
    const logins = await Promise.all(Array.from({ length: 20 }, (_, i) => c.login(sn, `crowd-${i}`)));
    const slots = new Set(logins.map((l) => expiryDueAt(Date.parse(l.body.expiresAt))));
    const jobs = (await svc.deps.queues.get(EXPIRY_QUEUE).getDelayed()).filter((j) => j.data.sn === sn);
    assert.deepEqual(jobs.map((j) => j.data.dueAt).sort(), [...slots].sort());
    assert.ok(jobs.length < 20, `${jobs.length} jobs for 20 sessions`);
    for (let i = 0; i < 20; i++) assert.equal((await endedRow(sn, `crowd-${i}`, 10_000)).status, 'timeout');
  });

  it('given a checkout until 2 s from now, it is checked in automatically (autoCheckin) within a few seconds of its end', async () => {
    const sn = await c.issue();
    const until = new Date(Date.now() + 2_000);
    assert.equal((await c.checkout(sn, 'borrower', until)).status, 201);
    const row = await endedRow(sn, 'borrower', 10_000);
    assert.equal(row.status, 'autoCheckin');
    assert.ok((row.end_time as Date).getTime() - until.getTime() < 3_000);
  });

  it('given the session’s job is lost (deleted, as by a killed worker), the periodic sweep still ends it as timeout', async () => {
    const sn = await c.issue({ heartbeatSeconds: 1, sessionTimeoutSeconds: 2 });
    const login = await c.login(sn, 'orphan');
    const queue = svc.deps.queues.get(EXPIRY_QUEUE);
    const jobId = expiryJobId(sn, expiryDueAt(Date.parse(login.body.expiresAt)));
    assert.ok(await queue.getJob(jobId), 'the job was there');
    await queue.remove(jobId);
    assert.equal(await queue.getJob(jobId), undefined);
    const row = await endedRow(sn, 'orphan', 10_000);
    assert.equal(row.status, 'timeout');
  });

  it('re-running an expiry job or the sweep on an ended session appends nothing', async () => {
    const sn = await c.issue({ heartbeatSeconds: 1, sessionTimeoutSeconds: 1 });
    const login = await c.login(sn, 'twice');
    await endedRow(sn, 'twice', 10_000);
    const before = await c.eventCount();
    const deps = { store: svc.deps.store, snapshots: svc.deps.snapshots, queues: svc.deps.queues };
    const job = { id: 'again', data: { sn, dueAt: expiryDueAt(Date.parse(login.body.expiresAt)) }, moveToDelayed: async () => assert.fail('must not wait') };
    assert.equal(await runExpiry(deps, job, undefined), 0);
    assert.deepEqual(await expireOverdue(deps, sn, systemMetadata('test')), []);
    assert.equal(await c.eventCount(), before);
  });
});
