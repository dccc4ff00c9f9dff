import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { createKnex, dropDatabase, ensureDatabase } from '../../src/db/connection';
import { migrateToLatest } from '../../src/db/migrate';

export interface TestDatabase {
  url: string;
  knex: Knex;
  drop(): Promise<void>;
}

/** The server the tests use; each test file gets its own fresh, migrated database on it. */
export const testServerUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function createTestDatabase(label = 'test', options: { poolMax?: number } = {}): Promise<TestDatabase> {
  const url = new URL(testServerUrl);
  url.pathname = `/authledger_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const dbUrl = url.toString();
  await ensureDatabase(dbUrl);
  const knex = createKnex(dbUrl, { poolMax: options.poolMax ?? 40, applicationName: `authledger-test-${label}` });
  await migrateToLatest(knex);
  return {
    url: dbUrl,
    knex,
    async drop() {
      await knex.destroy();
      await dropDatabase(dbUrl);
    },
  };
}
