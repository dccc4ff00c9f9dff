import type { Redis } from 'ioredis';
import type { TokenState } from './decider';

/**
 * Token state written through to Redis by the command side, so that verifying a token (the
 * hottest path) is one Redis round trip: no stream replay, no projection. Every write carries the
 * stream revision and an older revision never lands, so writers finishing out of order cannot
 * resurrect an older state (the same revision may be written again: it is the same state).
 */
export const tokenKey = (tokenId: string): string => `insight:tok:${tokenId}`;
export const userKey = (userId: string): string => `insight:usr:${userId}`;
export const seatKey = (userId: string, appId: string): string => `insight:seat:${userId}:${appId}`;

/** A token nobody issued is remembered briefly, so forged ids do not each cost a stream read. */
export const UNKNOWN_TOKEN_TTL_MS = 60_000;
/** Kept past the failure time so that a late request still finds "revoked"/"failed" cheaply. */
const AFTER_FAILURE_MS = 60 * 60 * 1000;

// KEYS: token, seat. ARGV: revision, pexpireat, seat revision ('' = no seat news), token key prefix,
// this token's id, the seat holder's id at that seat revision, field/value pairs…
const STORE_TOKEN = `
local cur = redis.call('HGET', KEYS[1], 'r')
if (not cur) or tonumber(cur) <= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], unpack(ARGV, 7))
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
end
if ARGV[3] ~= '' then
  local seat = redis.call('HMGET', KEYS[2], 'r', 't')
  local holder = ARGV[6]
  if seat[1] and tonumber(seat[1]) >= tonumber(ARGV[3]) then
    holder = seat[2]
  else
    if seat[2] and seat[2] ~= holder and redis.call('EXISTS', ARGV[4] .. seat[2]) == 1 then
      redis.call('HSET', ARGV[4] .. seat[2], 'x', '1')
    end
    redis.call('HSET', KEYS[2], 'r', ARGV[3], 't', holder)
    redis.call('PEXPIREAT', KEYS[2], ARGV[2])
  end
  if holder == ARGV[5] then redis.call('HDEL', KEYS[1], 'x') else redis.call('HSET', KEYS[1], 'x', '1') end
end
return 1`;

/**
 * A user's status expires now and then, so a write-through lost to a Redis hiccup heals by itself:
 * the next verify after expiry folds the user's stream once.
 */
const USER_STATUS_TTL_MS = 10 * 60 * 1000;

// KEYS: user. ARGV: revision, disabled ('1'/'0'), ttl ms.
const STORE_USER = `
local cur = redis.call('HGET', KEYS[1], 'r')
if (not cur) or tonumber(cur) < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'r', ARGV[1], 'x', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1`;

export interface CachedToken {
  userId: string;
  userName: string | null;
  appId: string;
  tenantId: string | null;
  deviceId: string | null;
  accessSecretHash: string;
  refreshSecretHash: string;
  expiresAt: number;
  failsAt: number;
  issuedAt: number;
  refreshCount: number;
  revoked: boolean;
  superseded: boolean;
  exclusive: boolean;
}

const FIELDS = ['u', 'un', 'a', 't', 'd', 'as', 'rs', 'e', 'f', 'i', 'n', 'k', 'x', 'm'] as const;

/** Who held an exclusive (user, app) seat at a revision of its stream. */
export interface SeatFact {
  revision: number;
  holder: string | null;
}

/** Writes a token's folded state; with `seat`, also what the seat stream said (the newest revision wins). */
export async function storeToken(redis: Redis, state: TokenState, revision: number, seat: SeatFact | null): Promise<void> {
  if (!state.tokenId || !state.userId || !state.appId) return;
  const fields: string[] = [
    'r', String(revision),
    'u', state.userId,
    'un', state.userName ?? '',
    'a', state.appId,
    't', state.tenantId ?? '',
    'd', state.deviceId ?? '',
    'as', state.accessSecretHash ?? '',
    'rs', state.refreshSecretHash ?? '',
    'e', String(state.expiresAt),
    'f', String(state.failsAt),
    'i', String(state.issuedAt),
    'n', String(state.refreshCount),
    'k', state.revoked ? '1' : '0',
    'm', state.mode,
  ];
  const prefix = `${redis.options.keyPrefix ?? ''}insight:tok:`;
  await redis.eval(
    STORE_TOKEN,
    2,
    tokenKey(state.tokenId),
    seatKey(state.userId, state.appId),
    String(revision),
    String(state.failsAt + AFTER_FAILURE_MS),
    seat === null ? '' : String(seat.revision),
    prefix,
    state.tokenId,
    seat?.holder ?? '',
    ...fields,
  );
}

