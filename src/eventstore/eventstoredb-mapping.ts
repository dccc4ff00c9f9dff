import {
  ANY,
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  InvalidTransactionError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  RequiredMetadataPropertyMissingError,
  STREAM_EXISTS,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type AppendExpectedRevision,
  type CurrentRevision,
  type EventData,
  type Filter,
  type JSONType,
  type Position as EsdbPosition,
} from '@eventstore/db-client';
import type { EventFilter, EventMetadata, ExpectedRevision, NewEvent, Position, RecordedEvent } from './port';
import { comparePositions } from './port';

/**
 * Pure translations between the event store port and @eventstore/db-client (v6). Nothing here
 * talks to a server, so all of it is unit-tested (test/eventstore/eventstoredb-mapping.test.ts).
 */

/** Our expected revision as the client's. A negative number means "no stream", as in the PostgreSQL adapter. */
export function toEsdbExpectedRevision(expected: ExpectedRevision = 'any'): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
  }
  if (!Number.isSafeInteger(expected)) throw new TypeError(`expectedRevision must be an integer, got ${String(expected)}`);
  return expected < 0 ? NO_STREAM : BigInt(expected);
}

/** The client's "current revision" of a stream as ours: -1 when the stream does not exist. */
export function fromEsdbCurrentRevision(current: CurrentRevision): number {
  return current === NO_STREAM ? -1 : Number(current);
}

export function fromEsdbPosition(p: EsdbPosition): Position {
  return { commit: p.commit, prepare: p.prepare };
}

export function toEsdbPosition(p: Position): EsdbPosition {
  return { commit: p.commit, prepare: p.prepare };
}

/** True when `p` is strictly after `after` (no bound: always). */
export function isAfter(p: Position, after: Position | null | undefined): boolean {
  return !after || comparePositions(p, after) > 0;
}

/** EventStoreDB's own records: `$`-prefixed event types ($metadata, $>, $statsCollected…) or streams ($settings, $ce-…). */
export function isSystemEvent(type: string, streamId: string): boolean {
  return type.startsWith('$') || streamId.startsWith('$');
}

/**
 * A NewEvent as the client's JSON EventData: our event id is ESDB's event id, so ESDB's
 * idempotency applies. Data and metadata are checked to serialise here, because the client
 * serialises inside a promise executor where a throw (a BigInt, a cycle) is never reported and
 * the append would hang.
 */
