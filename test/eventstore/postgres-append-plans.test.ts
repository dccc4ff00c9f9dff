import assert from 'node:assert/strict';
import type pg from 'pg';
import { APPEND_SQL } from '../../src/eventstore/postgres-append';
import { APPEND_BATCH_SQL } from '../../src/eventstore/postgres-group-commit';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * An append's cost does not grow with the log: its statements find a stream's revision through
 * the (stream_id, stream_revision) index and never read the table, and PostgreSQL plans them once
 * per connection, not on every append (postgres-append-plans-grown-log.test.ts: the plans made on
 * an empty log, used after it grew). (A hashed subplan over the whole table once made every
 * batch slower as the log grew; a plan that only looked good for literal values made every single
 * append pay for planning.)
 */
describe('PostgreSQL append statements, as planned', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase('append-plans', { poolMax: 2 });
  });
  after(() => db.drop());

  const event = (i: number) => `{"id":"7d1f4e62-1b8a-4c3e-9a4f-${String(i).padStart(12, '0')}","type":"T","data":{},"metadata":{}}`;
  const statements = [
    { name: 'the single append', sql: APPEND_SQL, args: (i: number) => [`'planned-${i}'`, "'no_stream'", 'null', `'[${event(i)}]'`, 'null'] },
    { name: 'the shared (group commit) append', sql: APPEND_BATCH_SQL, args: (i: number) => [`'[{"s":"stream-${i}","k":"exact","r":3,"e":[${event(100 + i)}]},{"s":"new-${i}","k":"no_stream","e":[${event(200 + i)}]}]'`] },
  ];

  /**
   * `work` with `sql` prepared as `planned` on a connection of its own, in a transaction rolled back
   * afterwards (these statements insert). A prepared statement outlives a rollback, so it goes too.
   */
  async function withPrepared(sql: string, work: (query: (text: string) => Promise<Array<Record<string, string>>>) => Promise<void>): Promise<void> {
    const pool = db.knex.client as { acquireConnection(): Promise<pg.PoolClient>; releaseConnection(c: pg.PoolClient): Promise<void> };
    const connection = await pool.acquireConnection();
    const query = async (text: string) => (await connection.query(text)).rows as Array<Record<string, string>>;
    try {
      await query('begin');
      await query(`prepare planned as ${sql}`);
      await work(query);
    } finally {
      await query('rollback');
      if ((await query("select 1 from pg_prepared_statements where name = 'planned'")).length) await query('deallocate planned');
      await pool.releaseConnection(connection);
    }
  }

  async function genericPlan(sql: string, args: string[]): Promise<string> {
    let plan = '';
    await withPrepared(sql, async (query) => {
      await query('set local plan_cache_mode = force_generic_plan');
      plan = (await query(`explain (verbose) execute planned(${args.join(', ')})`)).map((r) => r['QUERY PLAN']).join('\n');
    });
    return plan;
  }

  /** The statement reads events only through the revision probe (authledger_stream_revision, an index probe whatever the statistics: the grown-log spec). */
  const probesOnly = (plan: string) => {
    assert.doesNotMatch(plan, /Scan[^\n]* on events|hashed SubPlan/, plan);
    assert.equal(plan.match(/authledger_stream_revision\(/g)?.length, 1, plan);
  };

  // A connection keeps the plan it made first, on a new database while the log was still empty.
  for (const { name, sql, args } of statements) {
    it(`${name}: planned on an empty log, it probes the index and never reads the table`, async () => {
      probesOnly(await genericPlan(sql, args(0)));
    });
  }

  describe('on a log of 40,000 events', () => {
    before(async () => {
      await db.knex.raw(`
        insert into events (stream_id, stream_revision, event_id, type, data, metadata)
        select 'stream-' || (g / 4), g % 4, md5(g::text)::uuid, 'Seeded', '{}', '{}' from generate_series(0, 39999) g`);
      await db.knex.raw('analyze events');
    });

    for (const { name, sql, args } of statements) {
      it(`${name}: it still probes the index and never reads the table`, async () => {
        probesOnly(await genericPlan(sql, args(0)));
      });

      it(`${name}: PostgreSQL settles on one plan for it after its first executions`, async () => {
        let generic = 0;
        await withPrepared(sql, async (query) => {
          for (let i = 0; i < 10; i++) assert.equal((await query(`execute planned(${args(i).join(', ')})`)).length, sql === APPEND_SQL ? 1 : 2);
          generic = Number((await query("select generic_plans from pg_prepared_statements where name = 'planned'"))[0]!.generic_plans);
        });
        assert.ok(generic >= 5, `only ${generic} of 10 executions used the cached plan: every append paid for planning`);
      });
    }
  });
});
