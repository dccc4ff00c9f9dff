import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { newEvent } from '../support/events';

/**
 * Another process's subscriber hears an append through NOTIFY (its polling is set to ten minutes
 * here, far past the spec's timeout, so nothing else could wake it), and a store that nobody else
 * listens to sends none.
 */
describe('PostgreSQL appends wake other processes', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let writer: PostgresEventStore;
  let reader: PostgresEventStore;
  let watcher: pg.Client;
  const heard: string[] = [];

  beforeEach(async () => {
    db = await createTestDatabase('notify');
    writer = new PostgresEventStore(db.knex, { databaseUrl: db.url, listenersCheckMs: 100 });
    reader = new PostgresEventStore(db.knex, { databaseUrl: db.url, pollIntervalMs: 600_000 });
    // A bystander on the channel, not one of ours: it sees every NOTIFY but does not ask for them.
    watcher = new pg.Client({ connectionString: db.url, application_name: 'bystander' });
    await watcher.connect();
    await watcher.query('listen authledger_events');
    heard.length = 0;
    watcher.on('notification', (n) => heard.push(n.channel));
  });
  afterEach(async () => {
    await watcher.end();
    await writer.close();
    await reader.close();
    await db.drop();
  });

  const listeners = async () =>
    Number((await db.knex.raw("select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'authledger-listener'")).rows[0].n);

  it('sends no NOTIFY while no other store listens', async () => {
    for (let i = 0; i < 5; i++) {
      await writer.appendToStream('quiet', [newEvent('Happened', { i })]);
      await new Promise((r) => setTimeout(r, 40));
    }
    // A bounded wait, and what it proves: a NOTIFY goes out within one 10 ms coalescing window of
    // an append, so 300 ms after the last one (30 windows) none was sent for any of the five.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(heard, []);
    // The bystander does hear this channel: had the writer sent one, it would be in `heard`.
    await db.knex.raw("select pg_notify('authledger_events', '')");
    await eventually(async () => heard.length === 1, 5_000);
  });

  it("wakes another store's subscriber on an append once it listens", async () => {
    const subscription = reader.subscribeToAll();
    const received: string[] = [];
    const reading = (async () => {
      for await (const batch of subscription) {
        received.push(...batch.map((e) => e.streamId));
        if (received.includes('loud')) break;
      }
    })();
    await eventually(async () => (await listeners()) === 1, 5_000);
    // No wait for the writer's next look: this writer has not appended yet, so its first append looks.
    await writer.appendToStream('loud', [newEvent('Happened', {})]);
    // No time bound of our own (a loaded machine may take seconds): the next poll is ten minutes
    // away, so a read that ends before the spec's timeout was woken by the NOTIFY.
    await reading;
    assert.ok(heard.length >= 1);
    await subscription.close();
  });
});
