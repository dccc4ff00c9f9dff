import type { Knex } from 'knex';

/**
 * Folded write-model state every N events of a long stream, so a command reads the snapshot and
 * the events after it instead of the whole stream. A snapshot is a cache: deleting any row only
 * makes the next command read more. `schema` names the decider state's shape; a changed shape
 * gets a new name and old rows are ignored.
 */
export const name = '0003_stream_snapshots';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table stream_snapshots (
      stream_id text not null,
      schema text not null,
      revision bigint not null,
      state jsonb not null,
      taken_at timestamptz not null default now(),
      primary key (stream_id, schema)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists stream_snapshots');
}
