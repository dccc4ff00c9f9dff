import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { v7 as uuidv7 } from 'uuid';
import { systemMetadata } from '../src/commands/system-metadata';
import { createKnex, dropDatabase, ensureDatabase } from '../src/db/connection';
import { migrateToLatest } from '../src/db/migrate';
import { PostgresEventStore } from '../src/eventstore/postgres';
import type { NewEvent, Position } from '../src/eventstore/port';
import { round, runClosedLoop, WARMUP_SECONDS } from './measure';

const run = promisify(execFile);

/**
 * The event store at an empty log and at BENCH_LOG_EVENTS events side by side (BENCH_ONLY=log):
 * fresh one-event appends at 1 and 32 in flight, read-then-append with an exact expected revision,
 * one 10-event stream read, the global log read, and the WAL each append writes. The large log is
 * seeded in SQL (generate_series, indexes built after the rows), 100,000 streams of 10 events per
 * million, each stream's events spread over its million as a user's are over time, ~300-byte
 * payloads. Everything runs in a database of its own, dropped at the end.
 *
 * WAL per event is measured from a CHECKPOINT, so each phase pays the full-page image of every
 * page it is first to dirty: the cost that grows with the log when appends dirty random pages.
 * `pg_current_wal_lsn()` counts the whole server's WAL (other databases' too on a shared machine);
 * where pg_waldump can read the WAL, the records of this database's relations and transactions
 * are counted too, and that is the figure printed.
 */

/** How ids are made for the appends measured: today's random ones, or time-ordered (UUIDv7) ones. */
export type IdKind = 'random' | 'time-ordered events' | 'time-ordered events and streams';

interface WalFigures {
  /** pg_current_wal_lsn() difference over the phase, all databases. */
  serverBytesPerEvent: number;
  /** Records of this database only (pg_waldump), when it could be read. */
  ownBytesPerEvent: number | null;
  /** Full-page images among this database's records, per event. */
  fullPageImagesPerEvent: number | null;
}

export interface AppendPhase {
  ids: IdKind;
  inFlight: number;
  appendsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  wal: WalFigures;
}

export interface LogSize {
  events: number;
  relationMiB: Record<string, number>;
  appends: AppendPhase[];
  exact: AppendPhase[];
  streamRead: { p50Ms: number; p99Ms: number; reads: number };
  globalRead: { events: number; seconds: number; eventsPerSecond: number };
}

const metadata = systemMetadata('bench');
const payload = { account: 'bench-user', name: '压测用户', mobile: '13800000000', email: 'bench-user@example.com', roles: ['user'], note: 'x'.repeat(120) };
const STREAMS_PER_MILLION = 100_000;
const ID_KINDS: IdKind[] = ['random', 'time-ordered events', 'time-ordered events and streams'];

export async function benchLargeLog(serverUrl: string, targetEvents: number, seconds: number): Promise<LogSize[]> {
  const server = new URL(serverUrl);
  server.pathname = `/authledger_bench_log_${randomBytes(3).toString('hex')}`;
  const url = server.toString();
  await ensureDatabase(url);
  const knex = createKnex(url, { poolMax: 40, applicationName: 'authledger-bench-log' });
  try {
    await migrateToLatest(knex);
    const sizes: LogSize[] = [];
    // Streams to read and to append to with an exact revision on the empty log: 500 of 10 events.
    const early = await seedThroughStore(knex, 500);
    sizes.push(await measureAt(knex, url, seconds, early));
    console.log(`Seeding ${targetEvents.toLocaleString('en')} events…`);
    const t = performance.now();
    await seedInSql(knex, targetEvents);
    console.log(`  seeded in ${round((performance.now() - t) / 1000, 0)} s`);
    const streams = Math.max(1, Math.floor(targetEvents / 10));
    sizes.push(await measureAt(knex, url, seconds, () => seededStream(Math.floor(Math.random() * streams))));
    return sizes;
  } finally {
    await knex.destroy();
    await dropDatabase(url);
  }
}

