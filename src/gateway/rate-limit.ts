import type { Redis } from 'ioredis';

/**
 * Rate limits, atomically in Redis (one Lua script, so parallel calls cannot both slip through).
 * Each subject (a device, an address) allows `perGap` calls per `gapSeconds` window (1: at most
 * one call per gap) and `max` calls per `cycleSeconds` window. A call is allowed only when every
 * subject it names has room, and then counts for all of them; a refused call counts towards none,
 * so exactly the call that crosses a limit is refused.
 */
const SCRIPT = `
local n = #KEYS / 2
for i = 1, n do
  local cycle, max = tonumber(ARGV[i * 4 - 1]), tonumber(ARGV[i * 4])
  if cycle > 0 and max > 0 and tonumber(redis.call('GET', KEYS[i * 2]) or '0') >= max then return 2 end
end
for i = 1, n do
  local gap, perGap = tonumber(ARGV[i * 4 - 3]), tonumber(ARGV[i * 4 - 2])
  if gap > 0 and tonumber(redis.call('GET', KEYS[i * 2 - 1]) or '0') >= perGap then return 1 end
end
for i = 1, n do
  local gap, cycle, max = tonumber(ARGV[i * 4 - 3]), tonumber(ARGV[i * 4 - 1]), tonumber(ARGV[i * 4])
  if gap > 0 and redis.call('INCR', KEYS[i * 2 - 1]) == 1 then redis.call('PEXPIRE', KEYS[i * 2 - 1], gap) end
  if cycle > 0 and max > 0 and redis.call('INCR', KEYS[i * 2]) == 1 then redis.call('PEXPIRE', KEYS[i * 2], cycle) end
end
return 0`;

export interface Limits {
  gapSeconds: number | null;
  cycleSeconds: number | null;
  max: number | null;
  /** Calls allowed within one gap; default 1. */
  perGap?: number;
}

export type LimitVerdict = 'allowed' | 'too_soon' | 'cycle_full';

const VERDICTS: LimitVerdict[] = ['allowed', 'too_soon', 'cycle_full'];

export async function takeCall(redis: Redis, subject: string, limits: Limits): Promise<LimitVerdict> {
  return takeCallFor(redis, [{ subject, limits }]);
}

/** One call counted against every subject at once (Redis keys `rate:gap:<subject>`, `rate:cycle:<subject>`). */
export async function takeCallFor(redis: Redis, subjects: ReadonlyArray<{ subject: string; limits: Limits }>): Promise<LimitVerdict> {
  const keys: string[] = [];
  const args: number[] = [];
  for (const { subject, limits } of subjects) {
    const gapMs = Math.max(0, Math.round((limits.gapSeconds ?? 0) * 1000));
    const cycleMs = Math.max(0, Math.round((limits.cycleSeconds ?? 0) * 1000));
    const max = Math.max(0, limits.max ?? 0);
    if (gapMs === 0 && (cycleMs === 0 || max === 0)) continue;
    keys.push(`rate:gap:${subject}`, `rate:cycle:${subject}`);
    args.push(gapMs, Math.max(1, limits.perGap ?? 1), cycleMs, max);
  }
  if (keys.length === 0) return 'allowed';
  const result = (await redis.eval(SCRIPT, keys.length, ...keys, ...args)) as number;
  return VERDICTS[result] ?? 'allowed';
}
