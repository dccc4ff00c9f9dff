import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { accept, reject, type Decider } from '../../src/commands/decider';
import { DomainError } from '../../src/commands/domain-error';
import { handleCommand } from '../../src/commands/handle';
import { postgresSnapshots } from '../../src/commands/snapshots';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testMetadata } from '../support/events';

type CounterEvent = { type: 'Incremented'; data: { by: number; total: number } } | { type: 'IncrementRefused'; data: { total: number } };
type CounterCommand = { type: 'Increment'; by: number; limit: number };

/** A counter with a ceiling: the total must never pass the limit, whatever the concurrency. */
const counter: Decider<{ total: number }, CounterCommand, CounterEvent> = {
  initialState: () => ({ total: 0 }),
  evolve: (s, e) => (e.type === 'Incremented' ? { total: e.data.total } : s),
  decide: (c, s) =>
    s.total + c.by > c.limit
      ? reject(new DomainError('conflict', 'limit reached'), { type: 'IncrementRefused', data: { total: s.total } })
      : accept({ type: 'Incremented', data: { by: c.by, total: s.total + c.by } }),
};

describe('command handling: load, decide, append with the expected revision', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let store: PostgresEventStore;
  before(async () => {
    db = await createTestDatabase('handle');
    store = new PostgresEventStore(db.knex);
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  for (const queuePerStream of [true, false]) {
    const how = queuePerStream ? 'queued within one process' : 'racing as separate processes would (optimistic retries only)';
    it(`keeps an invariant under 30 concurrent commands, ${how}`, async () => {
      const stream = `counter-${queuePerStream}`;
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, () =>
          handleCommand({ store, metadata: testMetadata(), queuePerStream, maxRetries: 40 }, stream, counter, { type: 'Increment', by: 1, limit: 20 }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 20);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as DomainError).message, 'limit reached');
      const events = await store.readStream(stream);
      const totals = events.filter((e) => e.type === 'Incremented').map((e) => (e.data as { total: number }).total);
      assert.deepEqual(totals, Array.from({ length: 20 }, (_, i) => i + 1));
      assert.equal(events.filter((e) => e.type === 'IncrementRefused').length, 10, 'each refusal is itself recorded');
    });
  }

  it('turns a writer that keeps losing the race into a conflict error', async () => {
    const stream = 'counter-starved';
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, () =>
        handleCommand({ store, metadata: testMetadata(), queuePerStream: false, maxRetries: 0 }, stream, counter, { type: 'Increment', by: 1, limit: 1000 }),
      ),
    );
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.ok(losers.length > 0, 'no writer lost a race; the test proved nothing');
    for (const l of losers) assert.equal((l.reason as DomainError).code, 'conflict');
    assert.equal((await store.readStream(stream)).length, 16 - losers.length);
  });
});

