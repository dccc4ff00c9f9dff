import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { formatPosition } from '../../src/eventstore/port';
import type { Projection } from '../../src/projections/projection';
import { rebuildProjection } from '../../src/projections/rebuild';
import { ProjectionRunner } from '../../src/projections/runner';
import { newEvent } from '../support/events';
import { streamStatsProjection } from './sample-projection';
import {
  appendSamples,
  capturingLogger,
  checkpointOf,
  eventually,
  expectedStreamStats,
  projectionFixture,
  readSampleLog,
  readStreamStats,
  sampleEvent,
  type ProjectionFixture,
} from './support';

describe('projection runner', function () {
  let f: ProjectionFixture;
  const runners: ProjectionRunner[] = [];
  const runner = (projections: Projection[], extra: Partial<ConstructorParameters<typeof ProjectionRunner>[0]> = {}) => {
    const r = new ProjectionRunner({ store: f.store, knex: f.knex, projections, logger: capturingLogger(), lockRetryMs: 100, ...extra });
    runners.push(r);
    return r;
  };

  beforeEach(async () => {
    f = await projectionFixture('runner');
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await f.teardown();
  });

  it('builds the rows readers see through the view when it catches up', async () => {
    await appendSamples(f.store, 'acct-a', [
      { type: 'SampleAdded', amount: 5 },
      { type: 'SampleAdjusted', amount: -2 },
    ]);
    await appendSamples(f.store, 'acct-b', [{ type: 'SampleAdded', amount: 7 }]);
    await f.store.appendToStream('acct-a', [newEvent('SomethingElse', { amount: 1000 })]);
    await appendSamples(f.store, 'acct-c', [{ type: 'SampleAdded', amount: 1 }, { type: 'SampleRemoved' }]);
    await appendSamples(f.store, 'acct-b', [{ type: 'SampleRemoved' }, { type: 'SampleAdded', amount: 3 }]);
    const last = await appendSamples(f.store, 'acct-a', [{ type: 'SampleAdjusted', amount: 10 }]);
    await f.store.appendToStream('acct-z', [newEvent('SomethingElse', {})]);

    const r = runner([streamStatsProjection()], { batchSize: 3 });
    const before = await r.status();
    assert.equal(before[0]!.state, null);
    assert.equal(before[0]!.role, 'stopped');

    await r.catchUp();

    assert.deepEqual(await readStreamStats(f.knex), [
      // acct-a: revision 2 is the SomethingElse event, which the projection never sees.
      { stream_id: 'acct-a', event_count: 3, last_type: 'SampleAdjusted', first_revision: 0, last_revision: 3, amount_sum: 13 },
      { stream_id: 'acct-b', event_count: 1, last_type: 'SampleAdded', first_revision: 2, last_revision: 2, amount_sum: 3 },
    ]);
    const views = await f.knex('pg_views').where({ schemaname: 'public', viewname: 'stream_stats' }).select('definition');
    assert.equal(views.length, 1, 'stream_stats is a view');
    assert.match(String(views[0].definition), /stream_stats_v1/);
    const indexes = (await f.knex('pg_indexes').where({ tablename: 'stream_stats_v1' }).pluck('indexname')).sort();
    assert.deepEqual(indexes, ['stream_stats_v1_last_type', 'stream_stats_v1_pkey']);

    const [status] = await r.status();
    assert.equal(status!.state, 'active');
    assert.equal(status!.activeVersion, 1);
    assert.equal(status!.checkpoint, formatPosition(last.position), 'the checkpoint is the last handled event, not the later unrelated one');
    assert.equal(status!.eventsApplied, 8);
    assert.equal(status!.lagEvents, 0);
    assert.ok(status!.lastAppliedAt instanceof Date);
    assert.equal(status!.lastError, null);
  });

  it('reports the lag before catching up', async () => {
    const r = runner([streamStatsProjection()]);
    await r.catchUp();
    await appendSamples(f.store, 's', [{ type: 'SampleAdded', amount: 1 }, { type: 'SampleAdded', amount: 1 }]);
    await f.store.appendToStream('s', [newEvent('SomethingElse', {})]);
    assert.equal((await r.status())[0]!.lagEvents, 2);
    await r.catchUp();
    assert.equal((await r.status())[0]!.lagEvents, 0);
  });

  it('lets a writer wait until its own write is readable', async () => {
    const r = runner([streamStatsProjection()]);
    await r.start();
    const written = await appendSamples(f.store, 'ryw', [{ type: 'SampleAdded', amount: 42 }]);
    await r.waitFor(written.position, { timeoutMs: 5000 });
    assert.deepEqual(await readStreamStats(f.knex), [
      { stream_id: 'ryw', event_count: 1, last_type: 'SampleAdded', first_revision: 0, last_revision: 0, amount_sum: 42 },
    ]);

    // A position the projection does not handle still resolves, once everything before it is applied.
    await appendSamples(f.store, 'ryw', [{ type: 'SampleAdjusted', amount: 1 }]);
    const unrelated = await f.store.appendToStream('other', [newEvent('SomethingElse', {})]);
    await r.waitFor(unrelated.position, { timeoutMs: 5000 });
    assert.equal((await readStreamStats(f.knex))[0]!.amount_sum, 43);
    const [status] = await r.status();
    assert.equal(status!.role, 'leading');
    assert.ok(status!.eventsPerSecond > 0);
  });

  it('commits a batch and its checkpoint together: a failing batch leaves no trace and is retried until it passes', async () => {
    // 1000 events over 20 streams, appended in order; no removals, so the sum of event_count is the number of events applied.
    for (let i = 0; i < 100; i++) {
      await f.store.appendToStream(`s-${String(i % 20).padStart(2, '0')}`, Array.from({ length: 10 }, (_, j) => sampleEvent({ type: 'SampleAdded', amount: i * 10 + j })));
    }
    const log = await readSampleLog(f.store);
    assert.equal(log.length, 1000);
    const poison = log[550]!;

    let faulty = true;
    let insideFailedBatch: number | null = null;
    const sample = streamStatsProjection();
    const flaky: Projection = {
      ...sample,
      async apply(trx, events, tables) {
        await sample.apply(trx, events, tables);
        if (faulty && events.some((e) => e.eventId === poison.eventId)) {
          insideFailedBatch = await appliedEventCount(trx, tables.stream_stats!);
          throw new Error('poisoned event');
        }
      },
    };
    const logger = capturingLogger();
    const r = runner([flaky], { batchSize: 100, logger, retryBackoff: { initialMs: 20, maxMs: 100 } });
    await r.start();
    await eventually('the poisoned batch failed twice', async () => ((await r.status())[0]?.consecutiveFailures ?? 0) >= 2);

    const [failing] = await r.status();
    assert.equal(failing!.lastError?.message, 'poisoned event');
    assert.equal(failing!.role, 'leading', 'the runner keeps going instead of crashing');
    assert.equal(insideFailedBatch, 600, 'inside the failed transaction the batch had been written');
    assert.equal(await checkpointOf(f.knex, 'stream_stats', 1), formatPosition(log[499]!.position), 'the checkpoint stays before the failing batch');
    assert.equal(await appliedEventCount(f.knex, 'stream_stats_v1'), 500, 'nothing of the failing batch is visible');
    assert.deepEqual(await readStreamStats(f.knex, 'stream_stats_v1'), expectedStreamStats(log.slice(0, 500)));
    assert.ok(logger.entries.some((e) => e.level === 'error' && e.message.includes('batch failed')));
    assert.equal((await r.status())[0]!.state, 'building', 'a version that never caught up is not shown to readers');

    faulty = false;
    await r.catchUp({ timeoutMs: 10_000 });
    assert.deepEqual(await readStreamStats(f.knex), expectedStreamStats(log));
    assert.equal(await checkpointOf(f.knex, 'stream_stats', 1), formatPosition(log[999]!.position));
    const [recovered] = await r.status();
    assert.equal(recovered!.consecutiveFailures, 0);
    assert.equal(recovered!.eventsApplied, 1000, 'every event applied exactly once');

    // And it equals a clean build: a replay from zero into shadow tables.
    const report = await rebuildProjection({ store: f.store, knex: f.knex, projection: sample, swap: false, logger: capturingLogger(), lockTimeoutMs: 10_000 });
    assert.equal(report.equal, true);
    assert.equal(report.tables[0]!.rebuilt.rows, 20);
  });

  it('stops promptly whenever stop comes, even while a new version is being activated', async function () {
    this.timeout(120_000);
    await appendSamples(f.store, 'acct-a', [{ type: 'SampleAdded', amount: 1 }]);
    for (let delayMs = 0; delayMs <= 300; delayMs += 15) {
      const r = new ProjectionRunner({ store: f.store, knex: f.knex, projections: [streamStatsProjection({ version: 100 + delayMs })], logger: capturingLogger(), lockRetryMs: 20 });
      await r.start();
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const stopped = await Promise.race([r.stop().then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 5_000))]);
      assert.equal(stopped, true, `stop() hung when called ${delayMs} ms after start`);
    }
  });

  it('on a stopped runner, catchUp throws the failing batch error and keeps the checkpoint', async () => {
    const first = await appendSamples(f.store, 'x', [{ type: 'SampleAdded', amount: 1 }]);
    const sample = streamStatsProjection();
    await runner([sample]).catchUp();
    await appendSamples(f.store, 'x', [{ type: 'SampleAdded', amount: 2 }]);
    const broken: Projection = {
      ...sample,
      async apply() {
        throw new Error('boom');
      },
    };
    await assert.rejects(runner([broken]).catchUp(), /boom/);
    assert.equal(await checkpointOf(f.knex, 'stream_stats', 1), formatPosition(first.position));
  });
});

async function appliedEventCount(db: Knex | Knex.Transaction, table: string): Promise<number> {
  const res = await db.raw(`select coalesce(sum(event_count), 0)::int as n from "${table}"`);
  return (res.rows[0] as { n: number }).n;
}
