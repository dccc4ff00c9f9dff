import type { Knex } from 'knex';
import type { RecordedEvent } from '../eventstore/port';
import { quoteIdent } from '../db/connection';
import type { PhysicalTables } from './projection';

/**
 * Set-based writes for projections: fold a batch of events per row key in memory, then write the
 * result with one `insert … select from jsonb_populate_recordset(…) on conflict … do update` and
 * one `delete … using jsonb_populate_recordset(…)`, after one select that loads the rows the batch
 * touches. Three statements per table per batch, whatever the batch size.
 *
 * jsonb_populate_recordset(null::<table>, …) takes its column types from the table itself, so a
 * projection states its columns once, in its DDL. Rows travel as JSON both ways (read back with
 * to_jsonb), so a row's JavaScript shape is its JSON shape: numbers for integer and numeric
 * columns (keep them below 2^53, or use text), strings for text, dates and timestamps, objects
 * for jsonb.
 */

/** The values of a row's key columns. */
export type RowKey = Readonly<Record<string, string | number | boolean>>;

export interface RowFold<Row extends object, E extends RecordedEvent = RecordedEvent> {
  /** Logical table name (a key of the projection's `tables`). */
  table: string;
  /** The table's primary-key columns: a row's identity and the conflict target. */
  key: readonly string[];
  /** The rows an event touches (key column values), or null to ignore the event. */
  keysOf(event: E): RowKey | readonly RowKey[] | null;
  /**
   * The row after the event; null deletes it. Must be pure and return complete rows (every
   * column): it runs again, batched differently, when the projection is rebuilt.
   */
  evolve(row: Row | null, event: E, key: RowKey): Row | null;
  /** False for rows written once and never revisited (logs): skips loading the current rows. */
  loadExisting?: boolean;
}

export interface RowChanges<Row> {
  upserts: Row[];
  deletes: RowKey[];
}

export interface RowFoldResult {
  loaded: number;
  upserted: number;
  deleted: number;
}

/**
 * Folds one batch into one table. The runner only hands a projection the event types it listed,
 * so `events` is narrowed to the fold's event type here.
 */
export async function applyRowFold<Row extends object, E extends RecordedEvent>(
  trx: Knex.Transaction,
  tables: PhysicalTables,
  fold: RowFold<Row, E>,
  events: readonly RecordedEvent[],
): Promise<RowFoldResult> {
  const physical = tables[fold.table];
  if (!physical) throw new Error(`row fold writes unknown table ${fold.table}`);
  const typed = events as readonly E[];
  const current =
    fold.loadExisting === false ? new Map<string, Row>() : await loadRows<Row>(trx, physical, fold.key, [...touchedKeys(fold, typed).values()]);
  const changes = foldRows(fold, current, typed);
  await deleteRows(trx, physical, fold.key, changes.deletes);
  await upsertRows(trx, physical, fold.key, changes.upserts);
  return { loaded: current.size, upserted: changes.upserts.length, deleted: changes.deletes.length };
}

/**
 * The pure part: given the current rows (by keyString) and the events in log order, which rows
 * to write and which keys to delete. A row evolve hands back unchanged (the same object) is not
 * written again.
 */
export function foldRows<Row extends object, E extends RecordedEvent>(
  fold: RowFold<Row, E>,
  current: ReadonlyMap<string, Row>,
  events: readonly E[],
): RowChanges<Row> {
  const touched = new Map<string, { key: RowKey; before: Row | null; after: Row | null }>();
  for (const event of events) {
    for (const key of keysOfEvent(fold, event)) {
      const id = keyString(fold.key, key);
      let entry = touched.get(id);
      if (!entry) {
        const before = current.get(id) ?? null;
        entry = { key, before, after: before };
        touched.set(id, entry);
      }
      entry.after = fold.evolve(entry.after, event, key);
    }
  }
  const changes: RowChanges<Row> = { upserts: [], deletes: [] };
  for (const { key, before, after } of touched.values()) {
    if (after === before) continue;
    if (after === null) changes.deletes.push(key);
    else changes.upserts.push(after);
  }
  return changes;
}

