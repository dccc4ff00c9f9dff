import type { Knex } from 'knex';

/**
 * Projections are versioned (src/projections/): each version builds its own physical tables and
 * has its own checkpoint, so a new version can catch up beside the one readers still use.
 *
 * - projection_checkpoints is keyed by (name, version) instead of name; `events_applied` is a
 *   running total for ops.
 * - projection_versions is the registry: which versions exist, which one the plain-named views
 *   point at (at most one 'active' per name), and which were retired by a newer one.
 */
export const name = '0002_projection_versions';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table projection_checkpoints add column version integer not null default 1;
    alter table projection_checkpoints alter column version drop default;
    alter table projection_checkpoints drop constraint projection_checkpoints_pkey;
    alter table projection_checkpoints add primary key (name, version);
    alter table projection_checkpoints add column events_applied bigint not null default 0;

    create table projection_versions (
      name text not null,
      version integer not null check (version > 0),
      state text not null check (state in ('building', 'active', 'retired')),
      -- Logical table names of this version, so ops can find (and drop) a retired version's tables.
      tables text[] not null,
      created_at timestamptz not null default now(),
      activated_at timestamptz,
      retired_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (name, version)
    );
    create unique index projection_versions_one_active on projection_versions (name) where state = 'active';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists projection_versions;
    delete from projection_checkpoints where version <> 1;
    alter table projection_checkpoints drop column events_applied;
    alter table projection_checkpoints drop constraint projection_checkpoints_pkey;
    alter table projection_checkpoints drop column version;
    alter table projection_checkpoints add primary key (name);
  `);
}
