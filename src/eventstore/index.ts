import type { Knex } from 'knex';
import type { Config } from '../config';
import type { EventStore } from './port';
import { PostgresEventStore } from './postgres';

export { PostgresEventStore } from './postgres';

/**
 * The event store the configuration asks for: EventStoreDB when EVENTSTORE_URL is set (unique
 * claims still live in PostgreSQL, hence the knex instance), the PostgreSQL store otherwise.
 * The caller owns `knex`; the store's close() does not destroy it.
 */
export function createEventStore({ config, knex }: { config: Pick<Config, 'databaseUrl' | 'eventstoreUrl'> & Partial<Pick<Config, 'deadlines'>>; knex: Knex }): EventStore {
  // Finding out whether a lost append committed is one more statement: it gets one statement's deadline.
  const outcomeLookupMs = config.deadlines?.dbQueryMs;
  if (config.eventstoreUrl) {
    // Loaded only when chosen: the gRPC client costs ~110 ms of start-up otherwise.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { EventStoreDBEventStore } = require('./eventstoredb') as typeof import('./eventstoredb');
    return new EventStoreDBEventStore(config.eventstoreUrl, knex, { outcomeLookupMs });
  }
  return new PostgresEventStore(knex, { databaseUrl: config.databaseUrl, outcomeLookupMs });
}
