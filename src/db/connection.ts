import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { redactUrl } from '../config';

// int8 (bigint) columns come back as strings by default; event positions are parsed explicitly,
// counts are cast in SQL, so the default stays.

/**
 * Queries run without parallel workers (`options` in DATABASE_URL overrides this): the service
 * answers many small queries at once, and workers only take cores from the others. Even alone,
 * the count behind a busy SN's log page (190,000 index entries) took 96–105 ms with two workers
 * and 38–46 ms without on the 2-core machine we measure on.
 */
const SESSION_OPTIONS = '-c max_parallel_workers_per_gather=0';

/** Deadlines of a serving process (see Config.deadlines); without them statements may run as long as they take. */
export interface DatabaseDeadlines {
  dbQueryMs: number;
  dbAcquireMs: number;
  dbConnectMs: number;
}

/**
 * How much longer than the server's statement_timeout the client waits for an answer before it
 * gives the connection up: the server cancels a slow statement itself (a clean error, nothing
 * committed); only a connection whose answers no longer arrive (a silent network) gets this far.
 */
const CLIENT_GRACE_MS = 1_000;

export function createKnex(databaseUrl: string, options: { poolMax?: number; applicationName?: string; deadlines?: DatabaseDeadlines } = {}): Knex {
  const d = options.deadlines;
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: databaseUrl,
      application_name: options.applicationName ?? 'authledger',
      options: d ? `${SESSION_OPTIONS} -c statement_timeout=${d.dbQueryMs}` : SESSION_OPTIONS,
      ...(d ? { query_timeout: d.dbQueryMs + CLIENT_GRACE_MS, connectionTimeoutMillis: d.dbConnectMs, keepAlive: true } : {}),
    },
    pool: { min: 0, max: options.poolMax ?? 20, ...(d ? { afterCreate: dropOnClientTimeout } : {}) },
    acquireConnectionTimeout: d?.dbAcquireMs ?? 10_000,
  });
}

/**
 * pg answers a query that passed its query_timeout with an error but keeps the connection, the
 * statement still running on it; knex would hand it out again. It is closed instead, so the pool
 * disposes of it and the event store can end the backend it leaves behind.
 */
function dropOnClientTimeout(connection: pg.Client, done: (err: Error | null, connection: pg.Client) => void): void {
  const query = connection.query.bind(connection) as (...args: unknown[]) => unknown;
  const drop = (err: unknown) => {
    if ((err as Error | null)?.message === 'Query read timeout') (connection as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  };
  (connection as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, ...rest: unknown[]) => {
        drop(err);
        return (last as (...a: unknown[]) => unknown)(err, ...rest);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result instanceof Promise) result.catch(drop);
    return result;
  };
  done(null, connection);
}

/** Creates the database named in the URL when it is missing (connecting through the `postgres` database). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL names no database: ${redactUrl(databaseUrl)}`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`create database ${quoteIdent(name)}`);
    } catch (err) {
      // Two processes starting together: the other one created it (PostgreSQL reports the race on
      // its catalog's unique index as 23505; 42P04 when the other had committed before we looked).
      if (!['42P04', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
