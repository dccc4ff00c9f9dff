import type { Redis } from 'ioredis';

/**
 * Per device and endpoint, atomically in Redis (one Lua script, so parallel calls cannot both
 * slip through): at most one call per `gapSeconds`, and at most `max` calls per `cycleSeconds`
 * window. A refused call counts towards neither, so exactly the call that crosses a limit is refused.
 */
const SCRIPT = `
local gap = tonumber(ARGV[1])
local cycle = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
if cycle > 0 and max > 0 then
  if tonumber(redis.call('GET', KEYS[2]) or '0') >= max then return 2 end
end
if gap > 0 then
  if not redis.call('SET', KEYS[1], '1', 'PX', gap, 'NX') then return 1 end
end
if cycle > 0 and max > 0 then
  if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], cycle) end
end
return 0`;

export interface Limits {
  gapSeconds: number | null;
  cycleSeconds: number | null;
  max: number | null;
}

export type LimitVerdict = 'allowed' | 'too_soon' | 'cycle_full';

const VERDICTS: LimitVerdict[] = ['allowed', 'too_soon', 'cycle_full'];

export async function takeCall(redis: Redis, subject: string, limits: Limits): Promise<LimitVerdict> {
  const gapMs = Math.max(0, Math.round((limits.gapSeconds ?? 0) * 1000));
  const cycleMs = Math.max(0, Math.round((limits.cycleSeconds ?? 0) * 1000));
  const max = Math.max(0, limits.max ?? 0);
  if (gapMs === 0 && (cycleMs === 0 || max === 0)) return 'allowed';
  const result = (await redis.eval(SCRIPT, 2, `rate:gap:${subject}`, `rate:cycle:${subject}`, gapMs, cycleMs, max)) as number;
  return VERDICTS[result] ?? 'allowed';
}
