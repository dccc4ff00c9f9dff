import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import type { EventStore, ReadAllOptions } from '../../src/eventstore/port';
import type { Projection } from '../../src/projections/projection';
import { ProjectionRunner } from '../../src/projections/runner';
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

describe('projection versions', function () {
  let f: ProjectionFixture;
  const runners: ProjectionRunner[] = [];
  let gate: ReturnType<typeof openableGate> | null = null;
  const start = async (projection: Projection, batchSize = 2000, store: EventStore = f.store) => {
    const r = new ProjectionRunner({ store, knex: f.knex, projections: [projection], batchSize, lockRetryMs: 100, logger: capturingLogger() });
    runners.push(r);
    await r.start();
    return r;
  };

  beforeEach(async () => {
    f = await projectionFixture('versions');
  });
  afterEach(async () => {
    gate?.open();
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await f.teardown();
  });

  it('builds a new version beside the old one and switches the view only once it has caught up', async () => {
    for (let i = 0; i < 40; i++) await appendSamples(f.store, `s-${i % 8}`, [{ type: 'SampleAdded', amount: i }, { type: 'SampleAdjusted', amount: -1 }]);
    const v1 = await start(streamStatsProjection({ version: 1 }));
    await v1.catchUp({ timeoutMs: 10_000 });
    assert.deepEqual(await readStreamStats(f.knex), expectedStreamStats(await readSampleLog(f.store)));

    // Version 2 adds a column. Its second batch read waits at a gate, so the test can look at the
    // middle of its build. (Not inside apply: an open write transaction hides every later event
    // from all log readers until it ends, the old version's runner included.)
    const g = openableGate();
    gate = g;
    let batchReads = 0;
    const store = f.store;
    const gatedStore: EventStore = {
      kind: store.kind,
      appendToStream: (...args) => store.appendToStream(...args),
      readStream: (...args) => store.readStream(...args),
      async readAll(options: ReadAllOptions = {}) {
        if (options.maxCount === 20 && ++batchReads === 2) await g.reached();
        return store.readAll(options);
      },
      subscribeToAll: (...args) => store.subscribeToAll(...args),
      claimOwners: (...args) => store.claimOwners(...args),
      claimOwner: (...args) => store.claimOwner(...args),
      ping: () => store.ping(),
      close: async () => undefined,
    };
    const v2 = await start(streamStatsProjection({ version: 2, trackMax: true }), 20, gatedStore);
    await g.waitUntilReached();
    await eventually('the first batch of version 2 committed', async () => (await v2.status())[0]!.batchesAppliedHere === 1);

    assert.deepEqual(await registry(f.knex), [
      { version: 1, state: 'active' },
      { version: 2, state: 'building' },
    ]);
    assert.deepEqual(await viewColumns(f.knex), ['stream_id', 'event_count', 'last_type', 'first_revision', 'last_revision', 'amount_sum', 'last_event_at']);
    assert.equal(await rowCount(f.knex, 'stream_stats_v2'), 8, 'the first batch of version 2 is in its own table');

    // Meanwhile the old version keeps serving fresh data.
    const during = await appendSamples(f.store, 's-new', [{ type: 'SampleAdded', amount: 1000 }]);
    await v1.waitFor(during.position, { timeoutMs: 10_000 });
    assert.deepEqual(await readStreamStats(f.knex), expectedStreamStats(await readSampleLog(f.store)));

    g.open();
    await v2.catchUp({ timeoutMs: 10_000 });
    assert.deepEqual(await registry(f.knex), [
      { version: 1, state: 'retired' },
      { version: 2, state: 'active' },
    ]);
    assert.ok((await viewColumns(f.knex)).includes('amount_max'));
    assert.deepEqual(await readStreamStats(f.knex), expectedStreamStats(await readSampleLog(f.store), { trackMax: true }));
    assert.ok(await rowCount(f.knex, 'stream_stats_v1'), 'the old tables stay until someone drops them');

    // The old runner notices it is superseded and stops working on version 1.
    await eventually('version 1 stops', async () => (await v1.status())[0]!.role === 'superseded');
    const v1Applied = (await v1.status())[0]!.eventsAppliedHere;
    const after = await appendSamples(f.store, 's-new', [{ type: 'SampleAdjusted', amount: 5 }]);
    await v2.waitFor(after.position, { timeoutMs: 10_000 });
    assert.equal((await v1.status())[0]!.eventsAppliedHere, v1Applied);
    assert.deepEqual(await readStreamStats(f.knex), expectedStreamStats(await readSampleLog(f.store), { trackMax: true }));
  });

  it('never switches readers back to an older version', async () => {
    await appendSamples(f.store, 'a', [{ type: 'SampleAdded', amount: 3 }]);
    const logger = capturingLogger();
    await new ProjectionRunner({ store: f.store, knex: f.knex, projections: [streamStatsProjection({ version: 2, trackMax: true })], logger }).catchUp();
    await new ProjectionRunner({ store: f.store, knex: f.knex, projections: [streamStatsProjection({ version: 1 })], logger }).catchUp();
    assert.deepEqual(await registry(f.knex), [{ version: 2, state: 'active' }]);
    assert.ok((await viewColumns(f.knex)).includes('amount_max'));
    const v1Tables = await f.knex('pg_tables').where({ tablename: 'stream_stats_v1' }).count<{ n: string }[]>({ n: '*' });
    assert.equal(Number(v1Tables[0]!.n), 0, 'a version older than the active one is not built');
  });
});

async function registry(knex: Knex): Promise<{ version: number; state: string }[]> {
  return knex('projection_versions').where({ name: 'stream_stats' }).orderBy('version').select('version', 'state');
}

async function viewColumns(knex: Knex): Promise<string[]> {
  return knex('information_schema.columns').where({ table_schema: 'public', table_name: 'stream_stats' }).orderBy('ordinal_position').pluck('column_name');
}

async function rowCount(knex: Knex, table: string): Promise<number> {
  const [row] = await knex(table).count<{ n: string }[]>({ n: '*' });
  return Number(row!.n);
}

/** Lets a test hold a projection inside a batch and look around before letting it go on. */
function openableGate() {
  let open!: () => void;
  let arrived!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  return {
    async reached() {
      arrived();
      await opened;
    },
    waitUntilReached: () => reached,
    open: () => open(),
  };
}
