import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { permissionsRevisionKey } from '../commands/permissions/handler';
import { permittedCodes } from '../projections/permissions/queries';

/**
 * The authorization codes a user holds in an application, cached in Redis under the revision of
 * the application's permissions stream: every permissions change raises that revision (write-
 * through), so a cached list is never used after a change. A list is cached only when the read
 * model had already applied that revision, so a lagging projection cannot pin a stale list.
 */
const READ = `local rev = redis.call('GET', KEYS[1]) or '-1' return {rev, redis.call('GET', KEYS[2] .. rev)}`;
const TTL_SECONDS = 600;

export async function userHoldsCode(deps: { redis: Redis; knex: Knex }, appId: string, userId: string, code: string): Promise<boolean> {
  const base = `permitted-codes:${appId}:${userId}:`;
  const [rev, cached] = (await deps.redis.eval(READ, 2, permissionsRevisionKey(appId), base)) as [string, string | null];
  let codes: string[];
  if (cached) {
    codes = JSON.parse(cached) as string[];
  } else {
    const read = await permittedCodes(deps.knex, appId, userId);
    codes = read.codes;
    if (read.revision >= Number(rev)) await deps.redis.set(`${base}${rev}`, JSON.stringify(codes), 'EX', TTL_SECONDS);
  }
  return codes.includes(code.trim().toLowerCase());
}
