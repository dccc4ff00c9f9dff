import { randomUUID } from 'node:crypto';
import { clientNetwork } from '../client-network';
import type { Redis } from 'ioredis';

/**
 * `GET /api/qrcode` is public and each call appends an event and schedules a job, so each client
 * address may take at most `perMinute` codes a minute and hold at most `outstanding` codes that
 * have not yet expired. Both are checked and taken in one Lua script, so parallel calls cannot
 * slip past either; a refused call takes nothing.
 */
export interface QrIssueLimits {
  perMinute: number;
  outstanding: number;
  ttlSeconds: number;
}

export type QrIssueVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const WINDOW_MS = 60_000;

// KEYS: the minute's counter, the address's live nonces (sorted by expiry).
// ARGV: now ms, per minute, outstanding, ttl ms, a new member. Returns {0} or {1, ms until a slot frees}.
const SCRIPT = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
if taken >= tonumber(ARGV[2]) then return {1, redis.call('PTTL', KEYS[1])} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {1, tonumber(first[2]) - now}
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ${WINDOW_MS}) end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {0}`;


export async function takeQrIssue(redis: Redis, ip: string | null, limits: QrIssueLimits, now = Date.now()): Promise<QrIssueVerdict> {
  const address = clientNetwork(ip);
  const [refused, waitMs] = (await redis.eval(
    SCRIPT,
    2,
    `laravel:qrcode:minute:${address}`,
    `laravel:qrcode:live:${address}`,
    now,
    limits.perMinute,
    limits.outstanding,
    limits.ttlSeconds * 1000,
    randomUUID(),
  )) as [number, number?];
  if (!refused) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((waitMs ?? WINDOW_MS) / 1000)) };
}