/** Current rows for these keys, by keyString. */
export async function loadRows<Row extends object>(
  trx: Knex.Transaction,
  physicalTable: string,
  keyColumns: readonly string[],
  keys: readonly RowKey[],
): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  if (keys.length === 0) return rows;
  const t = quoteIdent(physicalTable);
  const res = await trx.raw(
    `select to_jsonb(t) as row from ${t} t join jsonb_populate_recordset(null::${t}, ?::jsonb) k on ${keyJoin(keyColumns)}`,
    [JSON.stringify(keys.map((k) => pick(k, keyColumns)))],
  );
  for (const { row } of res.rows as { row: Row }[]) rows.set(keyString(keyColumns, row as Record<string, unknown>), row);
  return rows;
}

/** One statement: inserts new rows, overwrites existing ones (every column the rows carry). */
export async function upsertRows(trx: Knex.Transaction, physicalTable: string, keyColumns: readonly string[], rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = columnsOf(rows);
  const t = quoteIdent(physicalTable);
  const list = columns.map(quoteIdent).join(', ');
  const updates = columns.filter((c) => !keyColumns.includes(c)).map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
  const onConflict = updates.length > 0 ? `do update set ${updates.join(', ')}` : 'do nothing';
  await trx.raw(
    `insert into ${t} (${list}) select ${list} from jsonb_populate_recordset(null::${t}, ?::jsonb)
     on conflict (${keyColumns.map(quoteIdent).join(', ')}) ${onConflict}`,
    [JSON.stringify(rows)],
  );
}

/** One statement: deletes the rows with these keys. */
export async function deleteRows(trx: Knex.Transaction, physicalTable: string, keyColumns: readonly string[], keys: readonly RowKey[]): Promise<void> {
  if (keys.length === 0) return;
  const t = quoteIdent(physicalTable);
  await trx.raw(`delete from ${t} t using jsonb_populate_recordset(null::${t}, ?::jsonb) k where ${keyJoin(keyColumns)}`, [
    JSON.stringify(keys.map((k) => pick(k, keyColumns))),
  ]);
}

/**
 * A key's identity in memory. Values are compared as text, so a key built from event data as a
 * string matches the number a numeric column reads back as.
 */
export function keyString(keyColumns: readonly string[], key: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(
    keyColumns.map((c) => {
      const v = key[c];
      if (v === undefined || v === null) throw new Error(`row key is missing column ${c}`);
      return String(v);
    }),
  );
}

function keysOfEvent<Row extends object, E extends RecordedEvent>(fold: RowFold<Row, E>, event: E): readonly RowKey[] {
  const keys = fold.keysOf(event);
  if (keys === null) return [];
  return isKeyList(keys) ? keys : [keys];
}

function isKeyList(keys: RowKey | readonly RowKey[]): keys is readonly RowKey[] {
  return Array.isArray(keys);
}

function touchedKeys<Row extends object, E extends RecordedEvent>(fold: RowFold<Row, E>, events: readonly E[]): Map<string, RowKey> {
  const keys = new Map<string, RowKey>();
  for (const event of events) for (const key of keysOfEvent(fold, event)) keys.set(keyString(fold.key, key), key);
  return keys;
}

function keyJoin(keyColumns: readonly string[]): string {
  return keyColumns.map((c) => `t.${quoteIdent(c)} = k.${quoteIdent(c)}`).join(' and ');
}

function pick(key: RowKey, columns: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const c of columns) picked[c] = key[c];
  return picked;
}

/** Every column any of the rows carries, in first-seen order. */
function columnsOf(rows: readonly object[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const c of Object.keys(row)) columns.add(c);
  return [...columns];
}
