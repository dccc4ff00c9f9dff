import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { LeasedConnections, type KnexPool } from '../../src/eventstore/postgres-leased-connections';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { newEvent } from '../support/events';

/**
 * The group commit keeps its connections between statements while appends keep coming; the pool
 * still gets them back when appends stop, when others wait, and when one breaks.
 */
describe('PostgreSQL append connections', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const inUse = () => (db.knex.client as { pool: { numUsed(): number } }).pool.numUsed();

  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('gives its connection back to the pool once appends stop', async () => {
    db = await createTestDatabase('leased-connections');
    store = new PostgresEventStore(db.knex);
    for (let i = 0; i < 20; i++) await store.appendToStream('lone-writer', [newEvent('Written', { i })]);
    await sleep(100);
    assert.equal(inUse(), 0);
  });

  it('lets other queries through a pool of two while appends run without pause', async () => {
    db = await createTestDatabase('leased-connections-small', { poolMax: 2 });
    store = new PostgresEventStore(db.knex);
    let appending = true;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; appending; i++) await store.appendToStream(`busy-${w}`, [newEvent('Written', { i })]);
    });
    await sleep(50);
    const started = performance.now();
    for (let i = 0; i < 5; i++) assert.deepEqual((await db.knex.raw('select 1 as one')).rows, [{ one: 1 }]);
    const waited = performance.now() - started;
    appending = false;
    await Promise.all(writers);
    assert.ok(waited < 2_000, `five reads beside the appends took ${Math.round(waited)} ms`);
  });

  it('replaces a kept connection that was killed while it waited', async () => {
    db = await createTestDatabase('leased-connections-killed');
    store = new PostgresEventStore(db.knex);
    const kept = new LeasedConnections(db.knex.client as KnexPool, 60_000);
    const backendPid = async () => (await kept.query<{ pid: number }>('leased_pid', 'select pg_backend_pid() as pid', []))[0]!.pid;
    try {
      const first = await backendPid();
      assert.equal(await backendPid(), first, 'the connection is kept between statements');
      await db.knex.raw('select pg_terminate_backend(?)', [first]);
      await sleep(50);
      assert.notEqual(await backendPid(), first);
    } finally {
      kept.close();
    }
  });
});
