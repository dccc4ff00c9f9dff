import type { Knex } from 'knex';

/** Where folded states of long streams are kept (PostgreSQL, whichever event store is in use). */
export interface SnapshotStore {
  load<S>(streamId: string, schema: string): Promise<{ revision: number; state: S } | null>;
  save<S>(streamId: string, schema: string, revision: number, state: S): Promise<void>;
}

export interface SnapshotPolicy {
  /** Names the state's shape; change it whenever evolve or the state changes. */
  schema: string;
  /** Take a new snapshot once this many events follow the last one. */
  every: number;
}

export function postgresSnapshots(knex: Knex): SnapshotStore {
  return {
    async load<S>(streamId: string, schema: string) {
      const row = await knex('stream_snapshots').where({ stream_id: streamId, schema }).first('revision', 'state');
      return row ? { revision: Number(row.revision), state: row.state as S } : null;
    },
    async save<S>(streamId: string, schema: string, revision: number, state: S) {
      // Never move a snapshot backwards: two writers may save out of order.
      await knex.raw(
        `insert into stream_snapshots (stream_id, schema, revision, state) values (?, ?, ?, ?::jsonb)
         on conflict (stream_id, schema) do update set revision = excluded.revision, state = excluded.state, taken_at = now()
         where stream_snapshots.revision < excluded.revision`,
        [streamId, schema, revision, JSON.stringify(state)],
      );
    },
  };
}
