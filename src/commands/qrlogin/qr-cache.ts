import type { Redis } from 'ioredis';
import type { QrLoginStatus } from './decider';

/**
 * The fast path of polling: the nonce's status written through by the command side, with the
 * nonce's remaining life as its TTL, so a desktop polling every few seconds costs one Redis GET.
 * Every write carries the stream revision and an older one never lands, so two requests finishing
 * out of order (a scan and a confirm) cannot leave "scanned" behind "confirmed". A finished nonce
 * (used, expired) is final and is written with a revision nothing can pass.
 */
const key = (nonceHash: string) => `qrlogin:${nonceHash}`;
const FINAL_REVISION = Number.MAX_SAFE_INTEGER;

// KEYS: the nonce. ARGV: revision, status, ttl ms.
const STORE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local rev = tonumber(string.match(cur, '^(%d+):'))
  if rev and rev > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
return 1`;

export async function storeQrStatus(redis: Redis, nonceHash: string, revision: number, status: QrLoginStatus, expiresAt: number, now = Date.now()): Promise<void> {
  const ttl = expiresAt - now;
  if (ttl <= 0) return; // past its life: a missing key already means "gone"
  const final = status === 'used' || status === 'expired';
  await redis.eval(STORE, 1, key(nonceHash), String(final ? FINAL_REVISION : revision), status, String(ttl));
}

/** The cached status, or null when Redis does not know the nonce (expired, unknown, or lost). */
export async function readQrStatus(redis: Redis, nonceHash: string): Promise<QrLoginStatus | null> {
  const value = await redis.get(key(nonceHash));
  const status = value?.slice(value.indexOf(':') + 1);
  return status === 'waiting' || status === 'scanned' || status === 'confirmed' || status === 'used' || status === 'expired' ? status : null;
}