describe('command handling on long streams: snapshots', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let store: PostgresEventStore;
  let eventsRead = 0;
  before(async () => {
    db = await createTestDatabase('snapshots');
    store = new PostgresEventStore(db.knex);
    const readStream = store.readStream.bind(store);
    store.readStream = async (...args) => {
      const events = await readStream(...args);
      eventsRead += events.length;
      return events;
    };
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  it('folds from the latest snapshot and reads only the events after it, deciding exactly as a full fold would', async () => {
    const snapshots = postgresSnapshots(db.knex);
    const policy = { schema: 'counter@1', every: 25 };
    const ctx = { store, metadata: testMetadata(), snapshots };
    for (let i = 0; i < 120; i++) await handleCommand(ctx, 'long-counter', counter, { type: 'Increment', by: 1, limit: 1000 }, { snapshot: policy });
    const saved = await snapshots.load<{ total: number }>('long-counter', policy.schema);
    assert.ok(saved && saved.revision === 99, `snapshot at ${saved?.revision}`);
    assert.deepEqual(saved.state, { total: saved.revision + 1 });

    eventsRead = 0;
    const result = await handleCommand(ctx, 'long-counter', counter, { type: 'Increment', by: 1, limit: 1000 }, { snapshot: policy });
    assert.equal(result.state.total, 121);
    assert.ok(eventsRead < 25, `read ${eventsRead} events for one command on a 120-event stream`);

    // Without snapshots the same stream folds to the same state.
    const full = await handleCommand({ store, metadata: testMetadata() }, 'long-counter', counter, { type: 'Increment', by: 1, limit: 1000 });
    assert.equal(full.state.total, 122);
  });

  it('ignores a snapshot of another schema (a changed decider starts from the events)', async () => {
    const snapshots = postgresSnapshots(db.knex);
    await snapshots.save('schema-counter', 'counter@0', 0, { total: 999 });
    const result = await handleCommand({ store, metadata: testMetadata(), snapshots }, 'schema-counter', counter, { type: 'Increment', by: 1, limit: 1000 }, { snapshot: { schema: 'counter@1', every: 25 } });
    assert.equal(result.state.total, 1);
  });
});

describe('command handling across event stores in one process', function () {
  this.timeout(60_000);
  it('never carries a stream state cached for one store into another store with the same stream id', async () => {
    const [a, b] = await Promise.all([createTestDatabase('cache_a'), createTestDatabase('cache_b')]);
    const storeA = new PostgresEventStore(a.knex);
    const storeB = new PostgresEventStore(b.knex);
    try {
      await handleCommand({ store: storeA, metadata: testMetadata() }, 'shared-id', counter, { type: 'Increment', by: 5, limit: 100 });
      const inB = await handleCommand({ store: storeB, metadata: testMetadata() }, 'shared-id', counter, { type: 'Increment', by: 1, limit: 100 });
      assert.equal(inB.state.total, 1);
      assert.equal((await storeB.readStream('shared-id')).length, 1);
    } finally {
      await storeA.close();
      await storeB.close();
      await a.drop();
      await b.drop();
    }
  });

  it('folds events another writer appended after its own cached state', async () => {
    const db = await createTestDatabase('cache_other_writer');
    const store = new PostgresEventStore(db.knex);
    try {
      await handleCommand({ store, metadata: testMetadata() }, 'two-writers', counter, { type: 'Increment', by: 1, limit: 100 });
      // Another process: appends directly, bypassing this process's cache.
      await store.appendToStream('two-writers', [{ eventId: crypto.randomUUID(), type: 'Incremented', data: { by: 10, total: 11 }, metadata: testMetadata() }], { expectedRevision: 0 });
      const next = await handleCommand({ store, metadata: testMetadata() }, 'two-writers', counter, { type: 'Increment', by: 1, limit: 100 });
      assert.equal(next.state.total, 12);
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('decides on the state it last saw without reading, but never refuses on it: a refusal is decided again on the stream as read', async () => {
    const db = await createTestDatabase('cache_refusal');
    const store = new PostgresEventStore(db.knex);
    // Refuses without an event when there is not enough: no append would catch a stale state.
    const stock: Decider<{ total: number }, { type: 'Take'; by: number }, CounterEvent> = {
      initialState: counter.initialState,
      evolve: counter.evolve,
      decide: (c, s) => (s.total < c.by ? reject(new DomainError('conflict', 'not enough')) : accept({ type: 'Incremented', data: { by: -c.by, total: s.total - c.by } })),
    };
    try {
      await store.appendToStream('stock', [{ eventId: crypto.randomUUID(), type: 'Incremented', data: { by: 1, total: 1 }, metadata: testMetadata() }]);
      const first = await handleCommand({ store, metadata: testMetadata() }, 'stock', stock, { type: 'Take', by: 1 });
      assert.equal(first.state.total, 0);
      // Another process restocks: this one still knows total 0.
      await store.appendToStream('stock', [{ eventId: crypto.randomUUID(), type: 'Incremented', data: { by: 5, total: 5 }, metadata: testMetadata() }], { expectedRevision: 1 });
      const second = await handleCommand({ store, metadata: testMetadata() }, 'stock', stock, { type: 'Take', by: 2 });
      assert.equal(second.state.total, 3);
      assert.equal(second.revision, 3);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
