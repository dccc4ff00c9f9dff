import type { RecordedEvent } from '../../src/eventstore/port';
import type { Projection } from '../../src/projections/projection';
import { applyRowFold, type RowFold } from '../../src/projections/upsert';

/**
 * A projection for tests only: per-stream statistics of the "Sample" events. A stream's row counts
 * its events since it was (re)created; SampleRemoved deletes the row, and a later event creates it
 * afresh.
 */
export const sampleEventTypes = ['SampleAdded', 'SampleAdjusted', 'SampleRemoved'] as const;

export type SampleEvent =
  | RecordedEvent<'SampleAdded' | 'SampleAdjusted', { amount: number }>
  | RecordedEvent<'SampleRemoved', Record<string, never>>;

export interface StreamStatsRow {
  stream_id: string;
  event_count: number;
  last_type: string;
  first_revision: number;
  last_revision: number;
  amount_sum: number;
  /** From the event's metadata, not the clock, so a replay writes the same value. */
  last_event_at: string;
  /** Only in the "track max" variant (used as version 2). */
  amount_max?: number;
}

function streamStatsFold(table: string, trackMax: boolean): RowFold<StreamStatsRow, SampleEvent> {
  return {
    table,
    key: ['stream_id'],
    keysOf: (event) => ({ stream_id: event.streamId }),
    evolve(row, event) {
      if (event.type === 'SampleRemoved') return null;
      const next: StreamStatsRow = {
        stream_id: event.streamId,
        event_count: (row?.event_count ?? 0) + 1,
        last_type: event.type,
        first_revision: row?.first_revision ?? event.revision,
        last_revision: event.revision,
        amount_sum: (row?.amount_sum ?? 0) + event.data.amount,
        last_event_at: event.metadata.time,
      };
      if (trackMax) next.amount_max = Math.max(row?.amount_max ?? Number.NEGATIVE_INFINITY, event.data.amount);
      return next;
    },
  };
}

export interface SampleProjectionOptions {
  /** Projection name and logical table name. Default 'stream_stats'. */
  name?: string;
  version?: number;
  /** Adds an amount_max column: a changed projection, deployed as a new version. */
  trackMax?: boolean;
}

export function streamStatsProjection(options: SampleProjectionOptions = {}): Projection {
  const name = options.name ?? 'stream_stats';
  const trackMax = options.trackMax ?? false;
  const fold = streamStatsFold(name, trackMax);
  return {
    name,
    version: options.version ?? 1,
    eventTypes: [...sampleEventTypes],
    tables: {
      [name]: `
        stream_id text primary key,
        event_count integer not null,
        last_type text not null,
        first_revision integer not null,
        last_revision integer not null,
        amount_sum bigint not null,
        last_event_at timestamptz not null
        ${trackMax ? ', amount_max integer not null' : ''}`,
    },
    indexes: [`create index {{table:${name}}}_last_type on {{table:${name}}} (last_type)`],
    keyColumns: { [name]: ['stream_id'] },
    async apply(trx, events, tables) {
      await applyRowFold(trx, tables, fold, events);
    },
  };
}
