import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type pg from 'pg';
import { formatPosition, type EventStore, type Position } from '../eventstore/port';
import { lockConnectionConfig, LockSession } from './advisory-lock';
import { consoleProjectionLogger, errorFields, type ProjectionLogger } from './logger';
import { pause, type Backoff } from './pacing';
import { committedHead, countPendingEvents } from './events-table';
import { hasPassed, hasReachedHead } from './progress-probes';
import { assertDistinctNames, assertValidProjection, type Projection } from './projection';
import { ProjectionWorker, type LastError, type TermEnd } from './projection-worker';
import { readProgress, type VersionState } from './registry';

export interface ProjectionRunnerOptions {
  store: EventStore;
  /** The read-model database (also where checkpoints and the registry live). */
  knex: Knex;
  projections: Projection[];
  /** Largest batch read and applied in one transaction. Default 2000. */
  batchSize?: number;
  /** How often a standby tries for the locks it lacks, and a holder looks for a rebuild waiting. Default 3000 ms. */
  lockRetryMs?: number;
  /** Pause after a failed batch, doubling per consecutive failure. Default 500 ms up to 30 s. */
  retryBackoff?: Backoff;
  /** How often catchUp/waitFor re-check when no local progress wakes them. Default 100 ms. */
  waitPollMs?: number;
  logger?: ProjectionLogger;
  /** Shown as application_name of the lock connection and in logs. Default 'authledger-projector'. */
  instanceName?: string;
  /** Settings for the dedicated lock connection. Default: those of `knex`. */
  lockConnection?: pg.ClientConfig;
  /**
   * The PostgreSQL store's events table is in `knex`'s database (default true; ignored for other
   * stores). Enables the lag count in status() and lets catchUp() wait for events that have
   * committed but are not yet readable.
   */
  eventsTableInDatabase?: boolean;
}

/** What this process does with a projection: runs it, waits for the lock, or nothing. */
export type RunnerRole = 'leading' | 'standby' | 'superseded' | 'stopped';

export interface ProjectionStatus {
  name: string;
  version: number;
  /** Registry state of this version; null before it first ran anywhere. */
  state: VersionState | null;
  /** The version readers see through the views. */
  activeVersion: number | null;
  role: RunnerRole;
  /** Committed checkpoint as "<commit>-<prepare>". */
  checkpoint: string;
  /** When a batch was last committed, by any process. */
  lastAppliedAt: Date | null;
  /** Events of this projection's types not yet applied (capped at lagCap), or null when not cheap to count. */
  lagEvents: number | null;
  lagCapped: boolean;
  /** Applied by any process since the version was registered. */
  eventsApplied: number;
  /** Applied by this process over the last 10 seconds. */
  eventsPerSecond: number;
  /** Applied by this process since it started. */
  eventsAppliedHere: number;
  batchesAppliedHere: number;
  lastError: LastError | null;
  consecutiveFailures: number;
}

export interface WaitOptions {
  /** Projection names to wait for; default all of this runner's. */
  names?: string[];
  /** Rejects after this long; default wait forever. */
  timeoutMs?: number;
}

const LAG_CAP = 100_000;

/**
 * Runs projections against the event store: one active runner per projection version across all
 * processes (a session advisory lock; the others stand by and take over when the holder's
 * connection goes away), each batch applied and checkpointed in one transaction, new versions
 * built beside the old and switched in once caught up.
 */
export class ProjectionRunner {
  private readonly workers: ProjectionWorker[];
  private readonly progress = new EventEmitter();
  private readonly options: Required<Omit<ProjectionRunnerOptions, 'lockConnection'>> & { lockConnection?: pg.ClientConfig };
  private session: LockSession | null = null;
  private started = false;
  private stopSignal: AbortController | null = null;
  private ticking: Promise<void> | null = null;
  /** Each term's end, including releasing its lock. */
  private readonly terms = new Map<ProjectionWorker, Promise<void>>();
  private readonly superseded = new Set<ProjectionWorker>();

  constructor(options: ProjectionRunnerOptions) {
    options.projections.forEach(assertValidProjection);
    assertDistinctNames(options.projections);
    this.options = {
      store: options.store,
      knex: options.knex,
      projections: options.projections,
      batchSize: options.batchSize ?? 2000,
      lockRetryMs: options.lockRetryMs ?? 3000,
      retryBackoff: options.retryBackoff ?? { initialMs: 500, maxMs: 30_000 },
      waitPollMs: options.waitPollMs ?? 100,
      logger: options.logger ?? consoleProjectionLogger,
      instanceName: options.instanceName ?? 'authledger-projector',
      lockConnection: options.lockConnection,
      eventsTableInDatabase: options.eventsTableInDatabase ?? true,
    };
    if (!Number.isInteger(this.options.batchSize) || this.options.batchSize < 1) throw new Error('batchSize must be a positive integer');
    this.progress.setMaxListeners(0);
    const ctx = {
      store: options.store,
      knex: options.knex,
      batchSize: this.options.batchSize,
      backoff: this.options.retryBackoff,
      logger: this.options.logger,
      progress: this.progress,
    };
    this.workers = options.projections.map((p) => new ProjectionWorker(p, ctx));
  }

