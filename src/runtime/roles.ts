import type { Config } from '../config';
import { createApp } from '../api/app';
import { pagesMiddleware } from '../api/console/pages';
import { queueBoard } from '../api/console/queue-board';
import { startHttpServer, type RunningHttpServer } from '../api/server';
import { allSurfaces } from '../api/surfaces';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { allProjections } from '../projections';
import { ProjectionRunner } from '../projections/runner';
import { lockConnectionConfig } from '../projections/advisory-lock';
import { CheckpointWatch } from '../projections/checkpoint-watch';
import { noteAppends, ReadYourWrites } from '../projections/read-your-writes';
import { createRedis, pingRedis } from '../redis/connection';
import { allJobs } from '../../workers/jobs';
import { createWorkerHost, type WorkerHost } from '../../workers/host';
import type { Dependencies } from './dependencies';
import { bullPrefix } from './queues';

export interface Role {
  name: string;
  stop(): Promise<void>;
}

export async function startApi(config: Config, deps: Dependencies, logger: Logger, metrics: Metrics): Promise<Role & { http: RunningHttpServer }> {
  const watch = new CheckpointWatch({ knex: deps.knex, listenConnection: lockConnectionConfig(deps.knex, 'authledger-checkpoint-watch'), logger });
  await watch.start();
  const readYourWrites = new ReadYourWrites({ watch, projections: allProjections, timeoutMs: config.readYourWritesTimeoutMs, metrics, logger });
  const app = createApp({
    config,
    logger,
    metrics,
    // Appends made while a request runs are noted, so its answer can wait for them to be read.
    surfaces: allSurfaces({ ...deps, store: noteAppends(deps.store) }),
    writeFences: (surface) => readYourWrites.fenceFor(surface),
    readiness: [
      { name: 'postgres', check: async () => void (await deps.knex.raw('select 1')) },
      { name: 'redis', check: () => pingRedis(deps.redis, 1500) },
      { name: 'eventstore', check: () => deps.store.ping() },
    ],
    openapiInfo: { title: 'authledger', version: '0.1.0' },
    pages: pagesMiddleware({ queueBoard: queueBoard({ jwtSecret: config.jwtSecret, queues: () => queueNames(deps).map((name) => deps.queues.get(name)) }) }),
  });
  const http = await startHttpServer(app, { host: config.host, port: config.port, logger, shutdownGraceMs: config.shutdownGraceMs });
  logger.info({ url: http.url }, 'API listening');
  return {
    name: 'api',
    http,
    async stop() {
      await http.stop();
      await watch.stop();
    },
  };
}

/** Every queue a worker runs, whether or not this process runs workers: the board shows them all. */
function queueNames(deps: Dependencies): string[] {
  return [...new Set(allJobs(deps).map((job) => job.queue.name))].sort();
}

export async function startProjector(deps: Dependencies, logger: Logger, metrics: Metrics): Promise<Role & { runner: ProjectionRunner }> {
  const runner = new ProjectionRunner({
    store: deps.store,
    knex: deps.knex,
    projections: allProjections,
    logger,
    eventsTableInDatabase: deps.store.kind === 'postgres',
  });
  await runner.start();
  metrics.gauge<'projection'>({
    name: 'projection_lag_events',
    help: 'Events of a projection\'s types not yet applied',
    labelNames: ['projection'],
    async collect() {
      for (const s of await runner.status()) if (s.lagEvents !== null) this.set({ projection: s.name }, s.lagEvents);
    },
  });
  logger.info({ projections: allProjections.map((p) => `${p.name}@v${p.version}`) }, 'projector running');
  return { name: 'projector', runner, stop: () => runner.stop() };
}

export function startWorkers(deps: Dependencies): Role & { host: WorkerHost } {
  const { config, logger } = deps;
  const jobs = allJobs(deps);
  const host = createWorkerHost({
    connection: () => createRedis(config.redisUrl, { forBullmq: true, name: 'authledger-workers' }),
    prefix: bullPrefix(config),
    jobs,
    logger,
  });
  host.start();
  logger.info({ queues: jobs.map((j) => j.queue.name) }, 'workers running');
  return { name: 'workers', host, stop: () => host.stop() };
}
