import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';

/**
 * Session-level PostgreSQL advisory locks decide which process runs a projection version: the
 * holder keeps its lock for as long as its connection lives, so when that process dies the
 * server drops the lock and a standby's next try gets it. The locks live on a dedicated
 * connection, outside the knex pool, because a pooled connection goes back to the pool (and
 * would carry the lock to whoever borrows it next).
 */

/**
 * One key per projection version (not per name) so that, during a rolling deploy, the old version
 * keeps its tables fresh for readers while the new version builds beside it.
 */
export function projectionLockKey(name: string, version: number): bigint {
  return keyOf(`authledger:projection:${name}:v${version}`);
}

/** Serialises registry changes (registering, activating, swapping) across all versions of one name. */
export function registryLockKey(name: string): bigint {
  return keyOf(`authledger:projection-registry:${name}`);
}

/** The first 8 bytes of a SHA-256: stable across processes and releases, as a signed int8. */
function keyOf(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigInt64BE(0);
}

/** Connection settings for the lock connection: those of the knex pool, with our own application name. */
export function lockConnectionConfig(knex: Knex, applicationName: string): pg.ClientConfig {
  const settings = (knex.client as { connectionSettings?: unknown }).connectionSettings;
  if (typeof settings === 'string') return { connectionString: settings, application_name: applicationName };
  if (settings && typeof settings === 'object') return { ...(settings as pg.ClientConfig), application_name: applicationName };
  throw new Error('cannot derive the advisory-lock connection from this knex instance; pass lockConnection explicitly');
}

export class LockTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} is held by another session that did not release it within ${timeoutMs} ms`);
    this.name = 'LockTimeoutError';
  }
}

/** One dedicated connection holding any number of advisory locks. */
export class LockSession {
  private readonly client: pg.Client;
  private ending = false;
  private lost = false;
  /** Several projections share this connection; pg wants one query at a time on it. */
  private last: Promise<unknown> = Promise.resolve();

  private constructor(config: pg.ClientConfig, onLost: (err: unknown) => void) {
    this.client = new pg.Client(config);
    const lose = (err: unknown) => {
      if (this.ending || this.lost) return;
      this.lost = true;
      onLost(err);
    };
    this.client.on('error', lose);
    this.client.on('end', () => lose(new Error('advisory-lock connection ended')));
  }

  /** `onLost` runs at most once, when the connection (and so every lock on it) is gone. */
  static async open(config: pg.ClientConfig, onLost: (err: unknown) => void = () => undefined): Promise<LockSession> {
    const session = new LockSession(config, onLost);
    try {
      await session.client.connect();
    } catch (err) {
      session.ending = true;
      await session.client.end().catch(() => undefined);
      throw err;
    }
    return session;
  }

  private query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const run = this.last.then(() => this.client.query<R>(text, values));
    this.last = run.catch(() => undefined);
    return run;
  }

  get alive(): boolean {
    return !this.lost && !this.ending;
  }

  /** Tries every key without waiting; returns the ones now held. */
  async tryLock(keys: readonly bigint[]): Promise<Set<bigint>> {
    if (keys.length === 0) return new Set();
    const res = await this.query<{ key: string; got: boolean }>(
      'select k::text as key, pg_try_advisory_lock(k) as got from unnest($1::bigint[]) as k',
      [keys.map(String)],
    );
    return new Set(res.rows.filter((r) => r.got).map((r) => BigInt(r.key)));
  }

  /**
   * Waits for the key, queueing behind the holder. A waiter blocks later `pg_try_advisory_lock`
   * calls, and runners give up a lock somebody waits for (see waitingKeys), so this is how a
   * rebuild takes a projection over from its live runner.
   */
  async lock(key: bigint, timeoutMs: number, what: string): Promise<void> {
    await this.query(`set lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    try {
      await this.query('select pg_advisory_lock($1::bigint)', [String(key)]);
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') throw new LockTimeoutError(what, timeoutMs);
      throw err;
    } finally {
      await this.query('reset lock_timeout').catch(() => undefined);
    }
  }

  async unlock(key: bigint): Promise<void> {
    if (!this.alive) return;
    await this.query('select pg_advisory_unlock($1::bigint)', [String(key)]);
  }

  /** Advisory keys in this database that some session is waiting for. */
  async waitingKeys(): Promise<Set<bigint>> {
    const res = await this.query<{ key: string }>(
      `select ((l.classid::bigint << 32) | l.objid::bigint)::text as key
         from pg_locks l
        where l.locktype = 'advisory' and l.objsubid = 1 and not l.granted
          and l.database = (select oid from pg_database where datname = current_database())`,
    );
    return new Set(res.rows.map((r) => BigInt(r.key)));
  }

  /** Ends the connection, which releases every lock it holds. */
  async end(): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    await this.client.end().catch(() => undefined);
  }
}
