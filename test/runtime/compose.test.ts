import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';
import { OPERATIONS_PATHS } from '../../src/api/operations';

const root = path.resolve(__dirname, '../..');
const read = (name: string) => readFileSync(path.join(root, name), 'utf8');

interface Service {
  image?: string;
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, string>;
}
const compose = parse(read('compose.yaml')) as { services: Record<string, Service> };
const service = (name: string): Service => {
  const found = compose.services[name];
  assert.ok(found, `compose.yaml has a service ${name}`);
  return found;
};

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?message}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const set = env[name];
    if (set) return set;
    if (op === '?') throw new Error(`compose refuses to start: ${name} is required (${arg})`);
    return op === '-' ? arg : '';
  });
}

const secrets: Record<string, string> = {
  POSTGRES_PASSWORD: 'pg-password-1',
  JWT_SECRET: 'a-real-jwt-secret-of-some-length',
  DATA_KEY: 'ab'.repeat(32),
  ADMIN_PASSWORD: 'a-real-admin-password',
  WECHAT_COMPONENT_TOKEN: 'callback-token-from-wechat',
  WECHAT_COMPONENT_AES_KEY: 'Q'.repeat(43),
};

/** The service's environment as compose would hand it over, given what the operator set. */
function serviceEnv(operator: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(service('authledger').environment ?? {})) env[name] = interpolate(String(value), operator);
  return env;
}

function variablesTheServiceReads(): Set<string> {
  const asked = new Set<string>();
  loadConfig(new Proxy({} as Record<string, string | undefined>, { get: (_t, name) => (typeof name === 'string' && asked.add(name), undefined) }));
  return asked;
}

describe('compose.yaml and the Dockerfile', () => {
  it('runs PostgreSQL, Redis and authledger by default, and EventStoreDB only under the eventstore profile', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['authledger', 'eventstore', 'postgres', 'redis']);
    for (const name of ['authledger', 'postgres', 'redis']) assert.equal(service(name).profiles, undefined, `${name} always runs`);
    assert.deepEqual(service('eventstore').profiles, ['eventstore']);
  });

  it('sets only variables the service reads, and refuses to start without the secrets production requires', () => {
    const known = variablesTheServiceReads();
    const set = Object.keys(service('authledger').environment ?? {});
    assert.deepEqual(set.filter((name) => !known.has(name)), [], 'compose sets variables nothing reads');
    for (const name of Object.keys(secrets)) {
      const without = { ...secrets };
      delete without[name];
      assert.throws(() => serviceEnv(without), new RegExp(`${name} is required`));
    }
  });

  it('with the secrets set: a valid production configuration that points at the compose services and their ports', () => {
    const env = serviceEnv(secrets);
    const { config } = loadConfig(env);
    assert.equal(config.env, 'production');
    const db = new URL(config.databaseUrl);
    const pg = service('postgres').environment!;
    assert.equal(db.hostname, 'postgres');
    assert.equal(db.port || '5432', '5432');
    assert.equal(db.username, pg.POSTGRES_USER);
    assert.equal(db.pathname, `/${pg.POSTGRES_DB}`);
    assert.equal(decodeURIComponent(db.password), secrets.POSTGRES_PASSWORD, 'the same password as the postgres service');
    assert.equal(interpolate(pg.POSTGRES_PASSWORD!, secrets), secrets.POSTGRES_PASSWORD);
    const redis = new URL(config.redisUrl);
    assert.equal(redis.hostname, 'redis');
    assert.equal(redis.port || '6379', '6379');
    assert.equal(config.eventstoreUrl, null, 'the PostgreSQL event store unless EVENTSTORE_URL is set');
  });

  it('EVENTSTORE_URL as documented in compose.yaml selects the eventstore service on its port', () => {
    const documented = /EVENTSTORE_URL=(\S+)/.exec(read('compose.yaml'))?.[1];
    assert.ok(documented, 'compose.yaml says how to select EventStoreDB');
    const { config } = loadConfig(serviceEnv({ ...secrets, EVENTSTORE_URL: documented }));
    const url = new URL(config.eventstoreUrl!.replace(/^esdb/, 'http'));
    assert.equal(url.hostname, 'eventstore');
    assert.equal(url.port, service('eventstore').environment!.EVENTSTORE_HTTP_PORT);
  });

  it('publishes the port the service listens on, which the Dockerfile exposes and health-checks on /readyz', () => {
    const { config } = loadConfig(serviceEnv(secrets));
    const published = (service('authledger').ports ?? []).map((p) => p.split(':').at(-1));
    assert.deepEqual(published, [String(config.port)]);
    const dockerfile = read('Dockerfile');
    assert.match(dockerfile, new RegExp(`^EXPOSE ${config.port}$`, 'm'));
    assert.match(dockerfile, new RegExp(`PORT=${config.port}\\b`));
    const health = /^HEALTHCHECK .* CMD (.*)$/m.exec(dockerfile.replace(/\\\n\s*/g, ''))?.[1] ?? '';
    const probe = /http:\/\/127\.0\.0\.1:(\d+)(\/\w+)/.exec(health);
    assert.ok(probe, `the health check fetches a local URL: ${health}`);
    assert.equal(Number(probe[1]), config.port);
    assert.equal(probe[2], '/readyz');
    assert.ok(OPERATIONS_PATHS.includes('/readyz'));
  });

  it('builds in one stage and runs the compiled service as a non-root user in another', () => {
    const dockerfile = read('Dockerfile');
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage');
    assert.match(dockerfile, /npm ci --omit=dev/);
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    assert.ok(user && user !== 'root' && user !== '0', 'runs as a non-root user');
    assert.match(dockerfile, /^CMD \["node", .*"dist\/src\/main\.js", "all"\]$/m);
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    assert.deepEqual([build.compilerOptions.outDir, build.compilerOptions.rootDir], ['dist', '.'], 'src/main.ts compiles to dist/src/main.js');
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', '.env', '.git']) assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
  });
});
