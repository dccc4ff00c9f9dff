import type { Knex } from 'knex';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult as EsdbAppendResult,
  type ReadRevision,
} from '@eventstore/db-client';
import { readableBatches } from './eventstoredb-batches';
import { PostgresUniqueClaims, releasesWithoutClaims } from './eventstoredb-claims';
import {
  appendWasDeduplicated,
  compareWithStored,
  fromEsdbCurrentRevision,
  fromEsdbPosition,
  fromEsdbRecorded,
  isAfter,
  isDefiniteRefusal,
  isEsdbUnavailable,
  matchesFilter,
  planFilter,
  toEsdbExpectedRevision,
  toEsdbFilter,
  toEsdbPosition,
  toEventData,
  type EsdbRecordedLike,
} from './eventstoredb-mapping';
import { withinDeadline } from './deadline';
import {
  EventStoreUnavailableError,
  PartialDuplicateError,
  WrongExpectedVersionError,
} from './errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  UniqueClaim,
} from './port';

export interface EventStoreDBEventStoreOptions {
  /** ping() fails when EventStoreDB has not answered within this many ms. Default 2000. */
  pingTimeoutMs?: number;
  /** Events per $all read request while readAll scans for matches. Default 1000. */
  readAllPageSize?: number;
  /** Events re-read from a stream's end to decide whether a failed append was stored after all. Default 256. */
  readBackWindow?: number;
  /** How long reading back an append whose outcome is unknown may take before the caller hears "unavailable". */
  outcomeLookupMs?: number;
  /** A client to use instead of one built from the connection string (tests substitute one here). */
  client?: EventStoreDBClient;
}

/**
 * EventStoreDB adapter on @eventstore/db-client v6 (gRPC). Needs EventStoreDB 22.6 or later
 * (stream reads must carry log positions) and a user allowed to read $all (readAll, subscribeToAll,
 * ping), e.g. `esdb://admin:changeit@host:2113`, or an insecure server.
 *
 * Unique claims live in PostgreSQL (unique_claims, migration 0001): see appendToStream.
 *
 * readAll: the client's readAll (v6) has no server-side filter (it always sends "no filter"), so
 * readAll pages through $all and filters client-side until it has maxCount matches or reaches the
 * end. subscribeToAll does use a server-side filter (planFilter). Both skip system events and apply
 * createdFrom/createdTo client-side. $all is in commit order, which is commit-safe as the port
 * requires: an event never becomes visible behind one already read.
 */
