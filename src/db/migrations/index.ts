import type { Knex } from 'knex';
import * as eventStore from './0001_event_store';
import * as projectionVersions from './0002_projection_versions';
import * as streamSnapshots from './0003_stream_snapshots';
import * as dropStoredEventsLookup from './0004_drop_stored_events_lookup';
import * as idempotencyKeys from './0005_idempotency_keys';
import * as streamRevisionProbe from './0006_stream_revision_probe';
import * as readHorizonActivityFirst from './0007_read_horizon_activity_first';

export interface ListedMigration extends Knex.Migration {
  name: string;
}

/** In order. A new migration is a new module appended here; applied ones are never edited. */
export const migrations: ListedMigration[] = [
  eventStore,
  projectionVersions,
  streamSnapshots,
  dropStoredEventsLookup,
  idempotencyKeys,
  streamRevisionProbe,
  readHorizonActivityFirst,
];
