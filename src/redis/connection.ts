import { Redis, type RedisOptions } from 'ioredis';

/**
 * ioredis connections. `commands` is for our own keys (prefixed per deployment, so tests and
 * deployments can share a server); BullMQ gets unprefixed connections with its own `prefix`
 * option and `maxRetriesPerRequest: null`, which its blocking commands need.
 */
export function createRedis(url: string, options: { keyPrefix?: string; forBullmq?: boolean; name?: string; commandTimeoutMs?: number } = {}): Redis {
  const opts: RedisOptions = {
    connectionName: options.name ?? 'authledger',
    lazyConnect: false,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    // A command queued while Redis is away fails at its deadline (503), not after every reconnect attempt.
    ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
    // Our own commands from concurrent requests share round trips (the token-verify path is
    // two Redis calls per request); BullMQ manages its own connections.
    ...(options.forBullmq ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2, keyPrefix: options.keyPrefix, enableAutoPipelining: true }),
  };
  return new Redis(url, opts);
}

/** Redis did not answer in time or could not be reached: the request is answered 503. */
export class RedisUnavailableError extends Error {
  readonly code = 'redis_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

/** Resolves once the connection answers PING, or rejects within the timeout with a plain message. */
export async function pingRedis(redis: Redis, timeoutMs = 3_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One connection attempt, no retries: for start-up, where the operator wants the cause (ECONNREFUSED), not a retry count. */
export async function probeRedis(url: string, timeoutMs = 3_000): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let lastError: Error | null = null;
  probe.on('error', (err: Error) => (lastError = err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const cause = (lastError ?? err) as { code?: string; message?: string };
    throw Object.assign(new Error(cause.code ?? cause.message ?? 'no answer'), { code: cause.code });
  } finally {
    probe.disconnect();
  }
}

/** Deletes every key under a prefix (a test run's or a bench run's); SCAN ignores keyPrefix, so this uses its own connection. */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<void> {
  const redis = createRedis(url, { forBullmq: true, name: 'authledger-cleanup' });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
