import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { createTestDatabase } from '../support/database';
import { eventStoreContract } from './contract';

eventStoreContract('PostgreSQL', async () => {
  const db = await createTestDatabase('contract');
  const store = new PostgresEventStore(db.knex, { databaseUrl: db.url });
  const run = randomUUID().slice(0, 8);
  return {
    store,
    stream: (name) => `${name}-${run}`,
    async teardown() {
      await store.close();
      await db.drop();
    },
  };
});

// One append statement at a time: every append that arrives meanwhile shares the next one.
eventStoreContract('PostgreSQL, every concurrent append group-committed', async () => {
  const db = await createTestDatabase('contract-group');
  const store = new PostgresEventStore(db.knex, { databaseUrl: db.url, appendStatements: 1 });
  const run = randomUUID().slice(0, 8);
  return {
    store,
    stream: (name) => `${name}-${run}`,
    async teardown() {
      await store.close();
      await db.drop();
    },
  };
});
