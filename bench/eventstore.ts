import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Knex } from 'knex';
import { systemMetadata } from '../src/commands/system-metadata';
import { PostgresEventStore } from '../src/eventstore/postgres';
import type { NewEvent } from '../src/eventstore/port';
import { ratio, round, runInTurns, type LoadFigures } from './measure';

const metadata = systemMetadata('bench');
const payload = { account: 'bench-user', name: '压测用户', mobile: '13800000000', roles: ['user'], n: 0 };
const event = (i: number): NewEvent => ({ eventId: randomUUID(), type: 'BenchHappened', data: { ...payload, n: i }, metadata });

export interface AppendCase {
  eventsPerAppend: number;
  inFlight: number;
  ours: LoadFigures;
  rawInsert: LoadFigures;
  oursEventsPerSecond: number;
  rawRowsPerSecond: number;
  share: string;
}

/**
 * Appends through the adapter beside a raw `pg` INSERT of the same rows (same JSON, one
 * statement per append) into a bare table, at the same concurrency, measured in alternating turns.
 */
export async function benchAppends(knex: Knex, databaseUrl: string, seconds: number): Promise<AppendCase[]> {
  const store = new PostgresEventStore(knex, { databaseUrl });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 40 });
  await pool.query('create table if not exists bench_raw (id bigserial primary key, stream text not null, type text not null, data jsonb not null, metadata jsonb not null)');
  const cases: AppendCase[] = [];
  try {
    for (const eventsPerAppend of [1, 10]) {
      for (const inFlight of [1, 32]) {
        const [rawInsert, ours] = await runInTurns(inFlight, seconds, [
          async (w, i) => {
            const values: string[] = [];
            const params: unknown[] = [];
            for (let k = 0; k < eventsPerAppend; k++) {
              const b = params.length;
              values.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4})`);
              params.push(`raw-${w}`, 'BenchHappened', JSON.stringify({ ...payload, n: i }), JSON.stringify(metadata));
            }
            await pool.query(`insert into bench_raw (stream, type, data, metadata) values ${values.join(',')}`, params);
          },
          async (w, i) => {
            await store.appendToStream(`bench-${eventsPerAppend}-${inFlight}-${w}`, Array.from({ length: eventsPerAppend }, (_, k) => event(i * 100 + k)));
          },
        ]);
        cases.push({
          eventsPerAppend,
          inFlight,
          ours,
          rawInsert,
          oursEventsPerSecond: round(ours.opsPerSecond * eventsPerAppend),
          rawRowsPerSecond: round(rawInsert.opsPerSecond * eventsPerAppend),
          share: ratio(ours.opsPerSecond, rawInsert.opsPerSecond),
        });
      }
    }
  } finally {
    await pool.end();
    await store.close();
  }
  return cases;
}

/** Reads the whole global log from the start in pages of 1,000, as a projection would. */
export async function benchGlobalRead(knex: Knex): Promise<{ events: number; seconds: number; eventsPerSecond: number }> {
  const store = new PostgresEventStore(knex);
  const start = performance.now();
  let after = null;
  let events = 0;
  for (;;) {
    const batch = await store.readAll({ after, maxCount: 1000 });
    if (!batch.length) break;
    events += batch.length;
    after = batch[batch.length - 1]!.position;
  }
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  return { events, seconds: round(seconds), eventsPerSecond: round(events / seconds) };
}

/** Fills the log quickly (set-based) so the read and catch-up figures run over enough events. */
export async function seedEvents(knex: Knex, total: number, eventTypes: string[]): Promise<void> {
  const store = new PostgresEventStore(knex);
  const perAppend = 100;
  let written = 0;
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      while (written < total) {
        const base = written;
        written += perAppend;
        await store.appendToStream(
          `seed-${w}-${Math.floor(base / 1000)}`,
          Array.from({ length: perAppend }, (_, k) => ({ ...event(base + k), type: eventTypes[(base + k) % eventTypes.length]! })),
        );
      }
    }),
  );
  await store.close();
}
