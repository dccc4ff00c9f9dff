import type { Knex } from 'knex';
import pg from 'pg';
import { comparePositions, parsePosition, type Position } from '../eventstore/port';
import { errorFields, type ProjectionLogger } from './logger';
import { CHECKPOINT_CHANNEL } from './registry';

export interface CheckpointWatchOptions {
  /** The read-model database, where the checkpoints live. */
  knex: Knex;
  /** A dedicated connection for LISTEN (its own application_name). */
  listenConnection: pg.ClientConfig;
  /**
   * While someone waits, the checkpoints are also read this often: the backstop for a notice lost
   * with a connection. Default 1000 ms; nobody waiting, nothing is read.
   */
  fallbackPollMs?: number;
  logger: ProjectionLogger;
}

interface Waiter {
  targets: ReadonlyMap<string, Position>;
  resolve(reached: boolean): void;
  timer: NodeJS.Timeout;
}

const RECONNECT_MS = { initial: 500, max: 30_000 };

/**
 * What every projection's active version has applied, as this process last heard: from the
 * NOTIFY each checkpoint move sends at its commit (any process may run the projector), with a
 * slow re-read while anyone waits in case a notice was missed. A waiter asks for positions per
 * projection and is answered as soon as all are reached, or `false` at its deadline.
 */
export class CheckpointWatch {
  private readonly known = new Map<string, { version: number; position: Position }>();
  private readonly waiters = new Set<Waiter>();
  private readonly fallbackPollMs: number;
  private client: pg.Client | null = null;
  private reconnectDelay = RECONNECT_MS.initial;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private stopped = false;

  constructor(private readonly options: CheckpointWatchOptions) {
    this.fallbackPollMs = options.fallbackPollMs ?? 1000;
  }

  /** Listens and reads the checkpoints once; an unreachable database is retried in the background, never thrown. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopPolling();
    for (const w of this.waiters) this.settle(w, false);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
    await this.reading?.catch(() => undefined);
  }

  /** Resolves true once each named projection has applied up to its position; false after `timeoutMs`. */
  waitFor(targets: ReadonlyMap<string, Position>, timeoutMs: number): Promise<boolean> {
    if (this.reached(targets)) return Promise.resolve(true);
    if (this.stopped || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = { targets, resolve, timer: setTimeout(() => this.settle(waiter, false), timeoutMs) };
      this.waiters.add(waiter);
      this.startPolling();
      // Not listening (yet, or any more): nothing will announce progress, so look now.
      if (!this.client) this.refresh();
    });
  }

  private reached(targets: ReadonlyMap<string, Position>): boolean {
    for (const [name, position] of targets) {
      const known = this.known.get(name);
      if (!known || comparePositions(known.position, position) < 0) return false;
    }
    return true;
  }

  private settle(waiter: Waiter, reached: boolean): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.resolve(reached);
    if (this.waiters.size === 0) this.stopPolling();
  }

  private wakeWaiters(): void {
    for (const w of this.waiters) if (this.reached(w.targets)) this.settle(w, true);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.options.listenConnection);
    const lost = (err?: unknown) => {
      if (this.client !== client) return;
      this.client = null;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.options.logger.warn({ ...errorFields(err ?? new Error('connection ended')) }, 'checkpoint notices lost their connection; reconnecting (waiters poll meanwhile)');
      if (this.waiters.size > 0) this.refresh();
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      if (msg.channel === CHECKPOINT_CHANNEL && msg.payload) this.heard(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHECKPOINT_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.options.logger.warn({ ...errorFields(err) }, 'cannot listen for checkpoint notices; retrying (waiters poll meanwhile)');
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectDelay = RECONNECT_MS.initial;
    // Listening first, then reading: a move that commits between the two is heard, not missed.
    await this.refresh();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, RECONNECT_MS.max);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** `<name> <version> <commit>-<prepare>` after a batch, `<name> <version> activated` after a switch of versions. */
  private heard(payload: string): void {
    const [name, versionText, what] = payload.split(' ');
    if (!name || !versionText || !what) return;
    if (what === 'activated') {
      void this.refresh();
      return;
    }
    const position = parsePosition(what);
    const known = this.known.get(name);
    // Another version's progress (a rebuild's shadow, a newer build not yet active) is not what readers see.
    if (!position || !known || known.version !== Number(versionText)) return;
    if (comparePositions(position, known.position) > 0) known.position = position;
    this.wakeWaiters();
  }

  /** Reads the active versions' checkpoints; concurrent calls share one read (and one more after it). */
  private refresh(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        try {
          const res = await this.options.knex.raw(
            `select c.name, c.version, c.position_commit::text as commit, c.position_prepare::text as prepare
               from projection_checkpoints c
               join projection_versions v on v.name = c.name and v.version = c.version and v.state = 'active'`,
          );
          for (const row of res.rows as Array<{ name: string; version: number; commit: string; prepare: string }>) {
            const position = { commit: BigInt(row.commit), prepare: BigInt(row.prepare) };
            const known = this.known.get(row.name);
            if (!known || known.version !== row.version || comparePositions(position, known.position) > 0) this.known.set(row.name, { version: row.version, position });
          }
          this.wakeWaiters();
        } catch (err) {
          if (!this.stopped) this.options.logger.warn({ ...errorFields(err) }, 'reading projection checkpoints failed');
        }
      } while (this.readAgain && !this.stopped);
    })().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private startPolling(): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => void this.refresh(), this.fallbackPollMs);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }
}
