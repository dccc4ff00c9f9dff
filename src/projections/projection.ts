import type { Knex } from 'knex';
import type { RecordedEvent } from '../eventstore/port';

/** Logical table name → the physical table one run of a projection writes (`users` → `users_v3`). */
export type PhysicalTables = Readonly<Record<string, string>>;

/**
 * A read model built from the global log. Its tables carry the projection's version in their
 * physical names (`users_v3`); readers use a view with the plain name (`users`) that the runner
 * points at the newest version once that version has caught up. A changed projection bumps its
 * version and builds beside the old one.
 *
 * A rebuild replays the log into shadow tables and must end byte-for-byte equal to the
 * incrementally built tables, so `apply` may depend only on the events and the rows already in
 * its tables: no now(), random(), sequences or column defaults that differ between runs.
 */
export interface Projection {
  /** Stable name (lowercase identifier), part of the checkpoint key and the advisory-lock key. */
  name: string;
  /** Positive integer; bump it whenever apply or the tables change. */
  version: number;
  /** The event types it handles; the runner reads only these. */
  eventTypes: string[];
  /**
   * Logical table name → what goes between the parentheses of `create table`: columns and
   * constraints. `{{table}}` stands for the physical name (for naming constraints).
   */
  tables: Record<string, string>;
  /**
   * Extra DDL (indexes) run once when the tables are created; `{{table:logical}}` stands for a
   * physical name. Name indexes after the physical table (`{{table:users}}_by_email`) so a
   * rebuild's shadow indexes can be renamed along with their table.
   */
  indexes?: string[];
  /**
   * Applies one batch, set-based: a few statements per batch, not one per event (see
   * ./upsert.ts). `tables` maps each logical name to the physical table this run writes (the live
   * version or a rebuild's shadow). Runs inside the runner's transaction, which also moves the
   * checkpoint: throwing rolls both back and the runner retries the batch.
   */
  apply(trx: Knex.Transaction, events: readonly RecordedEvent[], tables: PhysicalTables): Promise<void>;
  /** Columns that order the rows for the rebuild-equals-incremental checksum, per logical table. */
  keyColumns: Record<string, string[]>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** PostgreSQL truncates identifiers at 63 bytes; leave room for `_v<version>_rebuild_<index suffix>`. */
const MAX_LOGICAL_NAME = 40;

/** Throws on a projection the runner cannot run safely: bad names, missing key columns. */
export function assertValidProjection(projection: Projection): void {
  const where = `projection ${JSON.stringify(projection.name)}`;
  if (!IDENTIFIER.test(projection.name)) throw new Error(`${where}: name must be a lowercase identifier`);
  if (!Number.isInteger(projection.version) || projection.version < 1) throw new Error(`${where}: version must be a positive integer`);
  if (projection.eventTypes.length === 0) throw new Error(`${where}: handles no event types`);
  const logical = Object.keys(projection.tables);
  if (logical.length === 0) throw new Error(`${where}: has no tables`);
  for (const table of logical) {
    if (!IDENTIFIER.test(table) || table.length > MAX_LOGICAL_NAME) {
      throw new Error(`${where}: table name ${JSON.stringify(table)} must be a lowercase identifier of at most ${MAX_LOGICAL_NAME} characters`);
    }
    if (!projection.keyColumns[table]?.length) throw new Error(`${where}: no keyColumns for table ${table}`);
  }
}

export function assertDistinctNames(projections: readonly Projection[]): void {
  const seen = new Set<string>();
  for (const p of projections) {
    if (seen.has(p.name)) throw new Error(`projection ${p.name} is listed twice`);
    seen.add(p.name);
  }
}
