import { withDependencies } from './context';

/** `authledger migrate`: creates the database if needed and applies every pending migration. */
export async function migrateCommand(): Promise<number> {
  // Opening the dependencies migrates (and logs what it applied); the event store is pinged too.
  await withDependencies(async () => undefined);
  console.log('database is migrated');
  return 0;
}
