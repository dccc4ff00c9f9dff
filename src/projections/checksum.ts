import type { Knex } from 'knex';
import { quoteIdent } from '../db/connection';

export interface TableFingerprint {
  /** md5 over every row's text form, in key order; equal tables have equal checksums. */
  checksum: string;
  rows: number;
}

/**
 * Fingerprint of a table's contents, for "rebuild equals incremental". Each row is hashed first
 * and the hashes are hashed together, so the aggregate stays 32 bytes per row instead of a whole
 * row (a single text value cannot exceed 1 GB). Row text follows column order, so only tables
 * created from the same DDL compare equal.
 */
export async function tableFingerprint(knex: Knex | Knex.Transaction, physicalTable: string, keyColumns: readonly string[]): Promise<TableFingerprint> {
  if (keyColumns.length === 0) throw new Error(`a checksum of ${physicalTable} needs key columns to order its rows`);
  const order = keyColumns.map((c) => `t.${quoteIdent(c)}`).join(', ');
  const res = await knex.raw(
    `select md5(coalesce(string_agg(md5(t::text), '' order by ${order}), '')) as checksum, count(*)::int as rows from ${quoteIdent(physicalTable)} t`,
  );
  const row = res.rows[0] as { checksum: string; rows: number };
  return { checksum: row.checksum, rows: row.rows };
}

export async function tableChecksum(knex: Knex | Knex.Transaction, physicalTable: string, keyColumns: readonly string[]): Promise<string> {
  return (await tableFingerprint(knex, physicalTable, keyColumns)).checksum;
}
