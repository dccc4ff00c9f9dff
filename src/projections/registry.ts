import type { Knex } from 'knex';
import { formatPosition, type Position } from '../eventstore/port';
import { registryLockKey } from './advisory-lock';
import { createMissingTables, dropTables, pointViewsAt } from './physical-tables';
import type { Projection } from './projection';

/**
 * The projection registry (projection_versions) and checkpoints (projection_checkpoints), both
 * keyed by (name, version). See migration 0002.
 */

export type VersionState = 'building' | 'active' | 'retired';

/** NOTIFY channel on which every checkpoint move and activation is announced (in its own database). */
export const CHECKPOINT_CHANNEL = 'authledger_checkpoints';

/** `<name> <version> <commit>-<prepare>`: what a checkpoint move announces. */
export function checkpointNotice(projection: Pick<Projection, 'name' | 'version'>, at: Position): string {
  return `${projection.name} ${projection.version} ${formatPosition(at)}`;
}

/** Before the first event. PostgreSQL transaction ids start at 3, so no event has this position. */
export const LOG_START: Position = { commit: 0n, prepare: 0n };

export function isLogStart(p: Position): boolean {
  return p.commit === 0n && p.prepare === 0n;
}

/** The committed progress of one projection version, as any process sees it. */
export interface VersionProgress {
  state: VersionState | null;
  /** The version readers see through the views, if any. */
  activeVersion: number | null;
  checkpoint: Position;
  /** When the checkpoint last moved: the last time a batch was applied. */
  lastAppliedAt: Date | null;
  eventsApplied: number;
}

/** A version that must not run because a newer one is active. */
export function isSuperseded(p: Pick<VersionProgress, 'activeVersion'>, version: number): boolean {
  return p.activeVersion !== null && p.activeVersion > version;
}

export class CheckpointMovedError extends Error {
  constructor(name: string, version: number) {
    super(`the checkpoint of ${name} v${version} was moved by someone else; reloading it`);
    this.name = 'CheckpointMovedError';
  }
}

/**
 * Registers a version on first sight (state 'building', checkpoint at the log start) and creates
 * its tables when missing, unless a newer version is already active. Tables that went missing under an existing checkpoint cannot be
 * trusted to match it, so all of the version's tables are re-created and the checkpoint restarts.
 */
export async function prepareVersion(knex: Knex, projection: Projection): Promise<VersionProgress> {
  return knex.transaction(async (trx) => {
    await lockRegistry(trx, projection.name);
    const existing = await readProgress(trx, projection);
    // A version older than the active one is never built: it could not become active anyway.
    if (isSuperseded(existing, projection.version)) return existing;
    await trx.raw(
      `insert into projection_versions (name, version, state, tables) values (?, ?, 'building', ?::text[])
       on conflict (name, version) do nothing`,
      [projection.name, projection.version, Object.keys(projection.tables)],
    );
    await trx.raw('insert into projection_checkpoints (name, version) values (?, ?) on conflict (name, version) do nothing', [
      projection.name,
      projection.version,
    ]);
    const before = await readProgress(trx, projection);
    const created = await createMissingTables(trx, projection, 'live');
    if (created.length > 0 && !isLogStart(before.checkpoint)) {
      await dropTables(trx, projection, 'live');
      await createMissingTables(trx, projection, 'live');
      await trx.raw(
        `update projection_checkpoints set position_commit = '0', position_prepare = 0, events_applied = 0, updated_at = now()
          where name = ? and version = ?`,
        [projection.name, projection.version],
      );
      return { ...before, checkpoint: LOG_START, eventsApplied: 0 };
    }
    return before;
  });
}

export async function readProgress(db: Knex | Knex.Transaction, projection: Pick<Projection, 'name' | 'version'>): Promise<VersionProgress> {
  const res = await db.raw(
    `select v.state,
            (select a.version from projection_versions a where a.name = ? and a.state = 'active') as active_version,
            c.position_commit::text as commit, c.position_prepare::text as prepare, c.updated_at, c.events_applied::text as events_applied
       from (select 1) one
       left join projection_checkpoints c on c.name = ? and c.version = ?
       left join projection_versions v on v.name = ? and v.version = ?`,
    [projection.name, projection.name, projection.version, projection.name, projection.version],
  );
  const row = res.rows[0] as {
    state: VersionState | null;
    active_version: number | null;
    commit: string | null;
    prepare: string | null;
    updated_at: Date | null;
    events_applied: string | null;
  };
  const checkpoint = row.commit === null || row.prepare === null ? LOG_START : { commit: BigInt(row.commit), prepare: BigInt(row.prepare) };
  return {
    state: row.state,
    activeVersion: row.active_version,
    checkpoint,
    lastAppliedAt: row.commit === null ? null : row.updated_at,
    eventsApplied: Number(row.events_applied ?? 0),
  };
}

/**
 * Moves the checkpoint from `from` to `to` inside the batch's transaction, only if it is still at
 * `from`: a fence against a second writer (a runner that lost its lock connection but still had
 * a batch in flight), on top of the advisory lock.
 */
export async function moveCheckpoint(
  trx: Knex.Transaction,
  projection: Pick<Projection, 'name' | 'version'>,
  from: Position,
  to: Position,
  events: number,
): Promise<void> {
  // The notice is sent at commit, so a listener that hears it can read what the batch wrote
  // (read-your-writes waiters in API processes: ./checkpoint-watch.ts).
  const res = await trx.raw(
    `update projection_checkpoints
        set position_commit = ?::xid8, position_prepare = ?, events_applied = events_applied + ?, updated_at = now()
      where name = ? and version = ? and position_commit = ?::xid8 and position_prepare = ?
      returning pg_notify('${CHECKPOINT_CHANNEL}', ?)`,
    [
      to.commit.toString(),
      to.prepare.toString(),
      events,
      projection.name,
      projection.version,
      from.commit.toString(),
      from.prepare.toString(),
      checkpointNotice(projection, to),
    ],
  );
  if (res.rowCount !== 1) throw new CheckpointMovedError(projection.name, projection.version);
}

export type ActivationResult = 'activated' | 'already-active' | 'superseded';

/**
 * Makes a caught-up version the one readers see: views re-pointed, the previous active version
 * retired, in the caller's transaction. A newer version always wins, so an old process still
 * running during a deploy cannot switch readers back.
 */
export async function activateVersion(trx: Knex.Transaction, projection: Projection): Promise<ActivationResult> {
  await lockRegistry(trx, projection.name);
  const res = await trx.raw(`select version from projection_versions where name = ? and state = 'active'`, [projection.name]);
  const active = (res.rows[0] as { version: number } | undefined)?.version ?? null;
  if (active === projection.version) return 'already-active';
  if (active !== null && active > projection.version) return 'superseded';
  await pointViewsAt(trx, projection);
  await trx.raw(
    `update projection_versions set state = 'retired', retired_at = now(), updated_at = now() where name = ? and state = 'active'`,
    [projection.name],
  );
  await trx.raw(
    `update projection_versions set state = 'active', activated_at = now(), retired_at = null, updated_at = now() where name = ? and version = ?`,
    [projection.name, projection.version],
  );
  await trx.raw(`select pg_notify('${CHECKPOINT_CHANNEL}', ?)`, [`${projection.name} ${projection.version} activated`]);
  return 'activated';
}

/** Transaction-scoped: released by the commit or rollback. */
export async function lockRegistry(trx: Knex.Transaction, name: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(?::bigint)', [registryLockKey(name).toString()]);
}
