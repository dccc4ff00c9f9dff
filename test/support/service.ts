import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config';
import { bootstrapAdministrator } from '../../src/commands/identity/bootstrap';
import { bootstrapInterfaceConfigs } from '../../src/commands/configs/bootstrap';
import { bootstrapRbac } from '../../src/commands/rbac/bootstrap';
import { ADMIN_DISPLAY_NAME, BUILTIN_ROLES, SEEDED_CONFIGS } from '../../src/runtime/first-start-data';
import { loadLiveConfigsAtStart } from '../../src/gateway/load-configs';
import { createMetrics } from '../../src/observability/metrics';
import type { Dependencies } from '../../src/runtime/dependencies';
import { openDependencies } from '../../src/runtime/dependencies';
import { startApi, startProjector, startWorkers, type Role } from '../../src/runtime/roles';
import type { ProjectionRunner } from '../../src/projections/runner';
import { createTestDatabase, type TestDatabase } from './database';
import { deleteRedisPrefix, testRedisPrefix, testRedisUrl } from './redis';

export interface TestService {
  url: string;
  config: Config;
  deps: Dependencies;
  db: TestDatabase;
  projector: ProjectionRunner;
  /** JSON request helper: returns status, headers and parsed body (text when not JSON). */
  request(method: string, path: string, options?: { body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<TestResponse>;
  adminToken(): Promise<string>;
  stop(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary JSON
  text: string;
}

export const TEST_ADMIN = { account: 'root-admin', password: 'root-password-123' };

/**
 * The whole service as `npm start` runs it (API + projector + workers) on a fresh database and
 * Redis prefix, listening on a free port.
 */
export async function startTestService(
  label: string,
  env: Record<string, string> = {},
  /** Where the service reaches its database and Redis, given where they are (a fault spec's TCP proxies). */
  reach: { database?: (url: string) => string; redis?: (url: string) => string } = {},
): Promise<TestService> {
  const db = await createTestDatabase(label);
  const prefix = testRedisPrefix(label);
  const { config } = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: reach.database ? reach.database(db.url) : db.url,
    REDIS_URL: reach.redis ? reach.redis(testRedisUrl) : testRedisUrl,
    REDIS_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: randomBytes(24).toString('hex'),
    DATA_KEY: randomBytes(32).toString('hex'),
    ADMIN_ACCOUNT: TEST_ADMIN.account,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const deps = await openDependencies(config, logger, { migrate: false });
  await bootstrapAdministrator({ store: deps.store, dataKey: config.dataKey }, config.adminAccount, config.adminPassword, ADMIN_DISPLAY_NAME);
  await bootstrapRbac(deps, config.adminAccount, BUILTIN_ROLES);
  await bootstrapInterfaceConfigs(deps, SEEDED_CONFIGS);
  const metrics = createMetrics({ processMetrics: false });
  const projector = await startProjector(deps, logger, metrics);
  // Seeded limits are enforced only where a test asks: other tests sign in many times from one address.
  if (env.LOAD_INTERFACE_CONFIGS === 'true') await loadLiveConfigsAtStart(deps, logger);
  const workers = startWorkers(deps);
  const api = await startApi(config, deps, logger, metrics);
  const roles: Role[] = [projector, workers, api];
  const url = api.http.url;
  let token: string | null = null;

  const request: TestService['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    // A test sees a redirect as the answer it is; following it could leave this machine (WeChat's pages).
    const res = await fetch(`${url}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  return {
    url,
    config,
    deps,
    db,
    projector: projector.runner,
    request,
    async adminToken() {
      if (!token) {
        const res = await request('POST', '/v1/login', { body: TEST_ADMIN });
        if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${res.text}`);
        token = res.body.token as string;
      }
      return token;
    },
    async stop() {
      for (const r of roles.reverse()) await r.stop();
      await deps.close();
      await db.drop();
      await deleteRedisPrefix(prefix);
    },
  };
}
