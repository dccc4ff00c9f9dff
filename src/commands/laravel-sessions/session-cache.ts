import type { Redis } from 'ioredis';
import type { SessionState } from './decider';

/**
 * A session's status written through to Redis by the command side, so verifying a JWT never
 * replays its stream: `<revision>:live|ended`, expiring with the token. An older revision never
 * overwrites a newer one, so a verify that rebuilt from the stream just before a logout cannot
 * bring the session back.
 */
export const sessionKey = (sessionId: string): string => `laravel:sess:${sessionId}`;

// KEYS: session. ARGV: revision, status, expire at (epoch ms).
const STORE_SESSION = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local r = tonumber(string.match(cur, '^(%d+):'))
  if r and r >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PXAT', ARGV[3])
return 1`;

/** Past its expiry a session is refused by the JWT check anyway; a minute of slack covers clock leeway. */
const AFTER_EXPIRY_MS = 60_000;

export async function storeSession(redis: Redis, sessionId: string, revision: number, state: SessionState): Promise<void> {
  if (state.status === 'none' || state.expiresAt === null) return;
  await redis.eval(STORE_SESSION, 1, sessionKey(sessionId), String(revision), state.status, String(state.expiresAt + AFTER_EXPIRY_MS));
}

/** What a cached value says: null when Redis has nothing (rebuild from the stream). */
export function parseSessionValue(value: string | null): 'live' | 'ended' | null {
  if (value === null) return null;
  const status = value.slice(value.indexOf(':') + 1);
  return status === 'live' || status === 'ended' ? status : null;
}
