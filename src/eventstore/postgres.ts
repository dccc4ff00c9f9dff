import type { Knex } from 'knex';
import pg from 'pg';
import { EventEmitter } from 'node:events';
import {
  EventStoreUnavailableError,
  PartialDuplicateError,
  UniqueClaimConflictError,
  WrongExpectedVersionError,
} from './errors';
import type {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventStore,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  UniqueClaim,
} from './port';

const NOTIFY_CHANNEL = 'authledger_events';
const DEFAULT_POLL_MS = 250;

interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  created_at: Date;
}

const COLUMNS = 'global_position, transaction_id, stream_id, stream_revision, event_id, type, data, metadata, created_at';

/**
 * PostgreSQL adapter. Appends are one call to authledger_append (see migration 0001). Tailing
 * uses LISTEN/NOTIFY with polling as the backstop; the NOTIFY is sent after the append commits
 * and coalesced, because a NOTIFY inside the appending transaction takes a database-wide lock at
 * commit and would serialise all concurrent appenders.
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private readonly appended = new EventEmitter();
  private notifyPending = false;
  private listener: pg.Client | null = null;
  private listenerStarting: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Knex,
    private readonly options: { databaseUrl?: string; pollIntervalMs?: number } = {},
  ) {
    this.appended.setMaxListeners(0);
  }

  async appendToStream(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    return this.appendUsing(this.db, streamId, events, options);
  }

  /** Append inside a caller's transaction: the events become visible when it commits. */
  async appendInTransaction(trx: Knex.Transaction, streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const result = await this.appendUsing(trx, streamId, events, options, false);
    trx.executionPromise.then(() => this.signalAppended(), () => undefined);
    return result;
  }

  private async appendUsing(
    runner: Knex | Knex.Transaction,
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
    signal = true,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new TypeError('appendToStream needs at least one event');
    const expected = options.expectedRevision ?? 'any';
    const expectedText = typeof expected === 'number' ? (expected < 0 ? 'no_stream' : String(expected)) : expected;
    const params = [
      streamId,
      expectedText,
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data ?? null)),
      events.map((e) => JSON.stringify(e.metadata)),
      JSON.stringify(options.claims ?? []),
      JSON.stringify(options.releases ?? []),
    ];
    const sql =
      'select next_revision, last_position, last_transaction, idempotent from authledger_append(?, ?, ?::uuid[], ?::text[], ?::jsonb[], ?::jsonb[], ?::jsonb, ?::jsonb)';
    let attempt = 0;
    for (;;) {
      try {
        const res = await runner.raw(sql, params);
        const row = res.rows[0] as { next_revision: string; last_position: string; last_transaction: string; idempotent: boolean };
        if (signal && !row.idempotent) this.signalAppended();
        return {
          nextExpectedRevision: Number(row.next_revision),
          position: { commit: BigInt(row.last_transaction), prepare: BigInt(row.last_position) },
          idempotent: row.idempotent,
        };
      } catch (err) {
        const e = err as { code?: string; detail?: string; constraint?: string };
        if (e.code === 'AL409') throw new WrongExpectedVersionError(streamId, expected, Number(e.detail ?? -1));
        if (e.code === 'AL422') throw new PartialDuplicateError(streamId);
        if (e.code === 'AL423') {
          const claim = safeJson(e.detail) as UniqueClaim | null;
          throw new UniqueClaimConflictError(claim ?? { scope: 'unknown', value: '' });
        }
        // The same events sent twice at once: the loser re-runs and takes the idempotent path.
        if (e.code === '23505' && e.constraint === 'events_event_id_unique' && attempt === 0 && runner === this.db) {
          attempt++;
          continue;
        }
        throw mapConnectionError(err);
      }
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const q = this.db('events').select(this.db.raw(COLUMNS)).where('stream_id', streamId);
    if (options.fromRevision !== undefined) q.andWhere('stream_revision', backwards ? '<=' : '>=', options.fromRevision);
    q.orderBy('stream_revision', backwards ? 'desc' : 'asc');
    if (options.maxCount !== undefined) q.limit(options.maxCount);
    try {
      return ((await q) as EventRow[]).map(toRecorded);
    } catch (err) {
      throw mapConnectionError(err);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? { commit: 0n, prepare: 0n };
    const maxCount = options.maxCount ?? 1000;
    const bindings: unknown[] = [after.commit.toString(), after.prepare.toString()];
    let where = '(transaction_id, global_position) > (?::xid8, ?::bigint) and transaction_id < (select authledger_read_horizon())';
    where += filterSql(options.filter, bindings);
    bindings.push(maxCount);
    try {
      const res = await this.db.raw(
        `select ${COLUMNS} from events where ${where} order by transaction_id, global_position limit ?`,
        bindings as Knex.RawBinding[],
      );
      return (res.rows as EventRow[]).map(toRecorded);
    } catch (err) {
      throw mapConnectionError(err);
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    let position = options.after ?? null;
    const batchSize = options.batchSize ?? 1000;
    let closed = false;
    let wake: (() => void) | null = null;
    const onAppended = () => wake?.();
    this.appended.on('appended', onAppended);
    void this.ensureListener();
    const pollMs = this.options.pollIntervalMs ?? DEFAULT_POLL_MS;
    const store = this;

    const close = async () => {
      closed = true;
      store.appended.off('appended', onAppended);
      wake?.();
    };

    async function* batches(): AsyncGenerator<RecordedEvent[]> {
      try {
        while (!closed && !store.closed) {
          const batch = await store.readAll({ after: position, maxCount: batchSize, filter: options.filter });
          if (batch.length > 0) {
            position = batch[batch.length - 1]!.position;
            yield batch;
            if (batch.length === batchSize) continue;
          }
          if (closed) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, pollMs);
            function done() {
              clearTimeout(timer);
              wake = null;
              resolve();
            }
            wake = done;
          });
        }
      } finally {
        await close();
      }
    }
    const iterator = batches();
    return { [Symbol.asyncIterator]: () => iterator, close };
  }

  async claimOwner(claim: UniqueClaim): Promise<string | null> {
    const row = await this.db('unique_claims').where({ scope: claim.scope, value: claim.value }).first('stream_id');
    return (row?.stream_id as string | undefined) ?? null;
  }

  async ping(): Promise<void> {
    try {
      await this.db.raw('select 1');
    } catch (err) {
      throw mapConnectionError(err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.appended.emit('appended');
    this.appended.removeAllListeners();
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  private signalAppended(): void {
    this.appended.emit('appended');
    if (this.notifyPending || this.closed) return;
    this.notifyPending = true;
    setImmediate(() => {
      this.notifyPending = false;
      if (this.closed) return;
      this.db.raw('select pg_notify(?, ?)', [NOTIFY_CHANNEL, '']).catch(() => undefined);
    });
  }

  /** One LISTEN connection per store, only once somebody subscribes; polling covers any gap. */
  private ensureListener(): Promise<void> {
    if (this.listener || this.listenerStarting || this.closed || !this.options.databaseUrl) return this.listenerStarting ?? Promise.resolve();
    const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: 'authledger-listener' });
    this.listenerStarting = (async () => {
      try {
        await client.connect();
        await client.query(`listen ${NOTIFY_CHANNEL}`);
        if (this.closed) {
          await client.end();
          return;
        }
        client.on('notification', () => this.appended.emit('appended'));
        client.on('error', () => {
          if (this.listener === client) this.listener = null;
          client.end().catch(() => undefined);
        });
        this.listener = client;
      } catch {
        await client.end().catch(() => undefined);
      } finally {
        this.listenerStarting = null;
      }
    })();
    return this.listenerStarting;
  }
}

function filterSql(filter: EventFilter | undefined, bindings: unknown[]): string {
  if (!filter) return '';
  let sql = '';
  if (filter.eventTypes?.length) {
    sql += ' and type = any(?::text[])';
    bindings.push(filter.eventTypes);
  }
  if (filter.streamPrefixes?.length) {
    sql += ' and stream_id like any(?::text[])';
    bindings.push(filter.streamPrefixes.map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  }
  if (filter.createdFrom) {
    sql += ' and created_at >= ?';
    bindings.push(filter.createdFrom);
  }
  if (filter.createdTo) {
    sql += ' and created_at < ?';
    bindings.push(filter.createdTo);
  }
  return sql;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.stream_revision),
    position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) },
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    created: row.created_at,
  };
}

function safeJson(raw: string | undefined): unknown {
  try {
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '08003']);

function mapConnectionError(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (code && CONNECTION_CODES.has(code)) return new EventStoreUnavailableError(`PostgreSQL event store unavailable (${code})`, { cause: err });
  if (err instanceof Error && /Knex: Timeout acquiring a connection/.test(err.message)) {
    return new EventStoreUnavailableError('PostgreSQL event store unavailable (connection pool timeout)', { cause: err });
  }
  return err;
}

export type { Position };