async function measureAt(knex: Knex, url: string, seconds: number, targetStream: (i: number) => string): Promise<LogSize> {
  // After the seed's ANALYZE its estimate; counting 10 million rows would take a minute.
  const estimate = Number((await knex.raw("select reltuples::bigint as n from pg_class where relname = 'events'")).rows[0].n);
  const events = estimate > 0 ? estimate : Number((await knex.raw('select count(*)::bigint as n from events')).rows[0].n);
  console.log(`Measuring at ${events.toLocaleString('en')} events…`);
  const store = new PostgresEventStore(knex, { databaseUrl: url });
  const appends: AppendPhase[] = [];
  const exact: AppendPhase[] = [];
  try {
    for (const ids of ID_KINDS) {
      const newEvent = (i: number): NewEvent => ({ eventId: ids === 'random' ? randomUUID() : uuidv7(), type: 'BenchHappened', data: { ...payload, n: i }, metadata });
      const newStream = () => `user-${(ids === 'time-ordered events and streams' ? uuidv7() : randomUUID()).replace(/-/g, '')}`;
      for (const inFlight of [1, 32]) {
        const { figures, wal } = await withWal(knex, seconds, inFlight, async () => {
          await store.appendToStream(newStream(), [newEvent(0)]);
        });
        appends.push({ ids, inFlight, appendsPerSecond: figures.opsPerSecond, p50Ms: figures.p50Ms, p99Ms: figures.p99Ms, wal });
      }
      if (ids === 'time-ordered events and streams') continue; // the same streams as time-ordered events
      const { figures, wal } = await withWal(knex, seconds, 1, async (_w, i) => {
        const stream = targetStream(i);
        const read = await store.readStream(stream);
        await store.appendToStream(stream, [newEvent(i)], { expectedRevision: read.length - 1 });
      });
      exact.push({ ids, inFlight: 1, appendsPerSecond: figures.opsPerSecond, p50Ms: figures.p50Ms, p99Ms: figures.p99Ms, wal });
    }

    const read = await runClosedLoop(1, seconds, async (_w, i) => {
      await store.readStream(targetStream(i));
    });
    const streamRead = { p50Ms: read.p50Ms, p99Ms: read.p99Ms, reads: read.ops };
    const globalRead = await readGlobalLog(store, seconds);
    const relationMiB: Record<string, number> = {};
    const sizes = await knex.raw(
      `select c.relname, pg_relation_size(c.oid) as bytes from pg_class c where c.relname in ('events', 'events_pkey', 'events_event_id_unique', 'events_stream_revision_unique')`,
    );
    for (const r of sizes.rows as Array<{ relname: string; bytes: string }>) relationMiB[r.relname] = round(Number(r.bytes) / 2 ** 20, 0);
    return { events, relationMiB, appends, exact, streamRead, globalRead };
  } finally {
    await store.close();
  }
}

/** `op` warmed up, then measured from a CHECKPOINT with the WAL written during the measured part. */
async function withWal(knex: Knex, seconds: number, inFlight: number, op: (w: number, i: number) => Promise<void>) {
  await runClosedLoop(inFlight, WARMUP_SECONDS, op, 0);
  await knex.raw('checkpoint');
  const db = (await knex.raw('select oid::int as oid, pg_current_wal_lsn()::text as lsn from pg_database where datname = current_database()')).rows[0] as { oid: number; lsn: string };
  const figures = await runClosedLoop(inFlight, seconds, op, 0);
  const end = (await knex.raw('select pg_current_wal_lsn()::text as lsn')).rows[0].lsn as string;
  const appended = figures.ops;
  const serverBytes = Number((await knex.raw('select pg_wal_lsn_diff(?, ?)::bigint as n', [end, db.lsn])).rows[0].n);
  const own = await walOfDatabase(knex, db.lsn, end, db.oid);
  return {
    figures,
    wal: {
      serverBytesPerEvent: Math.round(serverBytes / appended),
      ownBytesPerEvent: own ? Math.round(own.bytes / appended) : null,
      fullPageImagesPerEvent: own ? round(own.fullPageImages / appended) : null,
    },
  };
}

/**
 * This database's share of the WAL between two positions, read with pg_waldump: records whose
 * blocks belong to its relations, and the other records (commits) of the transactions that wrote
 * them. Null when pg_waldump or the WAL directory is out of reach.
 */