  /** Connects the lock session and makes the first lock attempt; the projections then run in the background. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopSignal = new AbortController();
    await this.tick();
    const signal = this.stopSignal.signal;
    this.ticking = (async () => {
      while (!signal.aborted) {
        await pause(this.options.lockRetryMs, signal);
        if (!signal.aborted) await this.tick();
      }
    })();
  }

  /** Lets every batch in flight commit, releases the locks, closes the lock connection. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.stopSignal?.abort();
    await this.ticking;
    for (const worker of this.workers) worker.endTerm('stopped');
    await Promise.all(this.terms.values());
    await this.session?.end();
    this.session = null;
  }

  /**
   * Resolves once every projection has applied every event of its types committed before the call
   * (with a store other than the PostgreSQL one in this database: everything readable at the call),
   * and readers see its version. On a stopped runner it does the work itself where no other
   * process holds the lock, and throws on the first failing batch; on a started one it waits for
   * whichever process runs each projection.
   */
  async catchUp(options: Pick<WaitOptions, 'timeoutMs'> = {}): Promise<void> {
    const deadline = deadlineOf(options.timeoutMs);
    const head = this.eventsTableHere ? await committedHead(this.options.knex) : null;
    const { knex, store } = this.options;
    const caughtUp = (w: ProjectionWorker) => (head ? hasPassed(knex, store, w.projection, head, true) : hasReachedHead(knex, store, w.projection));
    if (this.started) {
      await Promise.all(this.workers.map((w) => this.waitUntil(w, deadline, 'catch up', () => caughtUp(w))));
      return;
    }
    const session = await LockSession.open(this.lockConnectionConfig());
    try {
      const held = await session.tryLock(this.workers.map((w) => w.lockKey));
      await Promise.all(
        this.workers.map((w) =>
          // Where another process holds the lock, waiting is all this one can do.
          this.waitUntil(w, deadline, 'catch up', async () => {
            if (held.has(w.lockKey)) await w.catchUpOnce();
            return caughtUp(w);
          }),
        ),
      );
    } finally {
      await session.end();
    }
  }

  /** Resolves once the projections have applied every event of theirs up to `position` and readers see them. */
  async waitFor(position: Position, options: WaitOptions = {}): Promise<void> {
    const deadline = deadlineOf(options.timeoutMs);
    const workers = this.selectWorkers(options.names);
    await Promise.all(
      workers.map((w) =>
        this.waitUntil(w, deadline, `reach ${formatPosition(position)}`, () => hasPassed(this.options.knex, this.options.store, w.projection, position, this.eventsTableHere)),
      ),
    );
  }

  async status(): Promise<ProjectionStatus[]> {
    return Promise.all(
      this.workers.map(async (w): Promise<ProjectionStatus> => {
        const progress = await readProgress(this.options.knex, w.projection);
        const lag = await this.countLag(w.projection, progress.checkpoint);
        return {
          name: w.projection.name,
          version: w.projection.version,
          state: progress.state,
          activeVersion: progress.activeVersion,
          role: this.roleOf(w),
          checkpoint: formatPosition(progress.checkpoint),
          lastAppliedAt: progress.lastAppliedAt,
          lagEvents: lag,
          lagCapped: lag !== null && lag >= LAG_CAP,
          eventsApplied: progress.eventsApplied,
          eventsPerSecond: Math.round(w.meter.perSecond()),
          eventsAppliedHere: w.eventsApplied,
          batchesAppliedHere: w.batchesApplied,
          lastError: w.lastError,
          consecutiveFailures: w.consecutiveFailures,
        };
      }),
    );
  }

  private roleOf(w: ProjectionWorker): RunnerRole {
    if (this.superseded.has(w)) return 'superseded';
    if (w.leading) return 'leading';
    return this.started ? 'standby' : 'stopped';
  }