export class EventStoreDBEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly client: EventStoreDBClient;
  private readonly claims: PostgresUniqueClaims;
  private readonly subscriptions = new Set<Subscription>();
  private readonly pingTimeoutMs: number;
  private readonly readAllPageSize: number;
  private readonly readBackWindow: number;
  private readonly outcomeLookupMs: number;

  /**
   * @param connectionString an `esdb://` (or `esdb+discover://`) connection string
   * @param knex the PostgreSQL database holding unique_claims; owned by the caller (not closed by close())
   */
  constructor(connectionString: string, knex: Knex, options: EventStoreDBEventStoreOptions = {}) {
    this.client = options.client ?? EventStoreDBClient.connectionString(connectionString);
    this.claims = new PostgresUniqueClaims(knex);
    this.pingTimeoutMs = options.pingTimeoutMs ?? 2000;
    this.readAllPageSize = Math.max(2, options.readAllPageSize ?? 1000);
    this.readBackWindow = Math.max(1, options.readBackWindow ?? 256);
    this.outcomeLookupMs = options.outcomeLookupMs ?? 5_000;
  }

  /**
   * Appends with unique claims kept in PostgreSQL. Order:
   *
   *   1. Idempotency pre-read (ESDB): read where the batch would go: for an exact revision E (or
   *      no_stream, E = -1) the revisions E+1..E+n; for 'any' / 'stream_exists' the last n events.
   *      All ids there in order: the batch was stored before; return that result with
   *      `idempotent: true` and send nothing (releases are re-applied, see crash windows).
   *      Some ids there: PartialDuplicateError. None: go on.
   *   2. Claim (PostgreSQL, own committed transaction): insert the values for this stream; same
   *      owner again is fine, another owner is UniqueClaimConflictError and nothing is appended.
   *   3. Append (ESDB), event ids as ESDB event ids.
   *   4a. Success: release (PostgreSQL) the values listed in `releases` that this stream owns.
   *   4b. Failure: compensate by deleting the claims step 2 inserted (not values the stream
   *      already owned). When the failure leaves it unknown whether ESDB stored the batch (a
   *      timeout, a dropped connection), the stream is read back first: if the batch is there
   *      the append is completed as a success; if the read fails too, the claims are KEPT and
   *      EventStoreUnavailableError is thrown. A claim too many blocks a value; a claim too few
   *      lets two streams own one value, which nothing repairs.
   *
   * Crash windows (the process dies between steps, or PostgreSQL fails after the ESDB append):
   *   - after 2, before 3 finishes (or 4b): orphan claims. The values stay owned by a stream with
   *     no such events until deleted by hand (claimed_at tells their age; a stream with no events
   *     in ESDB owning a value is the signature). Retrying the same command with the same stream
   *     id goes through (same owner); a retry under a new stream id gets UniqueClaimConflictError.
   *   - after 3, before 4a: released values stay owned by this stream. Re-sending the same events
   *     heals it: the idempotent path of step 1 re-applies the releases. If the release itself
   *     fails, the error is thrown so the caller retries and takes that path.
   *
   * Idempotency, exactly: ESDB stores a re-sent batch once (for an exact expected revision it
   * compares ids at the expected slots; for 'any' it consults a best-effort cache of recent ids)
   * and answers success with the ORIGINAL revision, and on current servers the original
   * position, so its answer alone cannot tell a retry from a first write. Hence step 1. When step 1
   * misses a retry (a concurrent identical append won the race, or for 'any' other events were
   * appended after the batch), ESDB still deduplicates; the result then says `idempotent: true`
   * if ESDB answered without a position (older servers do so for deduplicated writes) or, for
   * 'any'/'stream_exists', if the returned revision is below head-before + n (a real write cannot
   * end there). Otherwise it says `idempotent: false` although nothing new was written.
   * Partial duplicates are detected by step 1 within the window it reads; ESDB itself answers a
   * partly stored batch with WrongExpectedVersion, which for 'any' (and for 'stream_exists' on an
   * existing stream) cannot be a real version conflict and is mapped to PartialDuplicateError.
   * Unlike PostgreSQL, ESDB event ids are unique per stream only: the same id in another stream
   * is stored again rather than reported.
   */
  async appendToStream(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) throw new TypeError('appendToStream needs at least one event');
    const expected: ExpectedRevision = options.expectedRevision ?? 'any';
    const esdbExpected = toEsdbExpectedRevision(expected);
    const data = events.map(toEventData);
    const ids = data.map((e) => e.id);
    const claims = options.claims ?? [];
    const releases = releasesWithoutClaims(options.releases ?? [], claims);

    // 1. Idempotency pre-read.
    const before = await this.readWhereBatchGoes(streamId, esdbExpected, events.length);
    const verdict = compareWithStored(ids, before.events);
    if (verdict === 'partial') throw new PartialDuplicateError(streamId);
    if (verdict === 'idempotent') {
      await this.release(streamId, releases);
      const last = before.events[before.events.length - 1]!;
      return { nextExpectedRevision: last.revision, position: last.position, idempotent: true };
    }

    // 2. Claim.
    const inserted = await this.claims.claim(streamId, claims);

    // 3. Append.
    let result: EsdbAppendResult;
    try {
      result = await this.client.appendToStream(streamId, data, { expectedRevision: esdbExpected });
    } catch (err) {
      // 4b.
      const stored = await this.afterFailedAppend(streamId, expected, esdbExpected, ids, err, inserted);
      await this.release(streamId, releases);
      return { nextExpectedRevision: stored.revision, position: stored.position, idempotent: false };
    }

    // 4a.
    await this.release(streamId, releases);
    const nextExpectedRevision = Number(result.nextExpectedRevision);
    const deduplicated =
      !result.position ||
      ((esdbExpected === 'any' || esdbExpected === 'stream_exists') &&
        appendWasDeduplicated(before.head, events.length, nextExpectedRevision));
    const position = result.position ? fromEsdbPosition(result.position) : await this.positionOf(streamId, nextExpectedRevision);
    return { nextExpectedRevision, position, idempotent: deduplicated };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    let fromRevision: ReadRevision = backwards ? END : START;
    if (options.fromRevision !== undefined) {
      // Same as PostgreSQL: forwards from a negative revision is from the start, backwards is nothing.
      if (options.fromRevision < 0) {
        if (backwards) return [];
      } else {
        fromRevision = BigInt(options.fromRevision);
      }
    }
    return this.readStreamRaw(streamId, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision,
      ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
    });
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1000;
    if (maxCount <= 0) return [];
    const filter = options.filter;
    const out: RecordedEvent[] = [];
    let cursor: Position | null = options.after ?? null;
    // +1: a read from a position may return the event at that position again; it is skipped.
    const pageSize = Math.min(this.readAllPageSize, maxCount + 1);
    for (;;) {
      let received = 0;
      let fresh = 0;
      const read = this.client.readAll({
        direction: FORWARDS,
        fromPosition: cursor ? toEsdbPosition(cursor) : START,
        maxCount: pageSize,
      });
      try {
        for await (const resolved of read) {
          received++;
          const event = resolved.event;
          if (!event) continue;
          const position = fromEsdbPosition(event.position);
          if (!isAfter(position, cursor)) continue;
          fresh++;
          cursor = position;
          if (!matchesFilter(event, filter)) continue;
          out.push(fromEsdbRecorded(event as EsdbRecordedLike));
          if (out.length >= maxCount) {
            await read.cancel();
            return out;
          }
        }
      } catch (err) {
        throw mapEsdbError(err);
      }
      if (received < pageSize || fresh === 0) return out;
    }
  }

  /**
   * A catch-up subscription to $all from `after` (exclusive) with a server-side filter (see
   * planFilter; the rest of the filter is applied here). Batches hold the events that arrived
   * together, up to batchSize (see readableBatches). A dropped connection or the server ending
   * the subscription fails the iteration with EventStoreUnavailableError; the consumer
   * resubscribes from its last position, as with the PostgreSQL adapter.
   */
  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    const after = options.after ?? null;
    const filter = options.filter;
    const plan = planFilter(filter);
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1000));
    const source = this.client.subscribeToAll(
      { fromPosition: after ? toEsdbPosition(after) : START, filter: toEsdbFilter(plan.server) },
      // The stream buffers up to a batch while the consumer works on the previous one (the default
      // of 16 would cut catch-up batches to ~16 events). Beyond that, gRPC flow control holds the server.
      { highWaterMark: batchSize },
    );
    let unsubscribed: Promise<void> | null = null;
    const unsubscribe = () => (unsubscribed ??= source.unsubscribe().catch(() => undefined));
    const batches = readableBatches<AllStreamResolvedEvent, RecordedEvent>(source, {
      batchSize,
      map: (resolved) => {
        const event = resolved.event;
        if (!event || !isAfter(fromEsdbPosition(event.position), after) || !matchesFilter(event, filter)) return null;
        return fromEsdbRecorded(event as EsdbRecordedLike);
      },
      mapError: mapEsdbError,
      endedError: () => new EventStoreUnavailableError('EventStoreDB ended the subscription to $all'),
      onFinish: async () => {
        this.subscriptions.delete(subscription);
        await unsubscribe();
      },
    });
    const subscription: Subscription = {
      [Symbol.asyncIterator]: () => batches.iterator,
      close: async () => {
        this.subscriptions.delete(subscription);
        batches.stop();
        await unsubscribe();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async claimOwner(claim: UniqueClaim): Promise<string | null> {
    return this.claims.owner(claim);
  }

  async claimOwners(claims: readonly UniqueClaim[]): Promise<Array<string | null>> {
    return this.claims.owners(claims);
  }

  /** Reads the last event of $all (one event, whatever the log size) within pingTimeoutMs. */
  async ping(): Promise<void> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    const drained = (async () => {
      for await (const _ of read) void _;
    })();
    // The client ignores `deadline` on reads (it sets none for streaming calls), hence our own timer.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new EventStoreUnavailableError(`EventStoreDB did not answer a ping within ${this.pingTimeoutMs} ms`)),
        this.pingTimeoutMs,
      );
    });
    try {
      await Promise.race([drained, timeout]);
    } catch (err) {
      drained.catch(() => undefined);
      await read.cancel().catch(() => undefined);
      throw mapEsdbError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  /** Events stored where a batch of `count` would go (ascending), and the stream's last revision (-1: none). */
  private async readWhereBatchGoes(
    streamId: string,
    expected: AppendExpectedRevision,
    count: number,
  ): Promise<{ events: RecordedEvent[]; head: number }> {
    if (expected === 'any' || expected === 'stream_exists') {
      const tail = (await this.readStreamRaw(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: count })).reverse();
      return { events: tail, head: tail.length ? tail[tail.length - 1]!.revision : -1 };
    }
    const from = expected === NO_STREAM ? 0n : expected + 1n;
    // `head` only matters for 'any' / 'stream_exists'.
    return { events: await this.readStreamRaw(streamId, { direction: FORWARDS, fromRevision: from, maxCount: count }), head: -1 };
  }

  /**
   * Step 4b of appendToStream. Throws the mapped error after compensating, or, when a read-back
   * shows ESDB stored the batch after all, returns its last event so the append completes.
   */
  private async afterFailedAppend(
    streamId: string,
    expected: ExpectedRevision,
    esdbExpected: AppendExpectedRevision,
    ids: string[],
    err: unknown,
    inserted: UniqueClaim[],
  ): Promise<RecordedEvent> {
    if (!isDefiniteRefusal(err)) {
      // Outcome unknown: the request may have been applied before the answer was lost.
      let stored: RecordedEvent | null;
      try {
        stored = await withinDeadline(this.outcomeLookupMs, `EventStoreDB read-back of ${streamId}`, () => this.findStoredBatch(streamId, esdbExpected, ids));
      } catch {
        throw new EventStoreUnavailableError(
          `EventStoreDB append to ${streamId} failed and its outcome is unknown; unique claims were kept`,
          { cause: err },
        );
      }
      if (stored) return stored;
      await this.compensate(streamId, inserted);
      // Not stored: the caller may send it again. Whatever the failure was, it is not a bug of ours.
      throw new EventStoreUnavailableError(`EventStoreDB append to ${streamId} failed and was not stored`, { cause: err });
    }
    // ESDB answered and refused: nothing was written.
    await this.compensate(streamId, inserted);
    if (err instanceof EsdbWrongExpectedVersionError) {
      const actual = fromEsdbCurrentRevision(err.actualVersion);
      // For 'any', and for 'stream_exists' on an existing stream, the only version failure ESDB
      // reports is "part of this batch was stored before" (corrupted idempotency).
      if (expected === 'any' || (expected === 'stream_exists' && actual >= 0)) throw new PartialDuplicateError(streamId);
      throw new WrongExpectedVersionError(streamId, expected, actual);
    }
    throw mapEsdbError(err);
  }

  /** The last event of the batch if all its ids are stored where the batch was meant to go (or, for 'any', near the end). */
  private async findStoredBatch(streamId: string, expected: AppendExpectedRevision, ids: string[]): Promise<RecordedEvent | null> {
    let events: RecordedEvent[];
    if (expected === 'any' || expected === 'stream_exists') {
      const window = Math.max(ids.length, this.readBackWindow);
      events = (await this.readStreamRaw(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: window })).reverse();
      const start = events.findIndex((e) => e.eventId === ids[0]);
      events = start < 0 ? [] : events.slice(start, start + ids.length);
    } else {
      events = (await this.readWhereBatchGoes(streamId, expected, ids.length)).events;
    }
    return compareWithStored(ids, events) === 'idempotent' ? events[events.length - 1]! : null;
  }

  /** Deletes the claims a failed append inserted. Best effort: if PostgreSQL fails here the claims stay (an orphan, see appendToStream). */
  private async compensate(streamId: string, inserted: UniqueClaim[]): Promise<void> {
    if (inserted.length === 0) return;
    await this.claims.release(streamId, inserted).catch(() => undefined);
  }

  private async release(streamId: string, releases: UniqueClaim[]): Promise<void> {
    if (releases.length === 0) return;
    try {
      await this.claims.release(streamId, releases);
    } catch (err) {
      throw new EventStoreUnavailableError(
        `events for ${streamId} were stored but releasing its unique claims failed; re-send the same events to finish`,
        { cause: err },
      );
    }
  }

  /** Position of the event at `revision` (for an append answered without one). */
  private async positionOf(streamId: string, revision: number): Promise<Position> {
    const [event] = await this.readStreamRaw(streamId, { direction: FORWARDS, fromRevision: BigInt(revision), maxCount: 1 });
    if (!event) throw new Error(`EventStoreDB reported revision ${revision} of ${streamId} but it cannot be read`);
    return event.position;
  }

  private async readStreamRaw(
    streamId: string,
    options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: ReadRevision; maxCount?: number },
  ): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, options)) {
        if (resolved.event) out.push(fromEsdbRecorded(resolved.event as EsdbRecordedLike));
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw mapEsdbError(err);
    }
    return out;
  }
}

/** Connection failures become EventStoreUnavailableError; everything else passes through. */
export function mapEsdbError(err: unknown): unknown {
  if (err instanceof EventStoreUnavailableError || !isEsdbUnavailable(err)) return err;
  const message = (err as Error).message.split('\n')[0]!.slice(0, 200);
  return new EventStoreUnavailableError(`EventStoreDB unavailable: ${message}`, { cause: err });
}
