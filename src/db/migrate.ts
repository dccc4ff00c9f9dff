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

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource: new ListedMigrations() })) as [number, string[]];
  return applied;
}
