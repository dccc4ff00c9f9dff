import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { redactUrl, type Config } from '../config';
import { createKnex, ensureDatabase } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { createEventStore } from '../eventstore';
import type { EventStore } from '../eventstore/port';
import type { Logger } from '../observability/logger';
import { createRedis, probeRedis } from '../redis/connection';
import { createJobQueues, type JobQueues } from './queues';
import { postgresSnapshots, type SnapshotStore } from '../commands/snapshots';

/** A start-up problem the operator can fix: printed as one line, no stack trace. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface Dependencies {
  config: Config;
  logger: Logger;
  knex: Knex;
  /** Our own keys, prefixed with REDIS_PREFIX (never for BullMQ). */
  redis: Redis;
  store: EventStore;
  /** Enqueue background jobs from any role. */
  queues: JobQueues;
  /** Folded states of long streams (a cache in PostgreSQL). */
  snapshots: SnapshotStore;
  close(): Promise<void>;
}

const reason = (err: unknown): string => {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
};

/** Connects PostgreSQL (creating and migrating the database), Redis, and the event store. */
/** `deadlines: false` for the command line (exports, rebuilds): its statements may run long. */
export async function openDependencies(config: Config, logger: Logger, options: { migrate: boolean; deadlines?: boolean }): Promise<Dependencies> {
  try {
    const created = await ensureDatabase(config.databaseUrl);
    if (created) logger.info({ database: redactUrl(config.databaseUrl) }, 'created the database');
  } catch (err) {
    throw new StartupError(
      `PostgreSQL is not reachable at ${redactUrl(config.databaseUrl)} (${reason(err)}). Start it ` +
        `(e.g. pg_ctlcluster --skip-systemctl-redirect 15 main start) or point DATABASE_URL at a running server.`,
    );
  }
  if (options.migrate) {
    // Migrations may take longer than any request should: a connection of their own, no deadlines.
    const migrator = createKnex(config.databaseUrl, { poolMax: 2 });
    try {
      const applied = await migrateToLatest(migrator);
      if (applied.length) logger.info({ applied }, 'applied migrations');
    } finally {
      await migrator.destroy();
    }
  }
  const knex = createKnex(config.databaseUrl, options.deadlines === false ? {} : { deadlines: config.deadlines });

  try {
    await probeRedis(config.redisUrl);
  } catch (err) {
    await knex.destroy();
    throw new StartupError(
      `Redis is not reachable at ${redactUrl(config.redisUrl)} (${reason(err)}). Start it ` +
        `(e.g. redis-server --daemonize yes --bind 127.0.0.1 --port 6379) or point REDIS_URL at a running server.`,
    );
  }

  const redis = createRedis(config.redisUrl, { keyPrefix: config.redisPrefix, name: 'authledger-commands', commandTimeoutMs: options.deadlines === false ? undefined : config.deadlines.redisCommandMs });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'Redis connection error')); // /readyz reports it too

  const store = createEventStore({ config, knex });
  try {
    await store.ping();
  } catch (err) {
    redis.disconnect();
    await knex.destroy();
    throw new StartupError(`The event store (${store.kind}) is not reachable: ${reason(err)}. Check EVENTSTORE_URL.`);
  }

  const queues = createJobQueues(config, options.deadlines === false ? undefined : config.deadlines.redisCommandMs);
  return {
    config,
    logger,
    knex,
    redis,
    store,
    queues,
    snapshots: postgresSnapshots(knex),
    async close() {
      await queues.close();
      await store.close();
      await redis.quit().catch(() => redis.disconnect());
      await knex.destroy();
    },
  };
}
