import assert from 'node:assert/strict';
import pg from 'pg';
import { hasPassed } from '../../src/projections/progress-probes';
import { ProjectionRunner } from '../../src/projections/runner';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { streamStatsProjection } from './sample-projection';
import { appendSamples, capturingLogger, projectionFixture, type ProjectionFixture } from './support';

/**
 * The log hides events at or past the oldest transaction it cannot prove belongs to another
 * database. A transaction of another database that ends between a read's snapshot and its look at
 * pg_stat_activity counts as ours for that one read, so a read made after a position was visible
 * can see less than the one before it: "passed" must not be concluded from such a read.
 */
describe('projection progress: hasPassed while transactions of another database come and go', function () {
  let f: ProjectionFixture;
  let other: TestDatabase;

  beforeEach(async () => {
    f = await projectionFixture('probes');
    other = await createTestDatabase('probes_other');
  });
  afterEach(async () => {
    await f.teardown();
    await other.drop();
  });

  it('never says a position is passed while an event of the projection before it is unapplied', async function () {
    this.timeout(60_000);
    const projection = streamStatsProjection();
    // Not started: it applies the log only when asked to catch up, so each new event waits unapplied.
    const runner = new ProjectionRunner({ store: f.store, knex: f.knex, projections: [projection], logger: capturingLogger(), waitPollMs: 10 });
    await appendSamples(f.store, 'acct-0', [{ type: 'SampleAdded', amount: 1 }]);

    let stop = false;
    const churn = Array.from({ length: 8 }, async () => {
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      try {
        while (!stop) {
          await client.query('begin');
          await client.query('select pg_current_xact_id()');
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 100));
          await client.query('commit');
        }
      } finally {
        await client.end();
      }
    });

    let probes = 0;
    // Reads that did not see an event committed before them: the race this spec is about happening.
    let hiddenReads = 0;
    const wronglyPassed: string[] = [];
    try {
      const started = Date.now();
      for (let n = 1; (hiddenReads < 3 || Date.now() - started < 3_000) && Date.now() - started < 30_000; n++) {
        // The unapplied event is always the newest, so a transaction of the other database that
        // began before it and ends during a probe's read is enough to hide it from that read.
        await runner.catchUp();
        const { position } = await appendSamples(f.store, `acct-${n}`, [{ type: 'SampleAdded', amount: n }]);
        for (let i = 0; i < 10; i++) {
          probes++;
          if (await hasPassed(f.knex, f.store, projection, position)) wronglyPassed.push(`${position.commit}-${position.prepare}`);
          const seen = await f.store.readAll({ after: { commit: position.commit, prepare: position.prepare - 1n }, maxCount: 1 });
          if (seen.length === 0) hiddenReads++;
        }
      }
    } finally {
      stop = true;
      await Promise.all(churn);
    }
    assert.ok(hiddenReads > 0, `the log hid a committed event from some reads (${hiddenReads} of ${probes}), so the probes met the race`);
    assert.deepEqual(wronglyPassed, [], `${wronglyPassed.length} of ${probes} probes said an unapplied position was passed`);
  });
});
