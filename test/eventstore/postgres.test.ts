import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { createTestDatabase } from '../support/database';
import { eventStoreContract } from './contract';

function postgresStore(label: string, options: { appendStatements?: number } = {}) {
  return async () => {
    const db = await createTestDatabase(label);
    const store = new PostgresEventStore(db.knex, { databaseUrl: db.url, ...options });
    const run = randomUUID().slice(0, 8);
    return {
      store,
      stream: (name: string) => `${name}-${run}`,
      async teardown() {
        await store.close();
        await db.drop();
      },
    };
  };
}

eventStoreContract('PostgreSQL', postgresStore('contract'));

// One append statement at a time: every append that arrives meanwhile shares the next one.
eventStoreContract('PostgreSQL, every concurrent append group-committed', postgresStore('contract-group', { appendStatements: 1 }));