export async function storeUnknownToken(redis: Redis, tokenId: string): Promise<void> {
  await redis.eval(STORE_TOKEN, 2, tokenKey(tokenId), tokenKey(tokenId), '-1', String(Date.now() + UNKNOWN_TOKEN_TTL_MS), '', '', tokenId, '', 'r', '-1', 'k', '1');
}

export async function storeUserStatus(redis: Redis, userId: string, revision: number, disabled: boolean): Promise<void> {
  await redis.eval(STORE_USER, 1, userKey(userId), String(revision), disabled ? '1' : '0', String(USER_STATUS_TTL_MS));
}

/** The user's status as written through by the command side: null when Redis does not have it. */
export async function readUserDisabled(redis: Redis, userId: string): Promise<boolean | null> {
  const value = await redis.hget(userKey(userId), 'x');
  return value === null ? null : value === '1';
}

export interface CacheRead {
  /** null: not in Redis (rebuild from the stream); `'unknown'`: nobody issued it. */
  token: CachedToken | 'unknown' | null;
  /** null: not in Redis. */
  userDisabled: boolean | null;
}

// KEYS: token, user. The field list lives in the script, not in ARGV: each argument costs the client
// a conversion and a write on the verify path, the only I/O it has. The answer is one JSON string,
// not a 16-item array: the client decodes one bulk reply and JSON.parse does the rest, a good part
// of the verify path's CPU. Missing fields are false.
const READ_FIELDS = ['r', ...FIELDS];
const READ_TOKEN = `
local t = redis.call('HMGET', KEYS[1], ${READ_FIELDS.map((f) => `'${f}'`).join(', ')})
t[${READ_FIELDS.length + 1}] = redis.call('HGET', KEYS[2], 'x')
return cjson.encode(t)`;

type ReadTokenCommand = (tokenKey: string, userKey: string) => Promise<string>;
const withReadCommand = new WeakSet<Redis>();

/** One round trip: the token's hash and its user's status. */
export async function readToken(redis: Redis, tokenId: string, userId: string): Promise<CacheRead> {
  if (!withReadCommand.has(redis)) {
    redis.defineCommand('insightReadToken', { numberOfKeys: 2, lua: READ_TOKEN });
    withReadCommand.add(redis);
  }
  const reply = await (redis as unknown as { insightReadToken: ReadTokenCommand }).insightReadToken(tokenKey(tokenId), userKey(userId));
  const values = (JSON.parse(reply) as (string | false)[]).map((v) => (v === false ? null : v));
  const disabled = values[READ_FIELDS.length] ?? null;
  return { token: parseToken(values.slice(0, READ_FIELDS.length)), userDisabled: disabled === null ? null : disabled === '1' };
}

function parseToken(values: (string | null)[]): CachedToken | 'unknown' | null {
  const [r, u, un, a, t, d, as, rs, e, f, i, n, k, x, m] = values;
  if (r === null || r === undefined) return null;
  if (r === '-1') return 'unknown';
  if (!u || !a || !as || !rs) return null;
  return {
    userId: u,
    userName: un ? un : null,
    appId: a,
    tenantId: t ? t : null,
    deviceId: d ? d : null,
    accessSecretHash: as,
    refreshSecretHash: rs,
    expiresAt: Number(e),
    failsAt: Number(f),
    issuedAt: Number(i),
    refreshCount: Number(n),
    revoked: k === '1',
    superseded: x === '1',
    exclusive: m === 'exclusive',
  };
}
