import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { rebuildProjection, runRebuildCommand, tableChecksum, verifyRebuild } from '../../src/projections/rebuild';
import { ProjectionRunner } from '../../src/projections/runner';
import { streamStatsProjection } from './sample-projection';
import {
  appendSamples,
  capturingLogger,
  checkpointOf,
  expectedStreamStats,
  projectionFixture,
  readSampleLog,
  readStreamStats,
  type ProjectionFixture,
  type SampleSpec,
} from './support';

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('projection rebuild', function () {
  let f: ProjectionFixture;
  let runner: ProjectionRunner | null = null;

  beforeEach(async () => {
    f = await projectionFixture('rebuild');
  });
  afterEach(async () => {
    await runner?.stop();
    runner = null;
    await f.teardown();
  });

  it('ends equal to the incrementally built tables, built from many small concurrent appends while the runner tails', async function () {
    this.timeout(60_000);
    const projection = streamStatsProjection();
    const runnerLog = capturingLogger();
    runner = new ProjectionRunner({ store: f.store, knex: f.knex, projections: [projection], batchSize: 50, lockRetryMs: 100, logger: runnerLog });
    await runner.start();

    const writers = 10;
    const appendsPerWriter = 80;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const next = random(w + 1);
        for (let i = 0; i < appendsPerWriter; i++) {
          const stream = `acct-${Math.floor(next() * 60)}`;
          const specs: SampleSpec[] = Array.from({ length: 1 + Math.floor(next() * 8) }, () => {
            const roll = next();
            if (roll < 0.04) return { type: 'SampleRemoved' };
            return { type: roll < 0.5 ? 'SampleAdded' : 'SampleAdjusted', amount: Math.floor(next() * 200) - 50 };
          });
          await appendSamples(f.store, stream, specs);
        }
      }),
    );
    await runner.catchUp({ timeoutMs: 30_000 });

    const log = await readSampleLog(f.store);
    assert.ok(log.length > 2000, `a few thousand events (${log.length})`);
    const expected = expectedStreamStats(log);
    assert.ok(expected.length > 20 && expected.length < 60, 'some streams exist, some were removed at the end');
    const stats = await readStreamStats(f.knex);
    if (!isDeepStrictEqual(stats, expected)) {
      // Says which promise broke: catchUp resolving before the runner applied the log, or the runner skipping events.
      const [at] = await runner.status();
      const last = log[log.length - 1]!.position;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const [later] = await runner.status();
      const converged = isDeepStrictEqual(await readStreamStats(f.knex), expected);
      assert.deepEqual(
        stats,
        expected,
        `after catchUp: checkpoint ${at!.checkpoint}, ${at!.eventsApplied} of ${log.length} events applied, last event at ${last.commit}-${last.prepare}; ` +
          `3 s later: checkpoint ${later!.checkpoint}, ${later!.eventsApplied} applied, the table ${converged ? 'matches (catchUp returned early)' : 'still differs (events skipped)'}`,
      );
    }
    const [incremental] = await runner.status();
    assert.ok(incremental!.batchesAppliedHere > 40, `built incrementally in many batches (${incremental!.batchesAppliedHere})`);
    assert.equal(incremental!.eventsAppliedHere, log.length);

    // The runner is still running: the rebuild makes it give the lock up, and it takes it back after.
    const report = await rebuildProjection({ store: f.store, knex: f.knex, projection, batchSize: 1000, lockTimeoutMs: 20_000, logger: capturingLogger() });
    assert.equal(report.eventsReplayed, log.length);
    assert.equal(report.tables.length, 1);
    assert.equal(report.tables[0]!.live.rows, expected.length);
    assert.equal(report.tables[0]!.rebuilt.rows, expected.length);
    assert.equal(report.tables[0]!.rebuilt.checksum, report.tables[0]!.live.checksum);
    assert.equal(report.checksumRebuilt, report.checksumLive);
    assert.equal(report.equal, true);
    assert.equal(report.swapped, true);
    assert.equal(report.position, await checkpointOf(f.knex, 'stream_stats', 1), 'the checkpoint is where the replay stopped');
    assert.ok(runnerLog.entries.some((e) => e.message.includes('yielding')), 'the live runner gave up its lock to the rebuild');

    // After the swap: live tables carry the rebuilt rows under the live names, and no shadow is left behind.
    assert.equal(await tableChecksum(f.knex, 'stream_stats_v1', ['stream_id']), report.tables[0]!.rebuilt.checksum);
    const relations = await f.knex('pg_class').where('relname', 'like', 'stream_stats%').pluck('relname');
    assert.deepEqual([...relations].sort(), ['stream_stats', 'stream_stats_v1', 'stream_stats_v1_last_type', 'stream_stats_v1_pkey']);

    // The runner resumes from the moved checkpoint: no event applied twice, none skipped.
    await appendSamples(f.store, 'acct-late', [{ type: 'SampleAdded', amount: 5 }]);
    await appendSamples(f.store, 'acct-1', [{ type: 'SampleAdjusted', amount: 1 }]);
    const last = await appendSamples(f.store, 'acct-2', [{ type: 'SampleAdjusted', amount: 1 }]);
    await runner.waitFor(last.position, { timeoutMs: 10_000 });
    assert.deepEqual(await readStreamStats(f.knex), expectedStreamStats(await readSampleLog(f.store)));
    assert.equal((await runner.status())[0]!.role, 'leading');
  });

  it('detects a difference: one changed live row makes the checksums differ, and a rebuild repairs it', async () => {
    const projection = streamStatsProjection();
    for (let i = 0; i < 30; i++) await appendSamples(f.store, `s-${i % 7}`, [{ type: 'SampleAdded', amount: i }, { type: 'SampleAdjusted', amount: 1 }]);
    await new ProjectionRunner({ store: f.store, knex: f.knex, projections: [projection], logger: capturingLogger() }).catchUp();
    const clean = await tableChecksum(f.knex, 'stream_stats_v1', ['stream_id']);

    await f.knex('stream_stats_v1').where({ stream_id: 's-3' }).increment('amount_sum', 1);
    assert.notEqual(await tableChecksum(f.knex, 'stream_stats_v1', ['stream_id']), clean);

    const compared = await rebuildProjection({ store: f.store, knex: f.knex, projection, swap: false, logger: capturingLogger() });
    assert.equal(compared.equal, false);
    assert.equal(compared.swapped, false);
    assert.notEqual(compared.checksumLive, compared.checksumRebuilt);
    assert.equal(compared.tables[0]!.rebuilt.checksum, clean);
    assert.equal(compared.tables[0]!.live.rows, compared.tables[0]!.rebuilt.rows, 'same rows, different contents');
    // The shadow is left for inspection, and verifyRebuild says the same.
    const again = await verifyRebuild(f.knex, projection);
    assert.deepEqual(again, compared.tables);

    const repaired = await rebuildProjection({ store: f.store, knex: f.knex, projection, logger: capturingLogger() });
    assert.equal(repaired.equal, false, 'compared before the swap, live was still wrong');
    assert.equal(await tableChecksum(f.knex, 'stream_stats', ['stream_id']), clean, 'the view now shows the rebuilt rows');
    assert.deepEqual(await readStreamStats(f.knex), expectedStreamStats(await readSampleLog(f.store)));

    // A second rebuild finds no leftover names in its way and agrees.
    const second = await rebuildProjection({ store: f.store, knex: f.knex, projection, logger: capturingLogger() });
    assert.equal(second.equal, true);
  });

  it('builds a version that never ran and makes it the one readers see', async () => {
    await appendSamples(f.store, 'new', [{ type: 'SampleAdded', amount: 4 }]);
    const report = await rebuildProjection({ store: f.store, knex: f.knex, projection: streamStatsProjection(), logger: capturingLogger() });
    assert.equal(report.eventsReplayed, 1);
    assert.deepEqual(await readStreamStats(f.knex), [
      { stream_id: 'new', event_count: 1, last_type: 'SampleAdded', first_revision: 0, last_revision: 0, amount_sum: 4 },
    ]);
  });

  it('runs as a command: one report line per named projection, and refuses unknown names', async () => {
    await appendSamples(f.store, 'c', [{ type: 'SampleAdded', amount: 1 }, { type: 'SampleAdded', amount: 2 }]);
    const projections = [streamStatsProjection(), streamStatsProjection({ name: 'other_stats' })];
    await new ProjectionRunner({ store: f.store, knex: f.knex, projections, logger: capturingLogger() }).catchUp();
    const lines: string[] = [];
    const reports = await runRebuildCommand({ store: f.store, knex: f.knex, projections, names: ['other_stats'], print: (l) => lines.push(l), logger: capturingLogger() });
    assert.deepEqual(
      reports.map((r) => [r.name, r.eventsReplayed, r.equal]),
      [['other_stats', 2, true]],
    );
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^other_stats v1: replayed 2 events in \d+\.\d\d s .*checksum live [0-9a-f]{32} rebuilt [0-9a-f]{32} \(equal; swapped in\)$/);
    await assert.rejects(runRebuildCommand({ store: f.store, knex: f.knex, projections, names: ['nope'] }), /unknown projection nope; known: other_stats, stream_stats/);
    await assert.rejects(runRebuildCommand({ store: f.store, knex: f.knex, projections, names: [] }), /name the projections/);
  });
});
