import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type pg from 'pg';
import { comparePositions, formatPosition, type EventStore, type Position } from '../eventstore/port';
import { lockConnectionConfig, LockSession, projectionLockKey } from './advisory-lock';
import { commitBatch, drain, readProjectionEvents } from './batches';
import { tableFingerprint, type TableFingerprint } from './checksum';
import { consoleProjectionLogger, type ProjectionLogger } from './logger';
import { createMissingTables, dropTables, physicalTables, pointViewsAt, swapShadowIntoLive } from './physical-tables';
import { assertValidProjection, type Projection } from './projection';
import { activateVersion, isSuperseded, LOG_START, lockRegistry, moveCheckpoint, prepareVersion, readProgress } from './registry';

export { tableChecksum, tableFingerprint, type TableFingerprint } from './checksum';

export interface RebuildOptions {
  store: EventStore;
  knex: Knex;
  projection: Projection;
  /** Default 5000: a replay has no reader waiting on each batch. */
  batchSize?: number;
  /** How long to wait for the live runner to give up the projection's lock. Default 60 s. */
  lockTimeoutMs?: number;
  /** False: compare only, and leave the shadow tables for inspection. Default true. */
  swap?: boolean;
  logger?: ProjectionLogger;
  /** Settings for the lock connection. Default: those of `knex`. */
  lockConnection?: pg.ClientConfig;
  /**
   * Hears each phase as it starts (with 0 events) and, in the two phases that apply events, each
   * batch with the number of events of that phase so far (for a progress bar).
   */
  onProgress?: (phase: RebuildPhase, events: number) => void;
}

/**
 * `replay`: the log from the start into the shadow tables, and in the same pass into the live
 * tables from their checkpoint on; `catch-up`: the live tables over whatever the replay left them
 * behind (normally nothing); `compare`: checksums of both; `swap`: the shadow tables go live.
 */
export type RebuildPhase = 'replay' | 'catch-up' | 'compare' | 'swap';

export interface TableComparison {
  /** Logical table name. */
  table: string;
  live: TableFingerprint;
  rebuilt: TableFingerprint;
  equal: boolean;
}

export interface RebuildReport {
  name: string;
  version: number;
  eventsReplayed: number;
  seconds: number;
  /** Where the replay stopped; the live checkpoint afterwards. */
  position: string;
  /** Over all tables (md5 of the per-table checksums in table-name order). */
  checksumLive: string;
  checksumRebuilt: string;
  equal: boolean;
  swapped: boolean;
  tables: TableComparison[];
}

/**
 * Replays a projection from the start of the log into shadow tables (`<logical>_v<version>_rebuild`)
 * and swaps them in for the live tables of that version, holding the projection's advisory lock
 * throughout so its live runner pauses (a runner gives the lock up when it sees someone waiting).
 *
 * Before the swap the live tables are brought to exactly where the replay stopped, through the
 * normal batch path, and the two are compared: the report says whether an incremental build and a
 * replay agree. The swap (rename in one transaction, views re-pointed) leaves the checkpoint there.
 */
export async function rebuildProjection(options: RebuildOptions): Promise<RebuildReport> {
  const { store, knex, projection } = options;
  assertValidProjection(projection);
  const batchSize = options.batchSize ?? 5000;
  const logger = options.logger ?? consoleProjectionLogger;
  const fields = { projection: projection.name, version: projection.version };
  const session = await LockSession.open(options.lockConnection ?? lockConnectionConfig(knex, 'authledger-rebuild-lock'));
  try {
    await session.lock(projectionLockKey(projection.name, projection.version), options.lockTimeoutMs ?? 60_000, `projection ${projection.name} v${projection.version}`);
    const startedAt = process.hrtime.bigint();
    logger.info(fields, 'rebuild: replaying the log into shadow tables');
    const live = await prepareVersion(knex, projection);
    await knex.transaction(async (trx) => {
      await dropTables(trx, projection, 'shadow');
      await createMissingTables(trx, projection, 'shadow');
    });

    const shadow = physicalTables(projection, 'shadow');
    const liveTables = physicalTables(projection, 'live');
    // The live tables must end where the replay stops, so the comparison means "replay equals
    // incremental". Events past the live checkpoint are applied to them from the batches the replay
    // reads anyway, through the normal batch path and concurrently with the shadow write: one read of
    // the log instead of two (with no projector running, a full second pass over the same events).
    let livePosition = live.checkpoint;
    let replayed = 0;
    options.onProgress?.('replay', 0);
    const replay = await drain({
      read: (after, maxCount) => readProjectionEvents(store, projection, after, maxCount),
      commit: async (events) => {
        const forLive = events.filter((e) => comparePositions(e.position, livePosition) > 0);
        const writes = await Promise.allSettled([
          knex.transaction((trx) => projection.apply(trx, events, shadow)),
          forLive.length > 0 ? commitBatch(knex, projection, liveTables, livePosition, forLive) : livePosition,
        ]);
        for (const write of writes) if (write.status === 'rejected') throw write.reason;
        livePosition = (writes[1] as PromiseFulfilledResult<Position>).value;
        replayed += events.length;
        options.onProgress?.('replay', replayed);
      },
      from: LOG_START,
      batchSize,
    });

    logger.info({ ...fields, eventsReplayed: replay.events }, 'rebuild: bringing the live tables to where the replay stopped');
    options.onProgress?.('catch-up', 0);
    let caughtUpEvents = 0;
    const caughtUp = await drain({
      read: (after, maxCount) => readProjectionEvents(store, projection, after, maxCount),
      commit: async (events, from) => {
        await commitBatch(knex, projection, liveTables, from, events);
        caughtUpEvents += events.length;
        options.onProgress?.('catch-up', caughtUpEvents);
      },
      from: livePosition,
      until: replay.position,
      batchSize,
    });
    if (comparePositions(caughtUp.position, replay.position) !== 0) {
      throw new Error(
        `live ${projection.name} v${projection.version} is at ${formatPosition(caughtUp.position)}, past the replay's ${formatPosition(replay.position)}`,
      );
    }

    options.onProgress?.('compare', 0);
    const tables = await verifyRebuild(knex, projection);
    const swap = options.swap ?? true;
    if (swap) {
      options.onProgress?.('swap', 0);
      await swapRebuiltTables(knex, projection, replay.position);
    }
    const report: RebuildReport = {
      name: projection.name,
      version: projection.version,
      eventsReplayed: replay.events,
      seconds: Number(process.hrtime.bigint() - startedAt) / 1e9,
      position: formatPosition(replay.position),
      checksumLive: combinedChecksum(tables.map((t) => t.live.checksum)),
      checksumRebuilt: combinedChecksum(tables.map((t) => t.rebuilt.checksum)),
      equal: tables.every((t) => t.equal),
      swapped: swap,
      tables,
    };
    logger.info({ ...fields, eventsReplayed: report.eventsReplayed, equal: report.equal, swapped: swap }, 'rebuild: done');
    return report;
  } finally {
    // Ending the connection releases the lock; the live runner takes it back on its next try.
    await session.end();
  }
}

