import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig, type Config } from '../src/config';
import { dropDatabase } from '../src/db/connection';
import { createMetrics } from '../src/observability/metrics';
import { deleteKeysWithPrefix } from '../src/redis/connection';
import { openDependencies, type Dependencies } from '../src/runtime/dependencies';
import { startApi } from '../src/runtime/roles';

export interface BenchService {
  config: Config;
  deps: Dependencies;
  /** Where the API answers, e.g. http://127.0.0.1:40123 */
  url: string;
  stop(): Promise<void>;
}

/** The API on a fresh database and Redis prefix of its own, silent; `stop` removes both. */
export async function startBenchService(databaseUrl: string, label: string, env: Record<string, string> = {}): Promise<BenchService> {
  const server = new URL(databaseUrl);
  server.pathname = `/authledger_bench_${label}_${randomBytes(3).toString('hex')}`;
  const prefix = `bench-${label}-${randomBytes(3).toString('hex')}:`;
  const { config } = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: server.toString(),
    REDIS_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = pino({ level: 'silent' });
  const deps = await openDependencies(config, logger, { migrate: true });
  const api = await startApi(config, deps, logger, createMetrics({ processMetrics: false }));
  return {
    config,
    deps,
    url: api.http.url,
    async stop() {
      await api.stop();
      await deps.close();
      await dropDatabase(server.toString());
      await deleteKeysWithPrefix(config.redisUrl, prefix);
    },
  };
}
