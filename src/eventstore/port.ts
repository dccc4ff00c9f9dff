/**
 * The event store port. Two adapters implement it (PostgreSQL, EventStoreDB) and one contract
 * suite (test/eventstore/contract.ts) holds both to the same behaviour.
 */

/** Who did it and why: carried by every event. */
export interface EventMetadata {
  actor: { kind: 'user' | 'admin' | 'system' | 'device' | 'wechat' | 'anonymous'; id?: string | null; name?: string | null };
  correlationId: string;
  causationId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  /** ISO 8601, the moment the command was decided. */
  time: string;
  schemaVersion?: number;
}

export interface NewEvent<Type extends string = string, Data = unknown> {
  /** UUID; re-sending an event with the same id does not store it twice. */
  eventId: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

/**
 * A place in the global log. For PostgreSQL `commit` is the writing transaction id (xid8) and
 * `prepare` the global sequence number; for EventStoreDB they are its commit/prepare positions.
 * Ordered by (commit, prepare).
 */
export interface Position {
  commit: bigint;
  prepare: bigint;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  eventId: string;
  streamId: string;
  /** 0-based revision of the event within its stream. */
  revision: number;
  position: Position;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  created: Date;
}

/** 'no_stream': the stream must not exist. 'stream_exists': it must. 'any': no check. number: the stream's last revision must be exactly this. */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

/** A unique value (an account name, a mobile number, a unionid) owned by a stream. */
export interface UniqueClaim {
  scope: string;
  value: string;
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
  /** Claimed atomically with the append; a value another stream owns fails the append with UniqueClaimConflictError. */
  claims?: UniqueClaim[];
  /** Released atomically with the append (only when this stream owns them). */
  releases?: UniqueClaim[];
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextExpectedRevision: number;
  position: Position;
  /**
   * Each event's position, in the order given, where the adapter knows them (PostgreSQL). A reader
   * waiting for one event type of a multi-event append waits for that event's position, not the last.
   */
  eventPositions?: Position[];
  /** True when every event id was already stored: nothing was written. */
  idempotent: boolean;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive; forwards defaults to 0, backwards to the end. */
  fromRevision?: number;
  maxCount?: number;
}

export interface EventFilter {
  eventTypes?: string[];
  streamPrefixes?: string[];
  /** Inclusive lower bound on the time the event was stored. */
  createdFrom?: Date;
  /** Exclusive upper bound on the time the event was stored. */
  createdTo?: Date;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omitted: from the start. */
  after?: Position | null;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeOptions {
  after?: Position | null;
  filter?: EventFilter;
  /** Largest batch handed to the consumer at once. */
  batchSize?: number;
}

/** Batches of events in global order; the consumer ends it with `close()` or by breaking its loop. */
export interface Subscription extends AsyncIterable<RecordedEvent[]> {
  close(): Promise<void>;
}

export interface EventStore {
  readonly kind: 'postgres' | 'eventstoredb';
  appendToStream(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** A missing stream reads as no events. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * The global log forwards in commit-safe order: an event that becomes visible later never sorts
   * before one already returned, so a reader that checkpoints the last position never skips one.
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up subscription: reads history from `after`, then tails new events. */
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Which stream owns a unique value, if any. */
  claimOwner(claim: UniqueClaim): Promise<string | null>;
  /** The owners of several values, in the order given (null where nobody owns one), in one lookup. */
  claimOwners(claims: readonly UniqueClaim[]): Promise<Array<string | null>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** Positions travel over HTTP as "<commit>-<prepare>". */
export function formatPosition(p: Position): string {
  return `${p.commit}-${p.prepare}`;
}

export function parsePosition(raw: string): Position | null {
  const m = /^(\d{1,20})-(\d{1,20})$/.exec(raw);
  if (!m) return null;
  return { commit: BigInt(m[1]!), prepare: BigInt(m[2]!) };
}
