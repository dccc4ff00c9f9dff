import type { Knex } from 'knex';
import { quoteIdent } from '../db/connection';
import type { PhysicalTables, Projection } from './projection';

/**
 * Where a projection's rows physically live. Every version has its own tables
 * (`<logical>_v<version>`) so a new version can build while readers keep using the old one through
 * the plain-named view; a rebuild writes shadow tables (`<logical>_v<version>_rebuild`) and then
 * renames them over the live ones.
 */
export type TableSet = 'live' | 'shadow';

const SHADOW_SUFFIX = '_rebuild';

export function physicalTableName(logical: string, version: number, set: TableSet = 'live'): string {
  return `${logical}_v${version}${set === 'shadow' ? SHADOW_SUFFIX : ''}`;
}

export function physicalTables(projection: Projection, set: TableSet = 'live'): PhysicalTables {
  const tables: Record<string, string> = {};
  for (const logical of Object.keys(projection.tables)) tables[logical] = physicalTableName(logical, projection.version, set);
  return tables;
}

/**
 * Creates the tables of one set that do not exist yet, and runs the projection's index DDL when
 * it created them. Returns the logical names it created.
 */
export async function createMissingTables(trx: Knex.Transaction, projection: Projection, set: TableSet): Promise<string[]> {
  const tables = physicalTables(projection, set);
  const created: string[] = [];
  for (const [logical, body] of Object.entries(projection.tables)) {
    const physical = tables[logical]!;
    if (await tableExists(trx, physical)) continue;
    await trx.raw(`create table ${quoteIdent(physical)} (${body.replaceAll('{{table}}', physical)})`);
    created.push(logical);
  }
  if (created.length > 0) {
    for (const ddl of projection.indexes ?? []) {
      const rendered = renderTablePlaceholders(ddl, tables);
      // An index DDL only concerns the tables it names; skip the ones whose tables already existed.
      if (created.some((logical) => ddl.includes(`{{table:${logical}}}`))) await trx.raw(rendered);
    }
  }
  return created;
}

/** One statement, so foreign keys among the set's own tables do not block it; anything else depending on them does. */
export async function dropTables(trx: Knex.Transaction, projection: Projection, set: TableSet): Promise<void> {
  await trx.raw(`drop table if exists ${Object.values(physicalTables(projection, set)).map(quoteIdent).join(', ')}`);
}

/** Points the plain-named views at this version's live tables (drop + create: the columns may differ between versions). */
export async function pointViewsAt(trx: Knex.Transaction, projection: Projection): Promise<void> {
  for (const [logical, physical] of Object.entries(physicalTables(projection, 'live'))) {
    await trx.raw(`drop view if exists ${quoteIdent(logical)}`);
    await trx.raw(`create view ${quoteIdent(logical)} as select * from ${quoteIdent(physical)}`);
  }
}

/**
 * Replaces the live tables by the shadow ones inside the caller's transaction. A view binds to a
 * table, not a name, so the caller re-creates the views afterwards. The shadow's indexes and owned
 * sequences carry the shadow name; they are renamed too, or the next rebuild's shadow would
 * collide with them.
 */
export async function swapShadowIntoLive(trx: Knex.Transaction, projection: Projection, viewsPointHere: boolean): Promise<void> {
  const live = physicalTables(projection, 'live');
  const shadow = physicalTables(projection, 'shadow');
  if (viewsPointHere) {
    for (const logical of Object.keys(live)) await trx.raw(`drop view if exists ${quoteIdent(logical)}`);
  }
  await dropTables(trx, projection, 'live');
  for (const logical of Object.keys(live)) {
    const from = shadow[logical]!;
    const to = live[logical]!;
    await trx.raw(`alter table ${quoteIdent(from)} rename to ${quoteIdent(to)}`);
    await renameDependents(trx, to, from, to);
  }
}

/** Indexes (and with them their constraints) and owned sequences of `table` named after `oldPrefix`. */
async function renameDependents(trx: Knex.Transaction, table: string, oldPrefix: string, newPrefix: string): Promise<void> {
  const res = await trx.raw(
    `select c.relname as name, case c.relkind when 'S' then 'sequence' else 'index' end as kind
       from pg_class c
      where c.relnamespace = current_schema()::regnamespace
        and left(c.relname, length(?)) = ?
        and (c.oid in (select indexrelid from pg_index where indrelid = ?::regclass)
             or c.oid in (select objid from pg_depend where refobjid = ?::regclass and classid = 'pg_class'::regclass and deptype in ('a', 'i') and c.relkind = 'S'))`,
    [oldPrefix, oldPrefix, quoteIdent(table), quoteIdent(table)],
  );
  for (const row of res.rows as { name: string; kind: 'index' | 'sequence' }[]) {
    const renamed = newPrefix + row.name.slice(oldPrefix.length);
    await trx.raw(`alter ${row.kind} ${quoteIdent(row.name)} rename to ${quoteIdent(renamed)}`);
  }
}

async function tableExists(trx: Knex.Transaction, physical: string): Promise<boolean> {
  const res = await trx.raw('select to_regclass(?) is not null as found', [quoteIdent(physical)]);
  return Boolean((res.rows[0] as { found: boolean }).found);
}

function renderTablePlaceholders(ddl: string, tables: PhysicalTables): string {
  return ddl.replace(/\{\{table:([a-z0-9_]+)\}\}/g, (_, logical: string) => {
    const physical = tables[logical];
    if (!physical) throw new Error(`index DDL names unknown table ${logical}`);
    // Unquoted, so `{{table:users}}_by_email` makes one identifier; logical names are checked lowercase identifiers.
    return physical;
  });
}
