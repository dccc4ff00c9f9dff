import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import pino from 'pino';
import { checkQuery } from '../src/api/bitanswer/log-query';
import { readLogPage } from '../src/api/bitanswer/logs-routes';
import { EXPIRY_QUEUE, scheduleExpiry } from '../src/commands/licenses/expiry';
import { issueLicense, loginSession, type LicenseDeps } from '../src/commands/licenses/handler';
import { licenseJobs } from '../src/commands/licenses/jobs';
import { licenseStream, type LicenseEvent } from '../src/commands/licenses/events';
import { postgresSnapshots } from '../src/commands/snapshots';
import { systemMetadata } from '../src/commands/system-metadata';
import { PostgresEventStore } from '../src/eventstore/postgres';
import { licensesProjection } from '../src/projections/licenses/licenses';
import { createRedis } from '../src/redis/connection';
import type { Dependencies } from '../src/runtime/dependencies';
import { bullPrefix, createJobQueues } from '../src/runtime/queues';
import { createWorkerHost } from '../workers/host';
import { percentiles, round, runClosedLoop } from './measure';

/**
 * License figures: session logins per second across many SNs (the command path: fold from
 * snapshot, decide, append, schedule the expiry job), expiry lag of 10,000 sessions due at the same
 * moment (BullMQ workers), and a filtered, sorted logs query over 1,000,000 rows.
 */
export async function benchLicenses(knex: Knex, databaseUrl: string, seconds: number) {
  const config = { redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', redisPrefix: `authledger-bench:${randomUUID().slice(0, 8)}:` };
  const store = new PostgresEventStore(knex, { databaseUrl });
  const queues = createJobQueues(config);
  const deps: LicenseDeps = { store, snapshots: postgresSnapshots(knex), queues };
  await createTables(knex);
  try {
    const query = await benchLogQuery(knex);
    const logins = await benchLogins(deps, seconds);
    const expiry = await benchExpiryLag(deps, knex, config);
    return { logins, expiry, query };
  } finally {
    await queues.get(EXPIRY_QUEUE).obliterate({ force: true }).catch(() => undefined);
    await queues.close();
  }
}

/** The projection's tables under their plain names (no projector runs in the bench); indexes come after the bulk load. */
async function createTables(knex: Knex) {
  for (const [table, columns] of Object.entries(licensesProjection.tables)) await knex.raw(`create table ${table} (${columns.replace(/\{\{table\}\}/g, table)})`);
}

async function createIndexes(knex: Knex) {
  for (const ddl of licensesProjection.indexes ?? []) await knex.raw(ddl.replace(/\{\{table:(\w+)\}\}/g, '$1'));
}

async function benchLogins(deps: LicenseDeps, seconds: number) {
  // 2,000 SNs of 1,000 seats: a few logins each per second, as a fleet of customers would send them.
  const sns: string[] = [];
  for (let i = 0; i < 2_000; i += 50) {
    const issued = await Promise.all(
      Array.from({ length: 50 }, () =>
        issueLicense(deps, { licenseType: 'CLOUD', seats: 1_000, validFrom: new Date(), validUntil: new Date(Date.now() + 86_400_000), disabled: false, heartbeatSeconds: 60, sessionTimeoutSeconds: 600 }, systemMetadata('bench')),
      ),
    );
    sns.push(...issued.map((x) => x.sn));
  }
  const figures = await runClosedLoop(64, seconds, async (_worker, i) => {
    const sn = sns[i % sns.length]!;
    await loginSession(deps, { sn, client: { machineId: `m${i}`, clientVersion: '1', loginName: null, userId: 0, uid: 0, loginIp: null }, priority: 0 }, systemMetadata('bench'));
  });
  // Baseline in the same run: bare appends of one event to a new stream each, at the same concurrency.
  const baseline = await runClosedLoop(64, seconds, async () => {
    await deps.store.appendToStream(`bench-${randomUUID()}`, [{ eventId: randomUUID(), type: 'BenchAppended', data: {}, metadata: systemMetadata('bench') }], { expectedRevision: 'no_stream' });
  });
  return { ...figures, sns: sns.length, target: 2_000, bareAppendsPerSecond: baseline.opsPerSecond, shareOfBareAppends: `${Math.round((figures.opsPerSecond / baseline.opsPerSecond) * 100)}%` };
}

/** 10,000 sessions on 100 SNs, all due at one instant; lag = when each ended − its deadline. */
async function benchExpiryLag(deps: LicenseDeps, knex: Knex, config: { redisUrl: string; redisPrefix: string }) {
  const perSn = 100;
  const deadline = Date.now() + 15_000;
  let total = 0;
  for (let s = 0; s < 100; s++) {
    const { sn } = await issueLicense(deps, { licenseType: 'CLOUD', seats: perSn, validFrom: new Date(), validUntil: new Date(Date.now() + 86_400_000), disabled: false, heartbeatSeconds: 1, sessionTimeoutSeconds: 1 }, systemMetadata('bench'));
    const events: LicenseEvent[] = [];
    for (let k = 0; k < perSn; k++) {
      const sessionId = randomUUID().replace(/-/g, '');
      const client = { machineId: `m${k}`, fkMidId: k + 1, clientVersion: '1', loginName: null, fkUserNameId: 0, userId: 0, uid: 0, loginIp: null };
      events.push({ type: 'LicenseSessionStarted', data: { ...client, sn, sessionId, kind: 'login', priority: 0, seat: k, startedAt: new Date().toISOString(), deadline: new Date(deadline).toISOString() } });
      total++;
    }
    await deps.store.appendToStream(licenseStream(sn), events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata: systemMetadata('bench') })), { expectedRevision: 0 });
    // What the login path schedules: sessions of one SN due in one second share a job.
    await scheduleExpiry(deps.queues, sn, deadline);
  }
  const logger = pino({ level: 'silent' });
  const host = createWorkerHost({
    connection: () => createRedis(config.redisUrl, { forBullmq: true, name: 'bench-workers' }),
    prefix: bullPrefix(config),
    jobs: licenseJobs({ ...deps, knex, logger, config: { licenseSweepMs: 60_000 } } as unknown as Dependencies),
    logger,
  });
  host.start();
  try {
    const give = Date.now() + 60_000;
    let ended = 0;
    while (Date.now() < give) {
      ended = Number((await knex('events').where('type', 'LicenseSessionEnded').count<{ c: string }[]>('* as c'))[0]!.c);
      if (ended >= total) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const rows = (await knex('events').where('type', 'LicenseSessionEnded').select(knex.raw(`(data->>'at') as at`))) as Array<{ at: string }>;
    const lags = rows.map((r) => (Date.parse(r.at) - deadline) / 1000);
    const p = percentiles(lags);
    return { sessions: total, ended: rows.length, p50Seconds: p.p50Ms, p99Seconds: p.p99Ms, maxSeconds: round(Math.max(...lags)), target: 'p99 ≤ 5 s' };
  } finally {
    await host.stop();
  }
}

