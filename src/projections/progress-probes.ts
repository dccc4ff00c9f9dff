import type { Knex } from 'knex';
import { comparePositions, type EventStore, type Position } from '../eventstore/port';
import { readProjectionEvents } from './batches';
import { hasEventsBetween } from './events-table';
import type { Projection } from './projection';
import { isSuperseded, readProgress } from './registry';

/**
 * Questions about a projection's committed progress, answered from the database and the log
 * only, so they hold whichever process is running the projection.
 */

/**
 * True once nothing of the projection's types is visible after its checkpoint and readers see
 * this version (or a newer one). Checked after the moment of interest, so it covers every event
 * visible at that moment.
 */
export async function hasReachedHead(knex: Knex, store: EventStore, projection: Projection): Promise<boolean> {
  const progress = await readProgress(knex, projection);
  if (isSuperseded(progress, projection.version)) return true;
  if (progress.state !== 'active') return false;
  const pending = await readProjectionEvents(store, projection, progress.checkpoint, 1);
  return pending.length === 0;
}

/**
 * True once every event of the projection's types up to `position` is applied and readers see
 * this version. `position` may be any event's, handled by this projection or not.
 *
 * Once `position` is visible in the log, every transaction that could put an event before it has
 * ended, so where the events table is in this database (`eventsTableHere`) what is still pending
 * before it is looked up in the table itself: that answer does not depend on a second log read
 * seeing at least as much as the first (it did not always: see migration 0007).
 */
export async function hasPassed(knex: Knex, store: EventStore, projection: Projection, position: Position, eventsTableHere = store.kind === 'postgres'): Promise<boolean> {
  const progress = await readProgress(knex, projection);
  if (isSuperseded(progress, projection.version)) return true;
  if (progress.state !== 'active') return false;
  if (comparePositions(progress.checkpoint, position) >= 0) return true;
  // Until `position` is visible in the log, an event of ours may still appear before it.
  const visible = await store.readAll({ after: justBefore(position), maxCount: 1 });
  if (visible.length === 0) return false;
  if (eventsTableHere) return !(await hasEventsBetween(knex, projection.eventTypes, progress.checkpoint, position));
  const pending = await readProjectionEvents(store, projection, progress.checkpoint, 1);
  return pending.length === 0 || comparePositions(pending[0]!.position, position) > 0;
}

/** The greatest position before `p` ("after" bounds are exclusive, so reading after it starts at `p`). */
function justBefore(p: Position): Position {
  if (p.prepare > 0n) return { commit: p.commit, prepare: p.prepare - 1n };
  return { commit: p.commit - 1n, prepare: 2n ** 63n - 1n };
}
