import type { Knex } from 'knex';
import { comparePositions, type EventStore, type Position, type RecordedEvent } from '../eventstore/port';
import type { PhysicalTables, Projection } from './projection';
import { isLogStart, moveCheckpoint } from './registry';

/**
 * Applies one batch and moves the checkpoint past it in one transaction, so the read model and
 * its checkpoint can never disagree: a crash or an error rolls back both, and the batch is read
 * again from the old checkpoint.
 */
export async function commitBatch(
  knex: Knex,
  projection: Projection,
  tables: PhysicalTables,
  from: Position,
  events: readonly RecordedEvent[],
): Promise<Position> {
  const to = events[events.length - 1]!.position;
  await knex.transaction(async (trx) => {
    await projection.apply(trx, events, tables);
    // Last, not first: the first write gives the transaction an id, and the event store hides
    // every event newer than the oldest open transaction id from all log readers, so the write
    // part of a batch is kept as short as it can be. A second writer still fails the compare.
    await moveCheckpoint(trx, projection, from, to, events.length);
  });
  return to;
}

/** The next events of the projection's types after `after`, in log order. */
export function readProjectionEvents(store: EventStore, projection: Projection, after: Position, maxCount: number): Promise<RecordedEvent[]> {
  // The log start is passed as "from the beginning" rather than as a position an adapter might take literally.
  return store.readAll({ after: isLogStart(after) ? null : after, maxCount, filter: { eventTypes: projection.eventTypes } });
}

export interface DrainOptions {
  read(after: Position, maxCount: number): Promise<RecordedEvent[]>;
  /** Applies a batch that starts right after `from`. */
  commit(events: readonly RecordedEvent[], from: Position): Promise<void>;
  from: Position;
  batchSize: number;
  /** Inclusive bound: events after it are left for later. */
  until?: Position;
  /** Stops between batches. */
  signal?: AbortSignal;
}

export interface DrainResult {
  position: Position;
  events: number;
  batches: number;
  /** A read came back short (or passed `until`): everything visible at that moment is applied. */
  reachedEnd: boolean;
}

/**
 * Reads and applies batches until a read comes back short. The next batch is read while the
 * current one commits, so the log read and the read-model write overlap.
 */
export async function drain(options: DrainOptions): Promise<DrainResult> {
  const { batchSize, until, signal } = options;
  let position = options.from;
  let events = 0;
  let batches = 0;
  let next = options.read(position, batchSize);
  for (;;) {
    const fetched = await next;
    let batch = fetched;
    let end = fetched.length < batchSize;
    if (until) {
      const past = batch.findIndex((e) => comparePositions(e.position, until) > 0);
      if (past >= 0) {
        batch = batch.slice(0, past);
        end = true;
      }
    }
    if (signal?.aborted) return { position, events, batches, reachedEnd: false };
    if (batch.length === 0) return { position, events, batches, reachedEnd: true };
    const to = batch[batch.length - 1]!.position;
    const prefetched = end ? null : options.read(to, batchSize);
    try {
      await options.commit(batch, position);
    } catch (err) {
      prefetched?.catch(() => undefined);
      throw err;
    }
    position = to;
    events += batch.length;
    batches++;
    if (!prefetched) return { position, events, batches, reachedEnd: true };
    if (signal?.aborted) {
      prefetched.catch(() => undefined);
      return { position, events, batches, reachedEnd: false };
    }
    next = prefetched;
  }
}
