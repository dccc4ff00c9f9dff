import { randomUUID } from 'node:crypto';
import pg from 'pg';
import Redis from 'ioredis';
import { systemMetadata } from '../src/commands/system-metadata';
import { newEventId } from '../src/commands/time-ordered-ids';
import type { Dependencies } from '../src/runtime/dependencies';
import { loadHttp, type HttpFigures } from './http';
import { runClosedLoop } from './measure';


export interface StatusBreakdown {
  healthz: HttpFigures;
  statusWithoutToken: HttpFigures;
}

/**
 * Where `tokens/status` spends the server CPU a bare Koa handler does not: the same app answering
 * `/healthz` (every global middleware and a surface route, no I/O), then `tokens/status` refused
 * for want of a token (the Insight surface, still no I/O); the full answer adds the Redis read.
 */
export async function benchStatusBreakdown(url: string, connections: number, seconds: number): Promise<StatusBreakdown> {
  const healthz = await loadHttp({ url: `${new URL(url).origin}/healthz`, connections, seconds });
  const statusWithoutToken = await loadHttp({ url, connections, seconds, headers: { 'x-device-id': 'bench-status' } });
  return { healthz, statusWithoutToken };
}

export interface SignInWork {
  /** Per full sign-in (code + token), counted over sequential sign-ins after a warm-up. */
  pgStatements: number;
  pgAppends: number;
  redisCommands: number;
  /** Server CPU per operation alone, at 32 in flight, in this process (a stream read that finds nothing new). */
  cpuUs: { redisCommand: number; streamRead: number; append: number };
}

/**
 * What one full sign-in asks of PostgreSQL and Redis, and what each of those costs this process in
 * CPU on its own: the floor that I/O alone puts under a sign-in, beside its measured CPU.
 * `signIn` is one full sign-in (code + token) that throws when it is refused.
 */
export async function countSignInWork(deps: Dependencies, signIn: () => Promise<void>, seconds: number): Promise<SignInWork> {
  for (let i = 0; i < 20; i++) await signIn();
  const counted = await countingIo(async () => {
    for (let i = 0; i < 50; i++) await signIn();
  });

  const metadata = systemMetadata('bench');
  const streamId = `bench-read-${randomUUID()}`;
  await deps.store.appendToStream(streamId, [0, 1].map(() => ({ eventId: newEventId(), type: 'BenchTouched', data: { n: 1 }, metadata })));
  const cpuPer = async (op: () => Promise<unknown>) => {
    const before = process.cpuUsage();
    const figures = await runClosedLoop(32, Math.max(1, seconds / 2), async () => void (await op()), 1);
    const cpu = process.cpuUsage(before);
    return Math.round((cpu.user + cpu.system) / Math.max(1, figures.ops));
  };
  const key = `bench-breakdown-${randomUUID()}`;
  return {
    pgStatements: counted.pg / 50,
    pgAppends: counted.appends / 50,
    redisCommands: counted.redis / 50,
    cpuUs: {
      redisCommand: await cpuPer(() => deps.redis.get(key)),
      // A sign-in's reads start after the revision this process already folded: they find nothing new.
      streamRead: await cpuPer(() => deps.store.readStream(streamId, { fromRevision: 2 })),
      append: await cpuPer(() => deps.store.appendToStream(`bench-append-${newEventId()}`, [{ eventId: newEventId(), type: 'BenchTouched', data: { n: 1 }, metadata }], { expectedRevision: 'no_stream' })),
    },
  };
}

/**
 * Counts the PostgreSQL statements and Redis commands sent while `run` runs. pg's connection-level
 * methods are wrapped (the pool binds each client's `query` when it opens it): a simple query is
 * one `query`, an extended one one `bind`, named `authledger_append…` for appends.
 */
async function countingIo(run: () => Promise<void>): Promise<{ pg: number; appends: number; redis: number }> {
  const counts = { pg: 0, appends: 0, redis: 0 };
  const connection = (pg as unknown as { Connection: { prototype: Record<string, (...args: unknown[]) => unknown> } }).Connection.prototype;
  const redisProto = Redis.prototype as unknown as { sendCommand: (...args: unknown[]) => unknown };
  const { query, bind } = connection;
  const sendCommand = redisProto.sendCommand;
  connection.query = function (this: unknown, ...args: unknown[]) {
    counts.pg++;
    return query!.apply(this, args);
  };
  connection.bind = function (this: unknown, ...args: unknown[]) {
    counts.pg++;
    if (String((args[0] as { statement?: string } | undefined)?.statement ?? '').startsWith('authledger_append')) counts.appends++;
    return bind!.apply(this, args);
  };
  redisProto.sendCommand = function (this: unknown, ...args: unknown[]) {
    counts.redis++;
    return sendCommand.apply(this, args);
  };
  try {
    await run();
  } finally {
    Object.assign(connection, { query, bind });
    redisProto.sendCommand = sendCommand;
  }
  return counts;
}
