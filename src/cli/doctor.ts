import pg from 'pg';
import { ConfigError, loadConfig, redactUrl, type Config } from '../config';
import { createKnex } from '../db/connection';
import { migrations } from '../db/migrations';
import { createEventStore } from '../eventstore';
import { probeRedis } from '../redis/connection';

/** A check either passes with a note, or fails with one line saying what to fix. */
type Check = () => Promise<{ ok: string } | { problem: string }>;

const TIMEOUT_MS = 3_000;

/**
 * `authledger doctor`: the configuration, then PostgreSQL, Redis and (when EVENTSTORE_URL is set)
 * EventStoreDB. Passing checks go to stdout, each problem is one line on stderr; exit 1 on any problem.
 */
export async function doctorCommand(): Promise<number> {
  let config: Config;
  try {
    ({ config } = loadConfig());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) console.error(`configuration: ${problem}`);
    return 1;
  }
  const checks: Check[] = [() => checkPostgres(config), () => checkRedis(config)];
  if (config.eventstoreUrl) checks.push(() => checkEventStore(config));
  let failed = 0;
  for (const outcome of await Promise.all(checks.map((check) => check()))) {
    if ('ok' in outcome) console.log(`ok: ${outcome.ok}`);
    else {
      failed++;
      console.error(outcome.problem);
    }
  }
  return failed ? 1 : 0;
}

const reason = (err: unknown): string => {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
};

async function checkPostgres(config: Config): ReturnType<Check> {
  const where = redactUrl(config.databaseUrl);
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: TIMEOUT_MS });
  try {
    await client.connect();
    const table = await client.query(`select to_regclass('knex_migrations') is not null as present`);
    const applied = table.rows[0]?.present ? (await client.query('select name from knex_migrations')).rows.map((r: { name: string }) => r.name) : [];
    const pending = migrations.filter((m) => !applied.includes(m.name)).length;
    return { ok: `PostgreSQL at ${where}${pending ? ` (${pending} migrations pending: the service applies them at start, or run authledger migrate)` : ', migrated'}` };
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') {
      return { ok: `PostgreSQL at ${where} (the database does not exist yet: the service creates it at start, or run authledger migrate)` };
    }
    return {
      problem: `PostgreSQL is not reachable at ${where} (${reason(err)}): start it (e.g. pg_ctlcluster --skip-systemctl-redirect 15 main start) or set DATABASE_URL to a running server`,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(config: Config): ReturnType<Check> {
  const where = redactUrl(config.redisUrl);
  try {
    await probeRedis(config.redisUrl, TIMEOUT_MS);
    return { ok: `Redis at ${where}` };
  } catch (err) {
    return { problem: `Redis is not reachable at ${where} (${reason(err)}): start it (e.g. redis-server --daemonize yes --port 6379) or set REDIS_URL to a running server` };
  }
}

async function checkEventStore(config: Config): ReturnType<Check> {
  const where = redactUrl(config.eventstoreUrl!);
  // Only the EventStoreDB client connects here; the knex pool (for claims) opens no connection until used.
  const knex = createKnex(config.databaseUrl);
  const store = createEventStore({ config, knex });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([store.ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)))]);
    return { ok: `EventStoreDB at ${where}` };
  } catch (err) {
    return { problem: `EventStoreDB is not reachable at ${where} (${reason(err)}): start it (docker compose --profile eventstore up) or unset EVENTSTORE_URL to keep events in PostgreSQL` };
  } finally {
    clearTimeout(timer);
    await store.close().catch(() => undefined);
    await knex.destroy();
  }
}
