import type { Knex } from 'knex';

/**
 * `authledger_stored_events` told a re-send from a conflict by event ids; the adapter's one
 * prepared refusal lookup (re-sent events and the stream's revision together) replaced it.
 */
export const name = '0004_drop_stored_events_lookup';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists authledger_stored_events(uuid[])');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create function authledger_stored_events(p_ids uuid[])
    returns table (stream_id text, stream_revision bigint, global_position bigint, transaction_id xid8)
    language sql stable as $fn$
      select e.stream_id, e.stream_revision, e.global_position, e.transaction_id
      from events e where e.event_id = any(p_ids)
    $fn$;
  `);
}
