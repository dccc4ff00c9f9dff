import type { Knex } from 'knex';
import type { AppendResult, Position, RecordedEvent } from '../../src/eventstore/port';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import type { ProjectionLogger } from '../../src/projections/logger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { newEvent } from '../support/events';
import { sampleEventTypes, type StreamStatsRow } from './sample-projection';

export interface ProjectionFixture {
  db: TestDatabase;
  knex: Knex;
  store: PostgresEventStore;
  teardown(): Promise<void>;
}

export async function projectionFixture(label: string): Promise<ProjectionFixture> {
  const db = await createTestDatabase(label);
  // A short poll interval keeps tailing tests quick; NOTIFY wakes the subscription in any case.
  const store = new PostgresEventStore(db.knex, { databaseUrl: db.url, pollIntervalMs: 50 });
  return {
    db,
    knex: db.knex,
    store,
    async teardown() {
      await store.close();
      await db.drop();
    },
  };
}

/** A sample event as the tests describe it; amount is ignored for SampleRemoved. */
export interface SampleSpec {
  type: 'SampleAdded' | 'SampleAdjusted' | 'SampleRemoved';
  amount?: number;
}

export function sampleEvent(spec: SampleSpec) {
  return newEvent(spec.type, spec.type === 'SampleRemoved' ? {} : { amount: spec.amount ?? 0 });
}

export async function appendSamples(store: PostgresEventStore, streamId: string, specs: SampleSpec[]): Promise<AppendResult> {
  return store.appendToStream(streamId, specs.map(sampleEvent));
}

/** Every event of the sample types in the log, in log order. */
export async function readSampleLog(store: PostgresEventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let after: Position | null = null;
  for (;;) {
    const batch = await store.readAll({ after, maxCount: 5000, filter: { eventTypes: [...sampleEventTypes] } });
    all.push(...batch);
    if (batch.length < 5000) return all;
    after = batch[batch.length - 1]!.position;
  }
}

export type ExpectedStats = Omit<StreamStatsRow, 'last_event_at' | 'amount_max'> & { amount_max?: number };

/**
 * The expected table, worked out differently from the projection's fold: per stream, only the
 * events after its last SampleRemoved count; a stream whose last event removed it has no row.
 */
export function expectedStreamStats(events: readonly RecordedEvent[], options: { trackMax?: boolean } = {}): ExpectedStats[] {
  const byStream = new Map<string, RecordedEvent[]>();
  for (const e of events) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
  const rows: ExpectedStats[] = [];
  for (const [streamId, all] of byStream) {
    const ordered = [...all].sort((a, b) => a.revision - b.revision);
    const lastRemoval = ordered.map((e) => e.type).lastIndexOf('SampleRemoved');
    const alive = ordered.slice(lastRemoval + 1);
    if (alive.length === 0) continue;
    const amounts = alive.map((e) => (e.data as { amount: number }).amount);
    const row: ExpectedStats = {
      stream_id: streamId,
      event_count: alive.length,
      last_type: alive[alive.length - 1]!.type,
      first_revision: alive[0]!.revision,
      last_revision: alive[alive.length - 1]!.revision,
      amount_sum: amounts.reduce((a, b) => a + b, 0),
    };
    if (options.trackMax) row.amount_max = Math.max(...amounts);
    rows.push(row);
  }
  return rows.sort((a, b) => (a.stream_id < b.stream_id ? -1 : a.stream_id > b.stream_id ? 1 : 0));
}

/** The rows as readers see them (through the view), in the shape expectedStreamStats returns. */
export async function readStreamStats(knex: Knex, relation = 'stream_stats'): Promise<ExpectedStats[]> {
  const rows = (await knex(relation).select('*').orderBy('stream_id')) as (StreamStatsRow & { amount_sum: string })[];
  return rows
    .map((r) => {
      const { last_event_at: _ignored, amount_sum, ...rest } = r;
      return { ...rest, amount_sum: Number(amount_sum) };
    })
    .sort((a, b) => (a.stream_id < b.stream_id ? -1 : a.stream_id > b.stream_id ? 1 : 0));
}

export interface CapturedLog {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: object;
}

export function capturingLogger(): ProjectionLogger & { entries: CapturedLog[] } {
  const entries: CapturedLog[] = [];
  return {
    entries,
    info: (fields, message) => void entries.push({ level: 'info', message, fields }),
    warn: (fields, message) => void entries.push({ level: 'warn', message, fields }),
    error: (fields, message) => void entries.push({ level: 'error', message, fields }),
  };
}

/** Polls until `check` holds, failing with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function checkpointOf(knex: Knex, name: string, version: number): Promise<string | null> {
  const row = await knex('projection_checkpoints').where({ name, version }).first(knex.raw(`position_commit::text || '-' || position_prepare::text as p`));
  return (row as { p: string } | undefined)?.p ?? null;
}
