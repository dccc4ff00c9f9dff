import assert from 'node:assert/strict';
import { commitBatch } from '../../src/projections/batches';
import { physicalTables } from '../../src/projections/physical-tables';
import { CheckpointMovedError, LOG_START, prepareVersion } from '../../src/projections/registry';
import { ProjectionRunner, type ProjectionRunnerOptions } from '../../src/projections/runner';
import { streamStatsProjection } from './sample-projection';
import {
  appendSamples,
  capturingLogger,
  eventually,
  expectedStreamStats,
  projectionFixture,
  readSampleLog,
  readStreamStats,
  type ProjectionFixture,
} from './support';

describe('one runner per projection across processes', function () {
  let f: ProjectionFixture;
  const runners: ProjectionRunner[] = [];
  const runner = (instanceName: string, extra: Partial<ProjectionRunnerOptions> = {}) => {
    // Each runner has its own lock connection, as a separate process would.
    const r = new ProjectionRunner({ store: f.store, knex: f.knex, projections: [streamStatsProjection()], instanceName, lockRetryMs: 100, logger: capturingLogger(), ...extra });
    runners.push(r);
    return r;
  };
  const roleOf = async (r: ProjectionRunner) => (await r.status())[0]!.role;
  const appliedBy = async (r: ProjectionRunner) => (await r.status())[0]!.eventsAppliedHere;
  /** Resolves once the runner has finished `n` more rounds of lock housekeeping (each tries for the locks it lacks). */
  const lockRounds = (r: ProjectionRunner, n: number) =>
    new Promise<void>((resolve) => {
      const runnerWithTick = r as unknown as { tick: () => Promise<void> };
      const tick = runnerWithTick.tick;
      let left = n;
      runnerWithTick.tick = async function (this: unknown) {
        await tick.call(r);
        if (--left === 0) {
          runnerWithTick.tick = tick;
          resolve();
        }
      };
    });

  beforeEach(async () => {
    f = await projectionFixture('locks');
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await f.teardown();
  });

  it('runs a projection in one runner only; the standby takes over when the first stops', async () => {
    const first = runner('runner-a');
    const second = runner('runner-b');
    await first.start();
    await second.start();
    assert.equal(await roleOf(first), 'leading');
    assert.equal(await roleOf(second), 'standby');

    let last = await appendSamples(f.store, 'x', [{ type: 'SampleAdded', amount: 1 }]);
    for (let i = 0; i < 20; i++) last = await appendSamples(f.store, `s-${i % 3}`, [{ type: 'SampleAdded', amount: i }]);
    await first.waitFor(last.position, { timeoutMs: 10_000 });
    // Not a sleep: three more of the standby's own tries for the lock, each refused while the first holds it.
    await lockRounds(second, 3);
    assert.equal(await appliedBy(first), 21);
    assert.equal(await appliedBy(second), 0);
    assert.equal(await roleOf(second), 'standby');

    await first.stop();
    await eventually('the standby takes over', async () => (await roleOf(second)) === 'leading');
    last = await appendSamples(f.store, 'x', [{ type: 'SampleAdjusted', amount: 5 }]);
    await second.waitFor(last.position, { timeoutMs: 10_000 });
    assert.equal(await appliedBy(second), 1, 'it continues from the checkpoint the first one left');
    assert.deepEqual(await readStreamStats(f.knex), expectedStreamStats(await readSampleLog(f.store)));
  });

  it('hands the projection to a standby when the holder’s connection dies', async () => {
    // The holder would only retry after a minute; the standby every 100 ms.
    const holder = runner('runner-dying', { lockRetryMs: 60_000 });
    const standby = runner('runner-standby');
    await holder.start();
    await standby.start();
    let last = await appendSamples(f.store, 'y', [{ type: 'SampleAdded', amount: 2 }]);
    await holder.waitFor(last.position, { timeoutMs: 10_000 });
    assert.equal(await roleOf(holder), 'leading');
    assert.equal(await roleOf(standby), 'standby');

    const killed = await f.knex.raw(
      `select pg_terminate_backend(pid) as done from pg_stat_activity where datname = current_database() and application_name = 'runner-dying-locks'`,
    );
    assert.equal(killed.rows.length, 1, 'the holder has exactly one lock connection');

    await eventually('the standby takes over', async () => (await roleOf(standby)) === 'leading');
    assert.equal(await roleOf(holder), 'standby');
    const holderApplied = await appliedBy(holder);
    last = await appendSamples(f.store, 'y', [{ type: 'SampleAdjusted', amount: 3 }]);
    await standby.waitFor(last.position, { timeoutMs: 10_000 });
    assert.equal(await appliedBy(standby), 1);
    assert.equal(await appliedBy(holder), holderApplied, 'the old holder applies nothing more');
    assert.deepEqual(await readStreamStats(f.knex), expectedStreamStats(await readSampleLog(f.store)));
  });

  it('fences writers on the checkpoint: of two batches from the same checkpoint only one commits', async () => {
    const projection = streamStatsProjection();
    await prepareVersion(f.knex, projection);
    await appendSamples(f.store, 'z', [{ type: 'SampleAdded', amount: 10 }]);
    const events = await readSampleLog(f.store);
    const tables = physicalTables(projection);
    const results = await Promise.allSettled([
      commitBatch(f.knex, projection, tables, LOG_START, events),
      commitBatch(f.knex, projection, tables, LOG_START, events),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(rejected.reason instanceof CheckpointMovedError);
    assert.deepEqual(await readStreamStats(f.knex, 'stream_stats_v1'), [
      { stream_id: 'z', event_count: 1, last_type: 'SampleAdded', first_revision: 0, last_revision: 0, amount_sum: 10 },
    ]);
  });
});