/** 1,000,000 log rows seeded set-based: one hot SN with 200,000, the rest over 99 SNs. */
async function benchLogQuery(knex: Knex) {
  const t = Date.now();
  await knex.raw(`insert into licenses select 'SN' || lpad(g::text, 14, '0'), g, 'CLOUD', 100, now(), now() + interval '1 year', false, 60, 180, now(), now() from generate_series(0, 99) g`);
  // In chunks of 100,000: one long transaction would hold back the gap-safe horizon of every global-log reader on the server.
  for (let from = 0; from < 1_000_000; from += 100_000) {
    await knex.raw(`
    insert into license_session_logs
    select 's' || g, 'SN' || lpad((case when g < 200000 then 0 else 1 + g % 99 end)::text, 14, '0'), 0, 'login',
      (array['logout','timeout','kickOut','highPriorityKick'])[1 + g % 4], false, null,
      timestamptz '2026-01-01' + g * interval '1 second', timestamptz '2026-01-01' + g * interval '1 second' + interval '30 minutes',
      '10400', g % 20, case when g % 7 = 0 then 1001 else 0 end, null, 1 + g % 500, '127.0.0.1', 0, g % 1000, 0, g % 3, 'name' || (g % 50), 'm' || g, 0
    from generate_series(?::int, ?::int) g`, [from, from + 99_999]);
  }
  await createIndexes(knex);
  // As autovacuum would have by then: the visibility map lets counts read the index alone.
  await knex.raw('vacuum analyze license_session_logs');
  const seedSeconds = round((Date.now() - t) / 1000);
  const { filters, order } = checkQuery(
    [
      { name: 'errorCode', op: '<>', values: [0] },
      { name: 'startTime', op: '>=', values: ['2026-01-01 10:00:00'] },
      { name: 'status', op: '=', values: ['logout', 'timeout'] },
    ],
    [{ name: 'startTime', order: 'DESC' }],
  );
  const timeQuery = async (sn: string) => {
    const latencies: number[] = [];
    let total = 0;
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      const page = await readLogPage(knex, sn, { offset: (i % 10) * 50, limit: 50 }, filters, order);
      latencies.push(performance.now() - start);
      total = page.total;
    }
    const sorted = latencies.sort((a, b) => a - b);
    return { matching: total, p50Ms: round(sorted[100]!), p95Ms: round(sorted[190]!) };
  };
  const typical = await timeQuery('SN00000000000042');
  const hot = await timeQuery('SN00000000000000');
  return { rows: 1_000_000, seedSeconds, typicalSn: { rows: 8_081, ...typical }, hotSn: { rows: 200_000, ...hot }, target: 'p95 ≤ 50 ms' };
}

export function printLicenseFigures(f: Awaited<ReturnType<typeof benchLicenses>>) {
  console.log(`\nLicense sessions: logins across ${f.logins.sns} SNs (command path, 64 in flight): ${f.logins.opsPerSecond}/s, p99 ${f.logins.p99Ms} ms (target ≥ 2,000/s); bare one-event appends in the same run: ${f.logins.bareAppendsPerSecond}/s (logins at ${f.logins.shareOfBareAppends} of it)`);
  console.log(`Expiry lag, ${f.expiry.sessions} sessions due together: p50 ${f.expiry.p50Seconds} s, p99 ${f.expiry.p99Seconds} s, max ${f.expiry.maxSeconds} s (${f.expiry.ended} ended; target p99 ≤ 5 s)`);
  const q = f.query;
  console.log(`Logs query (errorCode <> 0, startTime >=, status in 2, sorted startTime DESC, page of 50 + total) over ${q.rows} rows, seeded in ${q.seedSeconds} s (target p95 ≤ 50 ms):`);
  console.log(`  an SN with ${q.typicalSn.rows} rows (${q.typicalSn.matching} match): p50 ${q.typicalSn.p50Ms} ms, p95 ${q.typicalSn.p95Ms} ms`);
  console.log(`  the hot SN with ${q.hotSn.rows} rows (${q.hotSn.matching} match): p50 ${q.hotSn.p50Ms} ms, p95 ${q.hotSn.p95Ms} ms`);
  return f;
}
