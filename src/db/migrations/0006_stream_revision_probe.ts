import type { Knex } from 'knex';

/**
 * A stream's last revision, read only through the (stream_id, stream_revision) index, for the
 * append statements. Inline in them, the lookup was planned with the rest of the statement, and a
 * connection that planned it while the log was empty (and analysed as such, by autovacuum or an
 * operator) kept a sequential scan: 6,300 buffers per append at 120,000 events, every heap page,
 * until the table was analysed again, which with autovacuum off or lagging is never. The planner
 * settings here rule that plan out for this lookup alone, whatever the statistics say when it is
 * planned; PL/pgSQL keeps the plan per connection.
 */
export const name = '0006_stream_revision_probe';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function authledger_stream_revision(p_stream text) returns bigint
    language plpgsql stable
    set enable_seqscan = off
    set enable_bitmapscan = off
    as $fn$
    begin
      return (select max(stream_revision) from events where stream_id = p_stream);
    end
    $fn$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists authledger_stream_revision(text)');
}
