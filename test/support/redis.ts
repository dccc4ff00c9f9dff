import { randomBytes } from 'node:crypto';
import { deleteKeysWithPrefix } from '../../src/redis/connection';

export const testRedisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix unique to one test file, and a way to delete everything under it afterwards. */
export function testRedisPrefix(label: string): string {
  return `authledger-test:${label}:${randomBytes(4).toString('hex')}:`;
}

export const deleteRedisPrefix = (prefix: string): Promise<void> => deleteKeysWithPrefix(testRedisUrl, prefix);
