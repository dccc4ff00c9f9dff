import type { Knex } from 'knex';
import type { Position } from '../../eventstore/port';

/** Reads of the projection registry (projection_versions, projection_checkpoints) for operators. */

export interface ProjectionVersionRow {
  name: string;
  version: number;
  state: 'building' | 'active' | 'retired';
  checkpoint: Position;
  lastAppliedAt: Date | null;
  eventsApplied: number;
  registeredAt: Date | null;
}

/** Every registered version that is not retired, by name then version. */
export async function liveProjectionVersions(knex: Knex): Promise<ProjectionVersionRow[]> {
  const res = await knex.raw(
    `select v.name, v.version, v.state, c.position_commit::text as commit, c.position_prepare::text as prepare,
            c.updated_at, c.events_applied::text as events_applied, v.created_at
       from projection_versions v
       left join projection_checkpoints c on c.name = v.name and c.version = v.version
      where v.state <> 'retired'
      order by v.name, v.version`,
  );
  return (res.rows as Array<Record<string, unknown>>).map((r) => ({
    name: String(r.name),
    version: Number(r.version),
    state: r.state as ProjectionVersionRow['state'],
    checkpoint: { commit: BigInt((r.commit as string | null) ?? 0), prepare: BigInt((r.prepare as string | null) ?? 0) },
    lastAppliedAt: (r.updated_at as Date | null) ?? null,
    eventsApplied: Number(r.events_applied ?? 0),
    registeredAt: (r.created_at as Date | null) ?? null,
  }));
}
