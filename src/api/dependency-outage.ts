import { EventStoreUnavailableError } from '../eventstore/errors';
import { RedisUnavailableError } from '../redis/connection';

/**
 * Which dependency a failure says is unavailable, if any: the request is then answered 503 with
 * Retry-After and counted as a refusal of that cause, not logged as a bug. Read-model queries and
 * Redis commands fail with their drivers' own errors, recognised here by code and message.
 */
export type OutageCause = 'event store' | 'database' | 'redis';

const PG_CODES = new Set(['57014', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);
// knex puts the statement before the driver's message: "insert into … - Connection terminated unexpectedly".
const PG_MESSAGES = /(^|\s-\s)(Connection terminated|Query read timeout|Knex: Timeout acquiring a connection|Client has encountered a connection error|Connection ended unexpectedly|timeout expired)/;
const REDIS_MESSAGES = /^(Command timed out|Connection is closed\.|Stream isn't writeable|Reached the max retries per request limit)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

export function outageCause(err: unknown): OutageCause | null {
  if (err instanceof EventStoreUnavailableError) return 'event store';
  if (err instanceof RedisUnavailableError) return 'redis';
  if (!(err instanceof Error)) return null;
  if (err.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.test(err.message)) return 'redis';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && PG_CODES.has(code)) return 'database';
  if (PG_MESSAGES.test(err.message)) return 'database';
  // A bare socket error: whoever's it was, the request could not be served and may be retried.
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'database';
  return null;
}