  /**
   * One round of lock housekeeping: (re)connect the lock session, try for the locks this process
   * lacks, and end the terms that must end: a rebuild is waiting for the lock, or a newer version
   * became active.
   */
  private async tick(): Promise<void> {
    try {
      const session = await this.ensureSession();
      const leading = this.workers.filter((w) => w.leading);
      if (leading.length > 0) {
        const waiting = await session.waitingKeys();
        for (const w of leading) {
          if (waiting.has(w.lockKey)) {
            this.options.logger.info({ projection: w.projection.name, version: w.projection.version }, 'another session waits for the projection lock; yielding');
            w.endTerm('yielded');
          }
        }
        await this.endSupersededTerms(leading);
      }
      const idle = this.workers.filter((w) => !w.leading && !this.terms.has(w) && !this.superseded.has(w));
      if (!this.started || idle.length === 0) return;
      const acquired = await session.tryLock(idle.map((w) => w.lockKey));
      for (const w of idle) if (acquired.has(w.lockKey)) this.beginTerm(w, session);
    } catch (err) {
      this.options.logger.warn({ instance: this.options.instanceName, ...errorFields(err) }, 'projection lock housekeeping failed; retrying');
    }
  }

  private async endSupersededTerms(leading: ProjectionWorker[]): Promise<void> {
    for (const w of leading) {
      const progress = await readProgress(this.options.knex, w.projection);
      if (progress.activeVersion !== null && progress.activeVersion > w.projection.version) w.endTerm('superseded');
    }
  }

  private beginTerm(worker: ProjectionWorker, session: LockSession): void {
    const { name, version } = worker.projection;
    if (!this.started) {
      // stop() began while this lock was being taken.
      void session.unlock(worker.lockKey).catch(() => undefined);
      return;
    }
    this.options.logger.info({ projection: name, version, instance: this.options.instanceName }, 'took the projection lock');
    const ended = worker
      .lead()
      .then(async (end: TermEnd) => {
        if (end === 'superseded') {
          this.superseded.add(worker);
          this.options.logger.warn({ projection: name, version }, 'a newer version of the projection is active; this one stops');
        }
        if (session.alive) await session.unlock(worker.lockKey);
        this.options.logger.info({ projection: name, version, end }, 'released the projection lock');
      })
      .catch((err: unknown) => this.options.logger.error({ projection: name, version, ...errorFields(err) }, 'projection term ended badly'))
      .finally(() => {
        this.terms.delete(worker);
        this.progress.emit('progress');
      });
    this.terms.set(worker, ended);
  }

  private async ensureSession(): Promise<LockSession> {
    if (this.session?.alive) return this.session;
    this.session = await LockSession.open(this.lockConnectionConfig(), (err) => {
      // The server dropped our locks with the connection; a standby may already run them.
      this.options.logger.warn({ instance: this.options.instanceName, ...errorFields(err) }, 'lost the projection lock connection');
      for (const w of this.workers) w.endTerm('lock-lost');
    });
    return this.session;
  }

  private lockConnectionConfig(): pg.ClientConfig {
    const name = `${this.options.instanceName}-locks`;
    return this.options.lockConnection ? { ...this.options.lockConnection, application_name: name } : lockConnectionConfig(this.options.knex, name);
  }

  private selectWorkers(names: string[] | undefined): ProjectionWorker[] {
    if (!names) return this.workers;
    return names.map((n) => {
      const w = this.workers.find((x) => x.projection.name === n);
      if (!w) throw new Error(`this runner has no projection named ${n}`);
      return w;
    });
  }

  private async waitUntil(worker: ProjectionWorker, deadline: number, what: string, done: () => Promise<boolean>): Promise<void> {
    for (;;) {
      if (await done()) return;
      if (Date.now() >= deadline) {
        const { name, version } = worker.projection;
        const last = worker.lastError ? `; last error: ${worker.lastError.message}` : '';
        throw new Error(`projection ${name} v${version} did not ${what} in time${last}`);
      }
      await this.nextProgress(Math.min(this.options.waitPollMs, Math.max(1, deadline - Date.now())));
    }
  }

  /** Resolves at the next local commit or state change, or after `ms`. */
  private nextProgress(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.progress.off('progress', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.progress.on('progress', done);
    });
  }

  private get eventsTableHere(): boolean {
    return this.options.store.kind === 'postgres' && this.options.eventsTableInDatabase;
  }

  private async countLag(projection: Projection, checkpoint: Position): Promise<number | null> {
    if (!this.eventsTableHere) return null;
    try {
      return await countPendingEvents(this.options.knex, projection.eventTypes, checkpoint, LAG_CAP);
    } catch {
      return null;
    }
  }
}

function deadlineOf(timeoutMs: number | undefined): number {
  return timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
}
