import assert from 'node:assert/strict';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import type { Position } from '../../src/eventstore/port';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { newEvent } from '../support/events';

/**
 * The global reader must never skip an event, even when a transaction that took its position
 * early commits after transactions that took later positions. Writers here hold their
 * transactions open for random times, so commits land out of order, while a reader checkpoints
 * repeatedly and must see every event exactly once.
 */
describe('PostgreSQL global log under out-of-order commits', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let store: PostgresEventStore;

  before(async () => {
    db = await createTestDatabase('global_order', { poolMax: 40 });
    store = new PostgresEventStore(db.knex, { databaseUrl: db.url, pollIntervalMs: 20 });
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  it('sees every event exactly once while 24 writers commit out of order', async () => {
    const writers = 24;
    const appendsPerWriter = 15;
    const expected = new Set<string>();
    let writing = true;

    const writer = async (w: number) => {
      for (let i = 0; i < appendsPerWriter; i++) {
        const events = [newEvent('Ordered', { w, i, part: 0 }), newEvent('Ordered', { w, i, part: 1 })];
        for (const e of events) expected.add(e.eventId);
        await db.knex.transaction(async (trx) => {
          await store.appendInTransaction(trx, `order-${w}`, events);
          // Hold the transaction open after its events have positions: later writers commit first.
          await trx.raw('select pg_sleep(?)', [Math.random() * 0.05]);
        });
      }
    };

    const seen = new Map<string, number>();
    let checkpoint: Position | null = null;
    let checkpoints = 0;
    let outOfOrderObserved = false;
    const reader = async () => {
      for (;;) {
        const stillWriting = writing;
        const batch = await store.readAll({ after: checkpoint, maxCount: 7 });
        for (const e of batch) seen.set(e.eventId, (seen.get(e.eventId) ?? 0) + 1);
        if (batch.length) {
          const ids = batch.map((e) => e.position.prepare);
          if (ids.some((p, i) => i > 0 && p < ids[i - 1]!)) outOfOrderObserved = true;
          checkpoint = batch[batch.length - 1]!.position;
          checkpoints++;
        } else if (!stillWriting) {
          return;
        } else {
          await new Promise((r) => setTimeout(r, 2));
        }
      }
    };

    const readerDone = reader();
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    writing = false;
    await readerDone;

    assert.equal(expected.size, writers * appendsPerWriter * 2);
    const missing = [...expected].filter((id) => !seen.has(id));
    const duplicated = [...seen].filter(([, n]) => n > 1);
    assert.deepEqual(missing, [], `reader skipped ${missing.length} events`);
    assert.deepEqual(duplicated, [], 'reader saw some events twice');
    assert.ok(checkpoints > 20, `reader checkpointed ${checkpoints} times`);
    // Global sequence numbers arrive out of order: a position-only cursor would have skipped some.
    assert.ok(outOfOrderObserved, 'commits never landed out of sequence order; the test proved nothing');
  });

  it('a position-only cursor over the same log would skip events (why the xid ordering exists)', async () => {
    // Take a sequence number in a transaction that stays open while a later one commits.
    // No head start by the clock: the slow transaction says when it has its number, and stays open until told.
    let taken!: () => void;
    let release!: () => void;
    const numberTaken = new Promise<void>((r) => (taken = r));
    const released = new Promise<void>((r) => (release = r));
    const slow = db.knex.transaction(async (trx) => {
      await store.appendInTransaction(trx, 'naive-slow', [newEvent('Naive', { which: 'slow' })]);
      taken();
      await released;
    });
    await numberTaken;
    await store.appendToStream('naive-fast', [newEvent('Naive', { which: 'fast' })]);

    const naive = await db.knex('events').where('type', 'Naive').max('global_position as max').first();
    const naiveCursor = BigInt(naive!.max as string);
    const safeBefore = await store.readAll({ filter: { eventTypes: ['Naive'] } });
    release();
    await slow;
    const naiveAfter = await db.knex('events').where('type', 'Naive').andWhere('global_position', '>', naiveCursor.toString());
    const safeAfter = await store.readAll({ filter: { eventTypes: ['Naive'] } });

    assert.equal(naiveAfter.length, 0, 'the slow event sorts below the naive cursor and would never be read');
    assert.deepEqual(safeBefore.map((e) => (e.data as { which: string }).which), [], 'nothing is final while the slow transaction is open');
    assert.deepEqual(safeAfter.map((e) => (e.data as { which: string }).which).sort(), ['fast', 'slow']);
  });

  it('is not held back by a writing transaction left open in another database on the same server', async () => {
    const other = await createTestDatabase('other_db');
    try {
      await other.knex.transaction(async (trx) => {
        await trx.raw('create table busy (id int)');
        await trx.raw('insert into busy values (1)');
        // This transaction now holds an xid and stays open while we append and read in ours.
        const mark = await store.readAll({ filter: { eventTypes: ['CrossDb'] } });
        await store.appendToStream('cross-db', [newEvent('CrossDb', {})]);
        const seen = await store.readAll({ filter: { eventTypes: ['CrossDb'] } });
        assert.equal(mark.length, 0);
        assert.equal(seen.length, 1, 'an open transaction elsewhere stalled the reader');
      });
    } finally {
      await other.drop();
    }
  });

  it('is held back by a writing transaction left open in its own database (it could still add events)', async () => {
    const trx = await db.knex.transaction();
    try {
      await trx.raw('create temporary table busy_here (id int)');
      await trx.raw('insert into busy_here values (1)');
      await trx.raw('select pg_current_xact_id()');
      await store.appendToStream('same-db', [newEvent('SameDb', {})]);
      assert.equal((await store.readAll({ filter: { eventTypes: ['SameDb'] } })).length, 0);
    } finally {
      await trx.rollback();
    }
    assert.equal((await store.readAll({ filter: { eventTypes: ['SameDb'] } })).length, 1);
  });
});
