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

export function createKnex(databaseUrl: string, options: { poolMax?: number; applicationName?: string } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: databaseUrl, application_name: options.applicationName ?? 'authledger', options: SESSION_OPTIONS },
    pool: { min: 0, max: options.poolMax ?? 20 },
    acquireConnectionTimeout: 10_000,
  });
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
