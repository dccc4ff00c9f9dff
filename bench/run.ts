import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { createKnex, dropDatabase, ensureDatabase } from '../src/db/connection';
import { migrateToLatest } from '../src/db/migrate';
import { benchAppends, benchGlobalRead } from './eventstore';
import { benchProjectionCatchUp, seedIdentityEvents } from './projections';
import { benchInsight, printInsightFigures } from './insight';
import { benchGateway, printGatewayFigures } from './gateway';
import { benchWechat, printWechatFigures } from './wechat';
import { benchLicenses, printLicenseFigures } from './licenses';
import { benchLargeLog, printLargeLogFigures } from './large-log';

/**
 * `npm run bench`: every figure beside a baseline measured in the same run on the same machine.
 * BENCH_SECONDS sets the length of each load phase (default 3); BENCH_ONLY a comma-separated
 * subset (appends, read, insight, gateway, wechat, licenses, log) while working on one figure.
 * BENCH_LOG_EVENTS (e.g. 10000000) adds the event store's figures at an empty and a log of that
 * size side by side (bench/large-log.ts; `log` alone defaults to 1,000,000).
 */
async function main() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const wanted = (part: string) => !only || only.includes(part);
  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  server.pathname = `/authledger_bench_${randomBytes(3).toString('hex')}`;
  const url = server.toString();
  await ensureDatabase(url);
  const knex = createKnex(url, { poolMax: 40, applicationName: 'authledger-bench' });
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: round(os.totalmem() / 2 ** 30), node: process.version },
  };
  try {
    await migrateToLatest(knex);

    if (wanted('appends')) {
      console.log(`\nEvent store appends (PostgreSQL adapter) vs raw pg INSERT of the same rows, ${seconds}s each`);
      const appends = await benchAppends(knex, url, seconds);
      results.appends = appends;
      console.table(
        appends.map((c) => ({
          'events/append': c.eventsPerAppend,
          'in flight': c.inFlight,
          'appends/s': c.ours.opsPerSecond,
          'raw INSERTs/s': c.rawInsert.opsPerSecond,
          'share of raw': c.share,
          'p99 ms': c.ours.p99Ms,
          'raw p99 ms': c.rawInsert.p99Ms,
        })),
      );
    }

    if (wanted('read')) {
      console.log('\nSeeding identity events for the read and catch-up figures…');
      const seeded = await seedIdentityEvents(knex, 25_000, 10);
      const read = await benchGlobalRead(knex);
      results.globalRead = read;
      console.log(`Global log read (pages of 1,000, commit-safe order): ${read.events} events in ${read.seconds}s = ${read.eventsPerSecond}/s`);

      const catchUp = await benchProjectionCatchUp(knex);
      results.projectionCatchUp = { ...catchUp, seeded, target: 30_000 };
      console.log(`Projection catch-up (users read model, from zero): ${catchUp.events} events in ${catchUp.seconds}s = ${catchUp.eventsPerSecond}/s (target ≥ 30,000/s)`);
    }

    if (wanted('insight')) results.insight = printInsightFigures(await benchInsight(server.toString(), seconds));
    if (wanted('gateway')) results.gateway = printGatewayFigures(await benchGateway(server.toString(), seconds));
    if (wanted('wechat')) results.wechat = printWechatFigures(await benchWechat(server.toString(), seconds));
    if (wanted('licenses')) results.licenses = printLicenseFigures(await benchLicenses(knex, url, seconds));
    // The large-log figures seed millions of events: only when asked for by size or by name.
    if ((process.env.BENCH_LOG_EVENTS && wanted('log')) || only?.includes('log')) {
      results.largeLog = printLargeLogFigures(await benchLargeLog(server.toString(), Number(process.env.BENCH_LOG_EVENTS ?? 1_000_000), seconds));
    }
  } finally {
    await knex.destroy();
    await dropDatabase(url);
  }
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(results, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  console.log(`\nFigures written to ${file}`);
}

const round = (n: number) => Math.round(n * 100) / 100;

main().then(
  // A queue or worker connection that lingers after its close must not keep the bench from ending.
  () => process.exit(0),
  (err: unknown) => {
    console.error('bench failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