async function walOfDatabase(knex: Knex, from: string, to: string, dbOid: number): Promise<{ bytes: number; fullPageImages: number } | null> {
  try {
    const dir = (await knex.raw('show data_directory')).rows[0].data_directory as string;
    const bin = (await knex.raw("select setting from pg_config where name = 'BINDIR'").catch(() => ({ rows: [] }))).rows[0]?.setting ?? '/usr/lib/postgresql/15/bin';
    // pg_waldump can end with an error (e.g. at a record not yet complete on disk) after printing
    // the records before it, which still count.
    const stdout = await run(`${bin}/pg_waldump`, ['--path', `${dir}/pg_wal`, '--start', from, '--end', to], { maxBuffer: 1 << 30 }).then(
      (r) => r.stdout,
      (err: { stdout?: string }) => {
        if (!err.stdout) throw err;
        return err.stdout;
      },
    );
    const ours = new Set<string>();
    const records: Array<{ tx: string; bytes: number; mine: boolean; fpi: number }> = [];
    const relation = new RegExp(`rel \\d+/${dbOid}/\\d+`);
    for (const line of stdout.split('\n')) {
      const m = /len \(rec\/tot\):\s*\d+\/\s*(\d+), tx:\s*(\d+)/.exec(line);
      if (!m) continue;
      const mine = relation.test(line);
      if (mine && m[2] !== '0') ours.add(m[2]!);
      records.push({ tx: m[2]!, bytes: Number(m[1]), mine, fpi: mine ? (line.match(/ FPW/g)?.length ?? 0) : 0 });
    }
    let bytes = 0;
    let fullPageImages = 0;
    for (const r of records) {
      if (r.mine || (r.tx !== '0' && ours.has(r.tx))) {
        bytes += r.bytes;
        fullPageImages += r.fpi;
      }
    }
    return { bytes, fullPageImages };
  } catch {
    return null;
  }
}

