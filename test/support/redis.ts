import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedis } from '../../src/redis/connection';

export const testRedisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix unique to one test file, and a way to delete everything under it afterwards. */
export function testRedisPrefix(label: string): string {
  return `authledger-test:${label}:${randomBytes(4).toString('hex')}:`;
}

export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis: Redis = createRedis(testRedisUrl, { forBullmq: true, name: 'test-cleanup' });
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
