import type { Redis } from 'ioredis';
import { endpointKey } from '../commands/configs/events';
import type { ConfigRow } from '../projections/configs/interface-configs';

/**
 * The interface configs the gateway enforces, as loaded into Redis by `configs/load` and at start:
 * one hash of exact endpoints (`GET /a/b`) and one of patterns (`GET /a/{id}`), replaced together.
 */
export interface LiveConfig {
  id: string;
  method: string;
  url: string;
  authCode: string | null;
  verify: boolean;
  limit: boolean;
  limitGap: number | null;
  limitCycle: number | null;
  limitMax: number | null;
  message: string | null;
}

const EXACT = 'interface-configs:exact';
const PATTERNS = 'interface-configs:patterns';

const isPattern = (url: string): boolean => /\{[^/}]*\}/.test(url);

export function liveConfigOf(row: ConfigRow): LiveConfig {
  return {
    id: row.id,
    method: row.method,
    url: row.url,
    authCode: row.auth_code,
    verify: row.verify,
    limit: row.limited,
    limitGap: row.limit_gap,
    limitCycle: row.limit_cycle,
    limitMax: row.limit_max,
    message: row.message,
  };
}

/** Replaces the whole set at once (MULTI): a request sees the old set or the new one, never half of each. */
export async function storeLiveConfigs(redis: Redis, configs: readonly LiveConfig[]): Promise<void> {
  const exact: Record<string, string> = {};
  const patterns: Record<string, string> = {};
  for (const c of configs) (isPattern(c.url) ? patterns : exact)[endpointKey(c.method, c.url)] = JSON.stringify(c);
  const tx = redis.multi();
  for (const [key, fields] of [
    [EXACT, exact],
    [PATTERNS, patterns],
  ] as const) {
    const staging = `${key}:staging`;
    tx.del(staging);
    if (Object.keys(fields).length > 0) {
      tx.hset(staging, fields);
      tx.rename(staging, key);
    } else {
      tx.del(key);
    }
  }
  await tx.exec();
}

const compiled = new Map<string, RegExp>();

/** `{x}` matches one path segment; everything else literally. */
function patternOf(url: string): RegExp {
  let re = compiled.get(url);
  if (!re) {
    const source = url
      .split(/(\{[^/}]*\})/)
      .map((part) => (isPattern(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${source}$`);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(url, re);
  }
  return re;
}

/** The config governing METHOD + path: the exact one, else the matching pattern with the most literal text. */
export function matchLiveConfig(set: LiveConfigSet, method: string, path: string): LiveConfig | null {
  const upper = method.toUpperCase();
  const exact = set.exact.get(endpointKey(upper, path));
  if (exact) return exact;
  const candidates = set.patterns.filter((c) => c.method === upper && patternOf(c.url).test(path));
  const literal = (c: LiveConfig) => c.url.replace(/\{[^/}]*\}/g, '').length;
  candidates.sort((a, b) => literal(b) - literal(a) || a.url.localeCompare(b.url));
  return candidates[0] ?? null;
}

export interface LiveConfigSet {
  exact: Map<string, LiveConfig>;
  patterns: LiveConfig[];
}

/** Reads the whole set Redis holds (one round trip). */
export async function readLiveConfigs(redis: Redis): Promise<LiveConfigSet> {
  const [[exactError, exact], [patternsError, patterns]] = (await redis.pipeline().hgetall(EXACT).hvals(PATTERNS).exec()) as [
    [Error | null, Record<string, string>],
    [Error | null, string[]],
  ];
  // A pipeline reports a lost connection per command, not by rejecting: read as "no configs", it would open every gate.
  if (exactError || patternsError) throw exactError ?? patternsError;
  return {
    exact: new Map(Object.entries(exact ?? {}).map(([key, json]) => [key, JSON.parse(json) as LiveConfig])),
    patterns: (patterns ?? []).map((json) => JSON.parse(json) as LiveConfig),
  };
}

export async function findLiveConfig(redis: Redis, method: string, path: string): Promise<LiveConfig | null> {
  return matchLiveConfig(await readLiveConfigs(redis), method, path);
}

/**
 * Every request of the Insight surface passes the gate, so each process keeps the set it read
 * from Redis for at most MAX_AGE_MS: no Redis round trip per request for the configs. A load in
 * this process replaces the copy at once; other processes see it within MAX_AGE_MS.
 */
const MAX_AGE_MS = 1000;

interface CachedSet {
  set: LiveConfigSet;
  readAt: number;
  pending: Promise<LiveConfigSet> | null;
}

const caches = new WeakMap<Redis, CachedSet>();

export async function currentLiveConfigs(redis: Redis): Promise<LiveConfigSet> {
  const cached = caches.get(redis);
  if (cached && Date.now() - cached.readAt < MAX_AGE_MS) return cached.set;
  if (cached?.pending) return cached.pending;
  const entry: CachedSet = cached ?? { set: { exact: new Map(), patterns: [] }, readAt: 0, pending: null };
  caches.set(redis, entry);
  entry.pending = readLiveConfigs(redis)
    .then((set) => {
      entry.set = set;
      entry.readAt = Date.now();
      return set;
    })
    .finally(() => {
      entry.pending = null;
    });
  return entry.pending;
}

/** After a load: this process reads the new set on its next request. */
export function forgetLiveConfigs(redis: Redis): void {
  caches.delete(redis);
}