export function toEventData(e: NewEvent): EventData {
  if (typeof e.eventId !== 'string' || !UUID.test(e.eventId)) throw new TypeError(`event id must be a UUID, got ${String(e.eventId)}`);
  for (const [what, value] of [['data', e.data ?? null], ['metadata', e.metadata]] as const) {
    try {
      if (JSON.stringify(value) === undefined) throw new TypeError('not JSON');
    } catch (err) {
      throw new TypeError(`event ${e.eventId} (${e.type}): ${what} cannot be serialised as JSON: ${(err as Error).message}`);
    }
  }
  return {
    // Lower case, as ESDB (and PostgreSQL's uuid type) return ids: the idempotency checks compare strings.
    id: e.eventId.toLowerCase(),
    contentType: 'application/json',
    type: e.type,
    // The client JSON.stringifies data; null, numbers and booleans serialise fine although its type says otherwise.
    data: (e.data ?? null) as JSONType,
    metadata: e.metadata as unknown as JSONType,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The fields of a client RecordedEvent this adapter uses (stream reads and $all reads both fit). */
export interface EsdbRecordedLike {
  id: string;
  streamId: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  created: Date;
  position?: EsdbPosition;
}

/**
 * A client RecordedEvent as ours. Stream reads carry positions only from EventStoreDB 22.6 on;
 * without one we cannot honour the port, so that is an error rather than an invented position.
 */
export function fromEsdbRecorded(e: EsdbRecordedLike): RecordedEvent {
  if (!e.position) {
    throw new Error(`EventStoreDB returned event ${e.id} of ${e.streamId} without a log position (server 22.6 or later is required)`);
  }
  return {
    eventId: e.id,
    streamId: e.streamId,
    revision: Number(e.revision),
    position: fromEsdbPosition(e.position),
    type: e.type,
    data: e.data,
    metadata: e.metadata as EventMetadata,
    created: e.created,
  };
}

/** What the server is asked to filter on; the rest is done client-side. */
export type ServerFilterPlan =
  | { on: 'eventType'; prefixes: string[] }
  | { on: 'streamName'; prefixes: string[] }
  /** No criterion from the caller: the server still drops system event types. */
  | { on: 'excludeSystemEvents' };

/**
 * Splits a filter into the one criterion EventStoreDB filters on (a server filter is either on
 * event type or on stream name, never both) and `clientSide`, the criteria the server does not
 * narrow on at all (used by subscribeToAll; readAll cannot filter server-side). Event types win
 * when both are given: a type usually belongs to one stream category, so it is the narrower set.
 * Server filters are prefix filters, so for event types the server returns a superset (type
 * "UserRegistered" also lets "UserRegisteredV2" through); `matchesFilter` re-checks everything,
 * which keeps the client the only authority and the server filter a pure optimisation.
 */
export function planFilter(filter: EventFilter | undefined): { server: ServerFilterPlan; clientSide: Array<keyof EventFilter> } {
  const eventTypes = filter?.eventTypes?.length ? filter.eventTypes : null;
  const streamPrefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : null;
  const clientSide: Array<keyof EventFilter> = [];
  let server: ServerFilterPlan;
  if (eventTypes) {
    server = { on: 'eventType', prefixes: [...eventTypes] };
    if (streamPrefixes) clientSide.push('streamPrefixes');
  } else if (streamPrefixes) {
    server = { on: 'streamName', prefixes: [...streamPrefixes] };
  } else {
    server = { on: 'excludeSystemEvents' };
  }
  if (filter?.createdFrom) clientSide.push('createdFrom');
  if (filter?.createdTo) clientSide.push('createdTo');
  return { server, clientSide };
}

export function toEsdbFilter(plan: ServerFilterPlan): Filter {
  switch (plan.on) {
    case 'eventType':
      return eventTypeFilter({ prefixes: plan.prefixes });
    case 'streamName':
      return streamNameFilter({ prefixes: plan.prefixes });
    case 'excludeSystemEvents':
      return excludeSystemEvents();
  }
}

/** The whole filter, applied client-side, system events always excluded. Same semantics as the PostgreSQL adapter. */
export function matchesFilter(e: { type: string; streamId: string; created: Date }, filter: EventFilter | undefined): boolean {
  if (isSystemEvent(e.type, e.streamId)) return false;
  if (!filter) return true;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(e.type)) return false;
  if (filter.streamPrefixes?.length && !filter.streamPrefixes.some((p) => e.streamId.startsWith(p))) return false;
  if (filter.createdFrom && e.created.getTime() < filter.createdFrom.getTime()) return false;
  if (filter.createdTo && e.created.getTime() >= filter.createdTo.getTime()) return false;
  return true;
}

export type StoredVerdict = 'idempotent' | 'partial' | 'none';

/**
 * Compares the ids of a batch with the events stored where the batch would go (ascending
 * revision order): 'idempotent' when every id is there in the same order, 'partial' when some
 * are, 'none' when none are.
 */
export function compareWithStored(ids: readonly string[], stored: ReadonlyArray<{ eventId: string }>): StoredVerdict {
  if (ids.length > 0 && stored.length === ids.length && stored.every((e, i) => e.eventId === ids[i])) return 'idempotent';
  const storedIds = new Set(stored.map((e) => e.eventId));
  return ids.some((id) => storedIds.has(id)) ? 'partial' : 'none';
}

/**
 * After a successful append with expected revision 'any' or 'stream_exists': `headBefore` is the
 * stream's last revision read just before appending (-1: no stream). A real write of `count`
 * events ends at headBefore + count or later (streams only grow), so an answer below that is
 * EventStoreDB reporting the earlier write of the same ids.
 */
export function appendWasDeduplicated(headBefore: number, count: number, nextExpectedRevision: number): boolean {
  return nextExpectedRevision < headBefore + count;
}

/**
 * Append failures where EventStoreDB answered and refused, so nothing was written. Any other
 * failure (a timeout, a dropped connection, an unrecognised error) leaves the outcome unknown.
 */
export function isDefiniteRefusal(err: unknown): boolean {
  return (
    err instanceof WrongExpectedVersionError ||
    err instanceof StreamDeletedError ||
    err instanceof AccessDeniedError ||
    err instanceof MaxAppendSizeExceededError ||
    err instanceof InvalidArgumentError ||
    err instanceof RequiredMetadataPropertyMissingError ||
    err instanceof InvalidTransactionError ||
    err instanceof NotLeaderError
  );
}

/**
 * Failures meaning "EventStoreDB could not be reached or did not answer": the client's typed
 * errors, raw gRPC errors the client passes through untyped (e.g. the server-features call made
 * before the first append: `code` 14), socket errors, and cluster discovery giving up.
 */
export function isEsdbUnavailable(err: unknown): boolean {
  if (
    err instanceof UnavailableError ||
    err instanceof DeadlineExceededError ||
    err instanceof TimeoutError ||
    err instanceof NotLeaderError ||
    err instanceof CancelledError
  ) {
    return true;
  }
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  // gRPC status codes: 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE.
  if (code === 4 || code === 14) return true;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return /^Failed to discover after \d+ attempts/.test(err.message);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
