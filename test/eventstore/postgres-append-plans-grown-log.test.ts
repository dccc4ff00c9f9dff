import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { APPEND_SQL } from '../../src/eventstore/postgres-append';
import { APPEND_BATCH_SQL } from '../../src/eventstore/postgres-group-commit';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * Every deployment starts with an empty log, and a connection keeps the plans it made then until
 * PostgreSQL analyses the table again, which may be never (autovacuum off, or lagging behind a busy
 * table). So: the append statements are prepared and used on an empty log that PostgreSQL has
 * analysed while empty (as autovacuum or an operator's VACUUM ANALYZE leaves a new database), the
 * log then grows past 100,000 events, and on the SAME connection each append, of every expected-
 * revision kind, still touches a handful of buffers (index probes and its own inserts), not the
 * table. A plan that read the table touched every heap page: about 4,000 here, 14,202 per append
 * at 117 MB in the measurement that found it.
 */
describe('PostgreSQL append statements, planned on an empty log and used after it grew', () => {
  const SEEDED = 120_000;
  /** Generous: an append of one event into a 120k log touches about 15-25 (three index descents, a heap page, the probe). */
  const MAX_BUFFERS_PER_APPEND = 60;
  let db: TestDatabase;
  let pool: { acquireConnection(): Promise<pg.PoolClient>; releaseConnection(c: pg.PoolClient): Promise<void> };
  let connection: pg.PoolClient;

  const events = () => JSON.stringify([{ id: randomUUID(), type: 'T', data: { n: 1 }, metadata: {} }]);
  /** Each kind with the stream it appends to after the growth, the expected revision holding. */
  const kinds = [
    { kind: 'any', revision: null, stream: 'seeded-77' },
    { kind: 'no_stream', revision: null, stream: 'fresh-after-growth' },
    { kind: 'stream_exists', revision: null, stream: 'seeded-78' },
    { kind: 'exact', revision: 9, stream: 'seeded-79' },
  ];

  before(async function () {
    this.timeout(300_000);
    db = await createTestDatabase('append-plans-grown', { poolMax: 2 });
    pool = db.knex.client as typeof pool;
    connection = await pool.acquireConnection();
    await connection.query('analyze events');
    // Prepared and used on the empty log as the adapter does (named statements of the extended
    // protocol), more than the five custom plans after which PostgreSQL may keep a generic one.
    for (let i = 0; i < 8; i++) {
      for (const { kind } of kinds) {
        const stream = `early-${kind}-${i}`;
        if (kind === 'stream_exists' || kind === 'exact') await single([stream, 'no_stream', null, events(), null]);
        await single([stream, kind, kind === 'exact' ? 0 : null, events(), null]);
      }
      await connection.query({ name: 'authledger_append_batch', text: APPEND_BATCH_SQL, values: [batchOf(kinds.map((k, n) => ({ ...k, stream: `early-batch-${i}-${n}`, kind: k.kind === 'exact' || k.kind === 'stream_exists' ? 'no_stream' : k.kind, revision: null })))] });
    }
    const used = await connection.query<{ name: string; generic_plans: string }>("select name, generic_plans::text from pg_prepared_statements where name like 'authledger_append%' order by name");
    assert.deepEqual(used.rows.map((r) => r.name), ['authledger_append', 'authledger_append_batch']);

    // The growth: ten events a stream, ~300-byte payloads, through another connection.
    await db.knex.raw(`
      insert into events (stream_id, stream_revision, event_id, type, data, metadata)
      select 'seeded-' || (g / 10), g % 10, gen_random_uuid(), 'Seeded', jsonb_build_object('payload', repeat('x', 280)), '{}'
      from generate_series(0, ${SEEDED - 1}) g`);
  });

  after(async () => {
    if (connection) await pool.releaseConnection(connection);
    await db.drop();
  });

  async function single(values: unknown[]): Promise<void> {
    await connection.query({ name: 'authledger_append', text: APPEND_SQL, values });
  }

  function batchOf(appends: Array<{ stream: string; kind: string; revision: number | null }>): string {
    return JSON.stringify(appends.map((a) => ({ s: a.stream, k: a.kind, r: a.revision, e: JSON.parse(events()), m: null })));
  }

  /** Buffers the statement touched and the rows it inserted, from EXPLAIN (ANALYZE, BUFFERS) on the same connection, rolled back. */
  async function explained(execute: string): Promise<{ buffers: number; rows: number; plan: string }> {
    await connection.query('begin');
    try {
      const { rows } = await connection.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, number> }> }>(`explain (analyze, buffers, format json) ${execute}`);
      const top = rows[0]!['QUERY PLAN'][0]!.Plan;
      const buffers = top['Shared Hit Blocks']! + top['Shared Read Blocks']! + top['Local Hit Blocks']! + top['Local Read Blocks']!;
      return { buffers, rows: top['Actual Rows']!, plan: JSON.stringify(rows[0]!['QUERY PLAN']) };
    } finally {
      await connection.query('rollback');
    }
  }

  const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;

  for (const { kind, revision, stream } of kinds) {
    it(`the single append (${kind}): a bounded number of buffers on the grown log, with the plan made on the empty one`, async () => {
      const { buffers, rows, plan } = await explained(`execute authledger_append(${literal(stream)}, ${literal(kind)}, ${revision ?? 'null'}, ${literal(events())}, null)`);
      assert.equal(rows, 1, `the ${kind} append landed nothing`);
      assert.ok(buffers <= MAX_BUFFERS_PER_APPEND, `a ${kind} append touched ${buffers} buffers: ${plan}`);
    });
  }

  it('the shared (group commit) append, every kind in one batch: a bounded number of buffers per append', async () => {
    const { buffers, rows, plan } = await explained(`execute authledger_append_batch(${literal(batchOf(kinds))})`);
    assert.equal(rows, kinds.length, 'an append of the batch landed nothing');
    assert.ok(buffers <= MAX_BUFFERS_PER_APPEND * kinds.length, `a batch of ${kinds.length} appends touched ${buffers} buffers: ${plan}`);
  });

  it('the connection was still using the plans it made on the empty log (nothing re-planned them)', async () => {
    const { rows } = await connection.query<{ n: string }>('select count(*)::text as n from events');
    assert.ok(Number(rows[0]!.n) > 100_000);
    const stats = await connection.query<{ reltuples: number }>("select reltuples from pg_class where relname = 'events'");
    assert.equal(stats.rows[0]!.reltuples, 0, 'the table was analysed again, so the plans were made anew');
  });
});
