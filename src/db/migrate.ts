import type { Knex } from 'knex';
import { migrations } from './migrations';

/** Migrations are TypeScript modules listed in order in ./migrations/index.ts (no file-system loader). */
class ListedMigrations implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return migrations.map((m) => m.name);
  }
  getMigrationName(name: string): string {
    return name;
  }
  async getMigration(name: string): Promise<Knex.Migration> {
    const found = migrations.find((m) => m.name === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found;
  }
}

/** Key of the advisory lock that makes processes migrating one database take turns. */
const MIGRATION_LOCK_KEY = 7_305_866_011;

/**
 * Processes started together (the three roles of one deployment) wait for each other here: knex's
 * own lock refuses a second migrator instead of making it wait, and creating its tables races.
 */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  return knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    const [, applied] = (await knex.migrate.latest({ migrationSource: new ListedMigrations() })) as [number, string[]];
    return applied;
  });
}
