import type { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port';
import { projectionLockKey } from './advisory-lock';
import { commitBatch, drain, readProjectionEvents } from './batches';
import { errorFields, type ProjectionLogger } from './logger';
import { backoffDelay, pause, type Backoff } from './pacing';
import { physicalTables } from './physical-tables';
import type { PhysicalTables, Projection } from './projection';
import { RateMeter } from './rate-meter';
import { activateVersion, CheckpointMovedError, isLogStart, isSuperseded, prepareVersion, type VersionState } from './registry';

export interface WorkerContext {
  store: EventStore;
  knex: Knex;
  batchSize: number;
  backoff: Backoff;
  logger: ProjectionLogger;
  /** Emits 'progress' after every commit or state change, for catchUp/waitFor. */
  progress: EventEmitter;
}

/** Why a leadership term ended: the runner stopping, a rebuild waiting for the lock, a lost lock, a newer version. */
export type TermEnd = 'stopped' | 'yielded' | 'lock-lost' | 'superseded';

export interface LastError {
  message: string;
  at: Date;
}

/**
 * Runs one projection version while this process holds its advisory lock (a "term"): catches up
 * from the committed checkpoint, makes a building version active once it reaches the head, then
 * tails the log. Any error is logged, backed off and retried from the committed checkpoint, so
 * no event is ever skipped and the process never crashes on a bad batch.
 */
export class ProjectionWorker {
  readonly lockKey: bigint;
  readonly tables: PhysicalTables;
  readonly meter = new RateMeter();
  eventsApplied = 0;
  batchesApplied = 0;
  consecutiveFailures = 0;
  lastError: LastError | null = null;
  state: VersionState | null = null;
  private term: AbortController | null = null;
  private termEnd: TermEnd = 'stopped';
  private running: Promise<TermEnd> | null = null;

  constructor(
    readonly projection: Projection,
    private readonly ctx: WorkerContext,
  ) {
    this.lockKey = projectionLockKey(projection.name, projection.version);
    this.tables = physicalTables(projection, 'live');
  }

  get leading(): boolean {
    return this.running !== null;
  }

  /** Starts a term; the caller holds the lock and releases it once the returned promise settles. */
  lead(): Promise<TermEnd> {
    if (this.running) return this.running;
    const term = new AbortController();
    this.term = term;
    this.running = this.runTerm(term.signal).finally(() => {
      this.running = null;
      this.term = null;
    });
    return this.running;
  }

  /** Ends the term after the batch in flight (a commit is never cut off). */
  endTerm(reason: TermEnd): Promise<TermEnd> | null {
    if (this.term && !this.term.signal.aborted) {
      this.termEnd = reason;
      this.term.abort();
    }
    return this.running;
  }

  /**
   * Catches up once to the head without a term (the caller holds the lock): used by catchUp() on a
   * runner that is not started. Errors are thrown, not retried.
   */
  async catchUpOnce(): Promise<void> {
    try {
      const progress = await prepareVersion(this.ctx.knex, this.projection);
      this.state = progress.state;
      if (isSuperseded(progress, this.projection.version)) return;
      const result = await this.catchUp(progress.checkpoint);
      if (result.reachedEnd) await this.activateIfBuilding();
    } catch (err) {
      this.lastError = { message: err instanceof Error ? err.message : String(err), at: new Date() };
      throw err;
    }
  }

  private async runTerm(signal: AbortSignal): Promise<TermEnd> {
    this.termEnd = 'stopped';
    while (!signal.aborted) {
      try {
        const progress = await prepareVersion(this.ctx.knex, this.projection);
        this.state = progress.state;
        if (isSuperseded(progress, this.projection.version)) return 'superseded';
        const caughtUp = await this.catchUp(progress.checkpoint, signal);
        if (signal.aborted) break;
        if (caughtUp.reachedEnd && (await this.activateIfBuilding()) === 'superseded') return 'superseded';
        await this.tail(caughtUp.position, signal);
      } catch (err) {
        if (signal.aborted) break;
        await this.failed(err, signal);
      }
    }
    return this.termEnd;
  }

  private catchUp(from: Position, signal?: AbortSignal) {
    return drain({
      read: (after, maxCount) => readProjectionEvents(this.ctx.store, this.projection, after, maxCount),
      commit: (events, at) => this.commit(at, events),
      from,
      batchSize: this.ctx.batchSize,
      signal,
    });
  }

  /** Tails the log until the term ends; throws on any error so the term retries from the checkpoint. */
  private async tail(from: Position, signal: AbortSignal): Promise<void> {
    const subscription = this.ctx.store.subscribeToAll({
      after: isLogStart(from) ? null : from,
      filter: { eventTypes: this.projection.eventTypes },
      batchSize: this.ctx.batchSize,
    });
    const close = () => void subscription.close();
    signal.addEventListener('abort', close, { once: true });
    // An abort that came before the listener (during activation) would otherwise never close it.
    if (signal.aborted) close();
    let position = from;
    try {
      for await (const batch of subscription) {
        if (signal.aborted) break;
        await this.commit(position, batch);
        position = batch[batch.length - 1]!.position;
      }
    } finally {
      signal.removeEventListener('abort', close);
      await subscription.close();
    }
    if (!signal.aborted) throw new Error('the event subscription ended on its own');
  }

  private async commit(from: Position, events: readonly RecordedEvent[]): Promise<void> {
    await commitBatch(this.ctx.knex, this.projection, this.tables, from, events);
    this.eventsApplied += events.length;
    this.batchesApplied++;
    this.consecutiveFailures = 0;
    this.meter.record(events.length);
    this.ctx.progress.emit('progress');
  }

  private async activateIfBuilding(): Promise<'activated' | 'already-active' | 'superseded'> {
    if (this.state === 'active') return 'already-active';
    const result = await this.ctx.knex.transaction((trx) => activateVersion(trx, this.projection));
    if (result === 'activated') {
      this.ctx.logger.info({ projection: this.projection.name, version: this.projection.version }, 'projection version caught up and activated');
    }
    this.state = result === 'superseded' ? 'retired' : 'active';
    this.ctx.progress.emit('progress');
    return result;
  }

  private async failed(err: unknown, signal: AbortSignal): Promise<void> {
    const fields = { projection: this.projection.name, version: this.projection.version, ...errorFields(err) };
    if (err instanceof CheckpointMovedError) {
      // Someone else wrote while we believed we held the lock; reload from what they committed.
      this.ctx.logger.warn(fields, 'projection checkpoint moved under this runner; reloading');
    } else {
      this.consecutiveFailures++;
      this.lastError = { message: err instanceof Error ? err.message : String(err), at: new Date() };
      this.ctx.logger.error({ ...fields, attempt: this.consecutiveFailures }, 'projection batch failed; retrying after a pause');
    }
    this.ctx.progress.emit('progress');
    await pause(backoffDelay(this.ctx.backoff, Math.max(1, this.consecutiveFailures)), signal);
  }
}
