import type { Knex } from 'knex';
import type { Position } from '../eventstore/port';

/**
 * Direct looks at the PostgreSQL event store's `events` table, for when it lives in the runner's
 * own database. The port answers "what can a reader see", which lags what has committed while
 * an older writing transaction is still open; these answer "what has committed".
 */

/** The newest committed event's position, or null for an empty log. */
export async function committedHead(knex: Knex): Promise<Position | null> {
  const res = await knex.raw(
    'select transaction_id::text as commit, global_position::text as prepare from events order by transaction_id desc, global_position desc limit 1',
  );
  const row = res.rows[0] as { commit: string; prepare: string } | undefined;
  return row ? { commit: BigInt(row.commit), prepare: BigInt(row.prepare) } : null;
}

/** Whether a committed event of these types lies after `after` and at or before `upTo`, read from the table itself (no log horizon). */
export async function hasEventsBetween(knex: Knex, eventTypes: readonly string[], after: Position, upTo: Position): Promise<boolean> {
  const res = await knex.raw(
    `select exists (
       select 1 from events
        where (transaction_id, global_position) > (?::xid8, ?::bigint)
          and (transaction_id, global_position) <= (?::xid8, ?::bigint)
          and type = any(?::text[])) as found`,
    [after.commit.toString(), after.prepare.toString(), upTo.commit.toString(), upTo.prepare.toString(), [...eventTypes]],
  );
  return (res.rows[0] as { found: boolean }).found;
}

/** Committed events of these types after `after` (readable or not yet), counting no further than `cap`. */
export async function countPendingEvents(knex: Knex, eventTypes: readonly string[], after: Position, cap: number): Promise<number> {
  const res = await knex.raw(
    `select count(*)::int as pending from (
       select 1 from events
        where (transaction_id, global_position) > (?::xid8, ?::bigint)
          and type = any(?::text[])
        limit ?) p`,
    [after.commit.toString(), after.prepare.toString(), [...eventTypes], cap],
  );
  return (res.rows[0] as { pending: number }).pending;
}