/** Reads the global log from its start in pages of 1,000 for `seconds`. */
async function readGlobalLog(store: PostgresEventStore, seconds: number) {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let after: Position | null = null;
  let events = 0;
  while (performance.now() < deadline) {
    const batch = await store.readAll({ after, maxCount: 1000 });
    if (!batch.length) break;
    events += batch.length;
    after = batch[batch.length - 1]!.position;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { events, seconds: round(elapsed), eventsPerSecond: round(events / elapsed, 0) };
}

/** `count` streams of 10 events through the store; the stream to use for the i-th operation. */
async function seedThroughStore(knex: Knex, count: number): Promise<(i: number) => string> {
  const store = new PostgresEventStore(knex);
  const names = Array.from({ length: count }, () => `user-${randomUUID().replace(/-/g, '')}`);
  try {
    for (let i = 0; i < names.length; i += 32) {
      await Promise.all(names.slice(i, i + 32).map((s) => store.appendToStream(s, Array.from({ length: 10 }, (_, k) => ({ eventId: randomUUID(), type: 'Seeded', data: { ...payload, n: k }, metadata })))));
    }
  } finally {
    await store.close();
  }
  return () => names[Math.floor(Math.random() * names.length)]!;
}

/** The name the SQL seed gives stream number `n` (md5 of it, as random as a uuid). */
function seededStream(n: number): string {
  return `user-${md5Hex(`s${n}`)}`;
}

const md5Hex = (s: string): string => createHash('md5').update(s).digest('hex');

/**
 * `total` events in SQL, a million per transaction, with the three unique indexes dropped during
 * the load and built afterwards (sorted builds instead of 10 million random inserts into indexes
 * far larger than the buffer cache). Stream n of million c gets revision r at row c·1M + r·100k + n.
 */
async function seedInSql(knex: Knex, total: number): Promise<void> {
  const perMillion = 1_000_000;
  const before = Number((await knex.raw('select coalesce(max(global_position), 0)::bigint as n from events')).rows[0].n);
  await knex.raw(`alter table events drop constraint events_event_id_unique, drop constraint events_stream_revision_unique, drop constraint events_pkey`);
  for (let start = 0; start < total; start += perMillion) {
    const size = Math.min(perMillion, total - start);
    const streams = Math.max(1, Math.floor((size * STREAMS_PER_MILLION) / perMillion));
    const base = Math.floor((start * STREAMS_PER_MILLION) / perMillion);
    await knex.raw(
      `insert into events (stream_id, stream_revision, event_id, type, data, metadata)
       select 'user-' || md5('s' || (? + g % ?)), g / ?, md5('e' || (? + g))::uuid, 'Seeded',
         jsonb_build_object('account', 'user-' || (? + g % ?), 'name', '压测用户', 'mobile', '138' || lpad((g % 100000000)::text, 8, '0'),
           'email', 'user-' || g || '@example.com', 'roles', jsonb_build_array('user'), 'note', repeat('x', 120)),
         ?::jsonb
       from generate_series(0, ? - 1) g`,
      [base, streams, streams, start + before, base, streams, JSON.stringify(metadata), size],
    );
    process.stdout.write(`  ${(start + size).toLocaleString('en')}\r`);
  }
  await knex.transaction(async (trx) => {
    await trx.raw("set local maintenance_work_mem = '1GB'");
    await trx.raw('alter table events add constraint events_pkey primary key (transaction_id, global_position)');
    await trx.raw('alter table events add constraint events_event_id_unique unique (event_id)');
    await trx.raw('alter table events add constraint events_stream_revision_unique unique (stream_id, stream_revision)');
  });
  await knex.raw('analyze events');
}

export function printLargeLogFigures(sizes: LogSize[]): LogSize[] {
  const [empty, large] = sizes as [LogSize, LogSize];
  const at = (s: LogSize) => s.events.toLocaleString('en');
  const wal = (p: AppendPhase) => `${p.wal.ownBytesPerEvent ?? p.wal.serverBytesPerEvent}${p.wal.fullPageImagesPerEvent === null ? ' (server)' : `, ${p.wal.fullPageImagesPerEvent} FPI`}`;
  const rows: Record<string, Record<string, string | number>> = {};
  for (const ids of ID_KINDS) {
    const a1 = (s: LogSize) => s.appends.find((p) => p.ids === ids && p.inFlight === 1)!;
    const a32 = (s: LogSize) => s.appends.find((p) => p.ids === ids && p.inFlight === 32)!;
    rows[`appends/s ×1 / ×32 (${ids})`] = { [at(empty)]: `${a1(empty).appendsPerSecond} / ${a32(empty).appendsPerSecond}`, [at(large)]: `${a1(large).appendsPerSecond} / ${a32(large).appendsPerSecond}` };
    rows[`WAL B/event ×1 (${ids})`] = { [at(empty)]: wal(a1(empty)), [at(large)]: wal(a1(large)) };
    rows[`WAL B/event ×32 (${ids})`] = { [at(empty)]: wal(a32(empty)), [at(large)]: wal(a32(large)) };
    const ex = (s: LogSize) => s.exact.find((p) => p.ids === ids);
    if (ex(empty) && ex(large)) {
      rows[`exact read-then-append/s, p50 ms (${ids})`] = { [at(empty)]: `${ex(empty)!.appendsPerSecond}, ${ex(empty)!.p50Ms}`, [at(large)]: `${ex(large)!.appendsPerSecond}, ${ex(large)!.p50Ms}` };
      rows[`WAL B/event exact (${ids})`] = { [at(empty)]: wal(ex(empty)!), [at(large)]: wal(ex(large)!) };
    }
  }
  rows['read one 10-event stream p50 / p99 ms'] = { [at(empty)]: `${empty.streamRead.p50Ms} / ${empty.streamRead.p99Ms}`, [at(large)]: `${large.streamRead.p50Ms} / ${large.streamRead.p99Ms}` };
  rows['global log read events/s'] = { [at(empty)]: empty.globalRead.eventsPerSecond, [at(large)]: large.globalRead.eventsPerSecond };
  rows['size MiB (heap, pkey, event_id, stream)'] = Object.fromEntries(
    [empty, large].map((s) => [at(s), ['events', 'events_pkey', 'events_event_id_unique', 'events_stream_revision_unique'].map((r) => s.relationMiB[r] ?? 0).join(', ')]),
  );
  console.log('\nThe event store on an empty log and a large one (WAL from a checkpoint; FPI = full-page images)');
  console.table(rows);
  return sizes;
}