/** Compares the rebuilt shadow tables with the live tables of the same version, table by table. */
export async function verifyRebuild(knex: Knex, projection: Projection): Promise<TableComparison[]> {
  const live = physicalTables(projection, 'live');
  const shadow = physicalTables(projection, 'shadow');
  const comparisons: TableComparison[] = [];
  for (const table of Object.keys(projection.tables).sort()) {
    const keys = projection.keyColumns[table]!;
    const [liveFingerprint, rebuiltFingerprint] = await Promise.all([
      tableFingerprint(knex, live[table]!, keys),
      tableFingerprint(knex, shadow[table]!, keys),
    ]);
    comparisons.push({
      table,
      live: liveFingerprint,
      rebuilt: rebuiltFingerprint,
      equal: liveFingerprint.checksum === rebuiltFingerprint.checksum && liveFingerprint.rows === rebuiltFingerprint.rows,
    });
  }
  return comparisons;
}

/**
 * In one transaction: the shadow tables replace the live ones, the views follow (or the version is
 * activated, if it was still building: it is at the head now), and the checkpoint is confirmed at
 * the replay's end.
 */
async function swapRebuiltTables(knex: Knex, projection: Projection, position: Position): Promise<void> {
  await knex.transaction(async (trx) => {
    await lockRegistry(trx, projection.name);
    const progress = await readProgress(trx, projection);
    await moveCheckpoint(trx, projection, position, position, 0);
    const readersSeeThisVersion = progress.activeVersion === projection.version;
    await swapShadowIntoLive(trx, projection, readersSeeThisVersion);
    if (readersSeeThisVersion) await pointViewsAt(trx, projection);
    else if (!isSuperseded(progress, projection.version)) await activateVersion(trx, projection);
  });
}

function combinedChecksum(checksums: string[]): string {
  return createHash('md5').update(checksums.join('\n')).digest('hex');
}

export interface RebuildCommandOptions {
  store: EventStore;
  knex: Knex;
  projections: Projection[];
  /** Projection names to rebuild, in order. */
  names: string[];
  logger?: ProjectionLogger;
  /** Where to print one line per projection as it finishes (e.g. console.log). Default: nowhere; the reports are returned. */
  print?: (line: string) => void;
  batchSize?: number;
  lockTimeoutMs?: number;
  swap?: boolean;
  /** Called before each projection's replay; what it returns hears that replay's progress. */
  onStart?: (projection: Projection) => ((phase: RebuildPhase, events: number) => void) | undefined;
}

/** `npm run rebuild -- <name> [<name> …]`: rebuilds each named projection in turn and returns their reports. */
export async function runRebuildCommand(options: RebuildCommandOptions): Promise<RebuildReport[]> {
  const known = options.projections.map((p) => p.name).sort();
  if (options.names.length === 0) throw new Error(`name the projections to rebuild: ${known.join(', ')}`);
  const selected = options.names.map((name) => {
    const found = options.projections.find((p) => p.name === name);
    if (!found) throw new Error(`unknown projection ${name}; known: ${known.join(', ')}`);
    return found;
  });
  const reports: RebuildReport[] = [];
  for (const projection of selected) {
    const report = await rebuildProjection({
      store: options.store,
      knex: options.knex,
      projection,
      logger: options.logger,
      batchSize: options.batchSize,
      lockTimeoutMs: options.lockTimeoutMs,
      swap: options.swap,
      onProgress: options.onStart?.(projection),
    });
    options.print?.(formatRebuildReport(report));
    reports.push(report);
  }
  return reports;
}

export function formatRebuildReport(r: RebuildReport): string {
  const verdict = r.equal ? 'equal' : 'DIFFERENT';
  const action = r.swapped ? 'swapped in' : 'not swapped';
  return `${r.name} v${r.version}: replayed ${r.eventsReplayed} events in ${r.seconds.toFixed(2)} s to ${r.position}; checksum live ${r.checksumLive} rebuilt ${r.checksumRebuilt} (${verdict}; ${action})`;
}
