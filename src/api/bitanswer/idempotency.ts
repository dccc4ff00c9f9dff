import type { Redis } from 'ioredis';
import { DomainError } from '../../commands/domain-error';

/**
 * `x-bit-req-id`: the same id from the same key within a day gets the first answer again. The
 * slot is claimed with SET NX before the work runs, so two copies sent at once cannot both run;
 * the stored answer then replaces the claim.
 */
const DAY_SECONDS = 24 * 3600;
const PENDING = '\u0000pending';
const REQ_ID = /^[\x21-\x7e]{1,128}$/;

export async function onceADay<T>(redis: Redis, caller: string, reqId: string | undefined, work: () => Promise<T>): Promise<T> {
  if (reqId === undefined || reqId === '') return work();
  if (!REQ_ID.test(reqId)) throw new DomainError('validation_failed', 'x-bit-req-id must be 1 to 128 printable characters');
  const key = `bitanswer:req:${caller}:${reqId}`;
  const claimed = await redis.set(key, PENDING, 'EX', DAY_SECONDS, 'NX');
  if (claimed !== 'OK') {
    const stored = await redis.get(key);
    if (stored === null || stored === PENDING) throw new DomainError('conflict', 'a request with this x-bit-req-id is still running');
    return JSON.parse(stored) as T;
  }
  try {
    const answer = await work();
    await redis.set(key, JSON.stringify(answer), 'EX', DAY_SECONDS);
    return answer;
  } catch (err) {
    // A refused request did nothing: the same id may be tried again.
    await redis.del(key);
    throw err;
  }
}
