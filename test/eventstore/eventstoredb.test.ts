import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import {
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  type AppendExpectedRevision,
  type AppendResult,
  type CurrentRevision,
  type EventData,
  type EventStoreDBClient,
  type Filter,
  type Position as EsdbPosition,
  type ReadPosition,
  type ReadRevision,
} from '@eventstore/db-client';
import { EventStoreDBEventStore } from '../../src/eventstore/eventstoredb';
import { PostgresUniqueClaims } from '../../src/eventstore/eventstoredb-claims';
import {
  EventStoreUnavailableError,
  PartialDuplicateError,
  UniqueClaimConflictError,
  WrongExpectedVersionError,
} from '../../src/eventstore/errors';
import { createEventStore } from '../../src/eventstore/index';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { newEvent } from '../support/events';
import { eventStoreContract, withTimeout } from './contract';

// ---------------------------------------------------------------------------------------------
// 1. The contract against a real EventStoreDB (plus PostgreSQL for unique claims).
// ---------------------------------------------------------------------------------------------

const esdbUrl = process.env.EVENTSTORE_TEST_URL;

if (esdbUrl) {
  eventStoreContract('EventStoreDB', async () => {
    const db = await createTestDatabase('esdb_contract');
    const store = new EventStoreDBEventStore(esdbUrl, db.knex);
    // The server may hold data of other runs: stream names unique to this one.
    const run = randomUUID().slice(0, 8);
    return {
      store,
      stream: (name) => `${name}-${run}`,
      async teardown() {
        await store.close();
        await db.drop();
      },
    };
  });
} else {
  describe('event store contract: EventStoreDB', () => {
    it('runs only when EVENTSTORE_TEST_URL is set (no EventStoreDB server on this machine)');
  });
}

// ---------------------------------------------------------------------------------------------
// 2. The adapter's own logic on an in-memory stand-in for @eventstore/db-client. It models the
//    documented server behaviour the adapter relies on (expected revisions, idempotent re-sends,
//    "corrupted idempotency" answered as WrongExpectedVersion, inclusive $all reads, exclusive
//    catch-up subscriptions with prefix filters). Passing here proves the adapter consistent with
//    that model, not with a real server: that is what part 1 is for.
// ---------------------------------------------------------------------------------------------

interface FakeRecorded {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  created: Date;
  isJson: true;
  position: EsdbPosition;
}

type Hook = (streamName: string) => void | Promise<void>;

function readableOf<T>(items: T[] | Error): Readable & { cancel(): Promise<void> } {
  const source = items instanceof Error
    ? (async function* () {
        throw items;
      })()
    : items;
  return Object.assign(Readable.from(source, { objectMode: true }), { cancel: async () => undefined });
}

class FakeEsdbClient {
  readonly streams = new Map<string, FakeRecorded[]>();
  readonly log: FakeRecorded[] = [];
  private nextPosition = 1_000n;
  private readonly live = new Set<{ out: PassThrough; filter?: Filter }>();
  /** Runs before an append is applied; throw to fail it before anything is written. */
  beforeAppend: Hook | null = null;
  /** Runs after an append was applied; throw to lose the answer of a write that happened. */
  afterAppend: Hook | null = null;
  /** Throw from here to fail reads. */
  beforeRead: (() => void) | null = null;
  appendCalls = 0;

  constructor() {
    // EventStoreDB's own records, which the adapter must never hand out.
    this.write('$settings', [{ id: randomUUID(), type: '$metadata', data: {}, metadata: undefined }]);
    this.write('$stats-127.0.0.1:2113', [{ id: randomUUID(), type: '$statsCollected', data: {}, metadata: undefined }]);
  }

  async appendToStream(streamName: string, events: EventData[], options: { expectedRevision?: AppendExpectedRevision } = {}): Promise<AppendResult> {
    this.appendCalls++;
    await new Promise((r) => setImmediate(r));
    await this.beforeAppend?.(streamName);
    const expected = options.expectedRevision ?? 'any';
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length - 1;
    const currentRevision: CurrentRevision = current < 0 ? 'no_stream' : BigInt(current);
    const wrong = () => new EsdbWrongExpectedVersionError(undefined, { streamName, expected, current: currentRevision });
    const ids = events.map((e) => e.id);
    const alreadyAt = (start: number): AppendResult => {
      const last = stream[start + ids.length - 1]!;
      return { success: true, nextExpectedRevision: last.revision, position: last.position };
    };
    if (expected === 'any' || expected === 'stream_exists') {
      if (expected === 'stream_exists' && current < 0) throw wrong();
      // The server's id cache (modelled as complete): the first id decides.
      const first = stream.findIndex((e) => e.id === ids[0]);
      if (first >= 0) {
        if (ids.every((id, i) => stream[first + i]?.id === id)) return alreadyAt(first);
        throw wrong();
      }
    } else {
      const e = expected === 'no_stream' ? -1 : Number(expected);
      if (e < current && stream[e + 1]?.id === ids[0] && ids.every((id, i) => stream[e + 1 + i]?.id === id)) return alreadyAt(e + 1);
      if (e !== current) throw wrong();
    }
    const written = this.write(streamName, events);
    await this.afterAppend?.(streamName);
    const last = written[written.length - 1]!;
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  readStream(streamName: string, options: { direction?: string; fromRevision?: ReadRevision; maxCount?: number | bigint } = {}) {
    try {
      this.beforeRead?.();
    } catch (err) {
      return readableOf(err as Error);
    }
    const stream = this.streams.get(streamName);
    if (!stream) return readableOf(new StreamNotFoundError(undefined, streamName));
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromRevision ?? (options.direction === 'backwards' ? 'end' : 'start');
    let events: FakeRecorded[];
    if (options.direction === 'backwards') {
      const start = from === 'end' ? stream.length - 1 : from === 'start' ? 0 : Number(from);
      events = stream.slice(Math.max(0, start - max + 1), start + 1).reverse();
    } else {
      const start = from === 'start' ? 0 : from === 'end' ? stream.length : Number(from);
      events = stream.slice(start, start + max);
    }
    return readableOf(events.map((e) => ({ event: { ...e } })));
  }

  readAll(options: { direction?: string; fromPosition?: ReadPosition; maxCount?: number | bigint } = {}) {
    try {
      this.beforeRead?.();
    } catch (err) {
      return readableOf(err as Error);
    }
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromPosition ?? 'start';
    let events: FakeRecorded[];
    if (options.direction === 'backwards') {
      events = (from === 'end' ? this.log : this.log.filter((e) => typeof from === 'object' && e.position.commit <= from.commit)).slice(-max).reverse();
    } else {
      // Inclusive, like a read from a position on the server: the adapter must skip the boundary.
      events = (from === 'start' ? this.log : from === 'end' ? [] : this.log.filter((e) => e.position.commit >= from.commit)).slice(0, max);
    }
    return readableOf(events.map((e) => ({ event: { ...e } })));
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: Filter } = {}) {
    const out = new PassThrough({ objectMode: true });
    const entry = { out, filter: options.filter };
    const from = options.fromPosition ?? 'start';
    const history = from === 'end' ? [] : this.log.filter((e) => from === 'start' || e.position.commit > from.commit);
    setImmediate(() => {
      for (const e of history) if (passes(e, entry.filter)) out.write({ event: { ...e } });
      this.live.add(entry);
    });
    return Object.assign(out, {
      unsubscribe: async () => {
        this.live.delete(entry);
        out.destroy();
      },
    });
  }

  /** The server ends every subscription (as on a node shutdown). */
  endSubscriptions(): void {
    for (const s of this.live) s.out.end();
    this.live.clear();
  }

  async dispose(): Promise<void> {
    for (const s of this.live) s.out.destroy();
    this.live.clear();
  }

  private write(streamName: string, events: Array<Pick<EventData, 'id' | 'type' | 'data' | 'metadata'>>): FakeRecorded[] {
    const stream = this.streams.get(streamName) ?? [];
    this.streams.set(streamName, stream);
    const written = events.map((e) => {
      const position = { commit: this.nextPosition, prepare: this.nextPosition };
      this.nextPosition += 137n;
      const recorded: FakeRecorded = {
        streamId: streamName,
        id: e.id,
        revision: BigInt(stream.length),
        type: e.type,
        data: JSON.parse(JSON.stringify(e.data)),
        metadata: e.metadata === undefined ? undefined : JSON.parse(JSON.stringify(e.metadata)),
        created: new Date(),
        isJson: true,
        position,
      };
      stream.push(recorded);
      this.log.push(recorded);
      return recorded;
    });
    for (const s of this.live) for (const e of written) if (passes(e, s.filter)) s.out.write({ event: { ...e } });
    return written;
  }
}

function passes(e: FakeRecorded, filter: Filter | undefined): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === 'eventType' ? e.type : e.streamId;
  if ('prefixes' in filter) return filter.prefixes.some((p) => subject.startsWith(p));
  return new RegExp(filter.regex).test(subject);
}

function storeOnFake(db: TestDatabase, fake: FakeEsdbClient): EventStoreDBEventStore {
  return new EventStoreDBEventStore('esdb://fake.invalid:2113?tls=false', db.knex, { client: fake as unknown as EventStoreDBClient });
}

eventStoreContract('EventStoreDB adapter on an in-memory stand-in for the client (adapter logic only)', async () => {
  const db = await createTestDatabase('esdb_fake');
  const fake = new FakeEsdbClient();
  const store = storeOnFake(db, fake);
  const run = randomUUID().slice(0, 8);
  return {
    store,
    stream: (name) => `${name}-${run}`,
    async teardown() {
      await store.close();
      await db.drop();
    },
  };
});

describe('EventStoreDB adapter: claims, failures and idempotency (in-memory client stand-in)', () => {
  let db: TestDatabase;
  let fake: FakeEsdbClient;
  let store: EventStoreDBEventStore;
  before(async () => {
    db = await createTestDatabase('esdb_paths');
  });
  after(async () => {
    await db?.drop();
  });
  beforeEach(() => {
    fake = new FakeEsdbClient();
    store = storeOnFake(db, fake);
  });
  afterEach(async () => {
    await store.close();
  });

  const s = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;
  const claim = (value: string) => ({ scope: 'account', value });

  it('claims before appending and deletes only the new claims when ESDB refuses the append', async () => {
    const stream = s('wev');
    const kept = claim(`kept-${randomUUID()}`);
    await store.appendToStream(stream, [newEvent('A', {})], { claims: [kept] });
    const fresh = claim(`fresh-${randomUUID()}`);
    let ownerDuringAppend: string | null = null;
    fake.beforeAppend = async () => {
      ownerDuringAppend = await store.claimOwner(fresh);
    };
    await assert.rejects(
      store.appendToStream(stream, [newEvent('B', {})], { expectedRevision: 5, claims: [kept, fresh] }),
      (err: unknown) => err instanceof WrongExpectedVersionError && err.actual === 0 && err.expected === 5,
    );
    assert.equal(ownerDuringAppend, stream, 'the claim is committed before ESDB is asked');
    assert.equal(await store.claimOwner(fresh), null, 'the claim this append made is compensated');
    assert.equal(await store.claimOwner(kept), stream, 'a value the stream owned before stays');
  });

  it('compensates when ESDB was unreachable and a read-back shows nothing was written', async () => {
    const stream = s('down');
    const c = claim(`down-${randomUUID()}`);
    fake.beforeAppend = () => {
      throw new UnavailableError(undefined, '14 UNAVAILABLE: connection dropped');
    };
    await assert.rejects(store.appendToStream(stream, [newEvent('A', {})], { claims: [c] }), EventStoreUnavailableError);
    assert.equal(await store.claimOwner(c), null);
    assert.deepEqual(await store.readStream(stream), []);
  });

  it('completes the append when the answer was lost but the events were stored', async () => {
    const stream = s('lost-answer');
    const c = claim(`lost-${randomUUID()}`);
    const old = claim(`old-${randomUUID()}`);
    await store.appendToStream(stream, [newEvent('Bound', {})], { claims: [old] });
    fake.afterAppend = () => {
      throw new UnavailableError(undefined, '14 UNAVAILABLE: connection dropped');
    };
    const result = await store.appendToStream(stream, [newEvent('A', {}), newEvent('B', {})], { claims: [c], releases: [old] });
    assert.equal(result.nextExpectedRevision, 2);
    assert.equal(result.idempotent, false);
    assert.deepEqual(result.position, fake.streams.get(stream)![2]!.position);
    assert.equal(await store.claimOwner(c), stream);
    assert.equal(await store.claimOwner(old), null, 'releases are applied too');
  });

  it('keeps the claims when neither the append nor the read-back gets an answer (outcome unknown)', async () => {
    const stream = s('unknown');
    const c = claim(`unknown-${randomUUID()}`);
    fake.beforeAppend = () => {
      fake.beforeRead = () => {
        throw new UnavailableError(undefined, '14 UNAVAILABLE: still down');
      };
      throw new UnavailableError(undefined, '14 UNAVAILABLE: connection dropped');
    };
    await assert.rejects(
      store.appendToStream(stream, [newEvent('A', {})], { claims: [c] }),
      (err: unknown) => err instanceof EventStoreUnavailableError && /outcome is unknown/.test(err.message),
    );
    assert.equal(await store.claimOwner(c), stream);
  });

  it('does not touch claims or ESDB when another stream owns a value', async () => {
    const value = claim(`taken-${randomUUID()}`);
    await store.appendToStream(s('owner'), [newEvent('A', {})], { claims: [value] });
    const calls = fake.appendCalls;
    const other = claim(`other-${randomUUID()}`);
    await assert.rejects(store.appendToStream(s('thief'), [newEvent('A', {})], { claims: [other, value] }), UniqueClaimConflictError);
    assert.equal(fake.appendCalls, calls);
    assert.equal(await store.claimOwner(other), null, 'all or nothing');
  });

  it('answers a re-send from the stream without sending it, and re-applies its releases (heals a crash before the release)', async () => {
    const stream = s('heal');
    const mobile = { scope: 'mobile', value: `m-${randomUUID()}` };
    await store.appendToStream(stream, [newEvent('MobileBound', {})], { claims: [mobile] });
    const unbind = [newEvent('MobileUnbound', {})];
    // The events reached ESDB but the process died before releasing the value.
    await fake.appendToStream(stream, unbind.map((e) => ({ id: e.eventId, contentType: 'application/json', type: e.type, data: {}, metadata: e.metadata as never })), { expectedRevision: 0n });
    assert.equal(await store.claimOwner(mobile), stream);
    const calls = fake.appendCalls;
    const again = await store.appendToStream(stream, unbind, { expectedRevision: 0, releases: [mobile] });
    assert.deepEqual(again, { nextExpectedRevision: 1, position: fake.streams.get(stream)![1]!.position, idempotent: true });
    assert.equal(fake.appendCalls, calls, 'nothing sent to ESDB');
    assert.equal(await store.claimOwner(mobile), null);
  });

  it("reports idempotent when ESDB deduplicates an 'any' re-send the pre-read could not see", async () => {
    const stream = s('late-retry');
    const a = newEvent('A', {});
    await store.appendToStream(stream, [a]);
    await store.appendToStream(stream, [newEvent('X', {})]);
    const again = await store.appendToStream(stream, [a]);
    assert.equal(again.idempotent, true);
    assert.equal(again.nextExpectedRevision, 0);
    assert.equal((await store.readStream(stream)).length, 2);
  });

  it("maps ESDB's answer to a partly stored 'any' batch to PartialDuplicateError and compensates", async () => {
    const stream = s('corrupted');
    const a = newEvent('A', {});
    await store.appendToStream(stream, [a]);
    await store.appendToStream(stream, [newEvent('X', {}), newEvent('Y', {})]);
    const c = claim(`partial-${randomUUID()}`);
    await assert.rejects(store.appendToStream(stream, [a, newEvent('B', {})], { claims: [c] }), PartialDuplicateError);
    assert.equal(await store.claimOwner(c), null);
    assert.equal((await store.readStream(stream)).length, 3);
  });

  it('refuses a batch partly stored at the expected slots before asking ESDB', async () => {
    const stream = s('slots');
    const a = newEvent('A', {});
    await store.appendToStream(stream, [a], { expectedRevision: 'no_stream' });
    const calls = fake.appendCalls;
    await assert.rejects(store.appendToStream(stream, [a, newEvent('B', {})], { expectedRevision: 'no_stream' }), PartialDuplicateError);
    assert.equal(fake.appendCalls, calls);
  });

  it('reads $all past system events and pages until maxCount matches', async () => {
    const prefix = s('paging');
    const paged = new EventStoreDBEventStore('esdb://fake.invalid:2113?tls=false', db.knex, {
      client: fake as unknown as EventStoreDBClient,
      readAllPageSize: 3,
    });
    for (let i = 0; i < 5; i++) {
      await paged.appendToStream(`noise-${prefix}`, [newEvent('Noise', { i }), newEvent('Noise', { i })]);
      await paged.appendToStream(`${prefix}-x`, [newEvent('Wanted', { i })]);
    }
    const all = await paged.readAll({ maxCount: 4, filter: { streamPrefixes: [prefix] } });
    assert.deepEqual(all.map((e) => (e.data as { i: number }).i), [0, 1, 2, 3]);
    const rest = await paged.readAll({ after: all[3]!.position, maxCount: 10, filter: { eventTypes: ['Wanted'] } });
    assert.deepEqual(rest.map((e) => (e.data as { i: number }).i), [4]);
    const everything = await paged.readAll({ maxCount: 1000 });
    assert.ok(everything.length >= 15);
    assert.ok(everything.every((e) => !e.type.startsWith('$') && !e.streamId.startsWith('$')));
  });

  it('applies createdFrom / createdTo client-side', async () => {
    const stream = s('created');
    await store.appendToStream(stream, [newEvent('T', { n: 1 })]);
    const firstCreated = fake.streams.get(stream)![0]!.created;
    await new Promise((r) => setTimeout(r, 5));
    await store.appendToStream(stream, [newEvent('T', { n: 2 })]);
    const secondCreated = fake.streams.get(stream)![1]!.created;
    const from = await store.readAll({ filter: { streamPrefixes: [stream], createdFrom: secondCreated } });
    assert.deepEqual(from.map((e) => (e.data as { n: number }).n), [2]);
    const to = await store.readAll({ filter: { streamPrefixes: [stream], createdTo: secondCreated } });
    assert.deepEqual(to.map((e) => (e.data as { n: number }).n), [1]);
    assert.ok(firstCreated < secondCreated);
  });

  it('subscribes with both filters (one on the server), from a position, in batches', async () => {
    const prefix = s('sub');
    await store.appendToStream(`${prefix}-1`, [newEvent('Old', {})]);
    const mark = (await store.readAll({ filter: { streamPrefixes: [prefix] } }))[0]!.position;
    await store.appendToStream(`${prefix}-1`, [newEvent('Wanted', { i: 0 }), newEvent('Other', {}), newEvent('Wanted', { i: 1 })]);
    await store.appendToStream(`elsewhere-${prefix}`, [newEvent('Wanted', { i: 99 })]);
    const sub = store.subscribeToAll({ after: mark, filter: { eventTypes: ['Wanted'], streamPrefixes: [prefix] }, batchSize: 10 });
    const batches: number[][] = [];
    const done = (async () => {
      for await (const batch of sub) {
        batches.push(batch.map((e) => (e.data as { i: number }).i));
        if (batches.flat().length >= 3) break;
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    await store.appendToStream(`${prefix}-2`, [newEvent('Wanted', { i: 2 })]);
    await withTimeout(done, 2000, 'subscription did not deliver');
    assert.deepEqual(batches, [[0, 1], [2]]);
    await sub.close();
  });

  it('fails a subscription the server ends with EventStoreUnavailableError, and ends subscriptions on close()', async () => {
    const sub = store.subscribeToAll({ filter: { streamPrefixes: ['nothing-'] } });
    const it1 = sub[Symbol.asyncIterator]();
    const pending = it1.next();
    await new Promise((r) => setTimeout(r, 10));
    fake.endSubscriptions();
    await assert.rejects(pending, EventStoreUnavailableError);

    const sub2 = store.subscribeToAll({ filter: { streamPrefixes: ['nothing-'] } });
    const waiting = sub2[Symbol.asyncIterator]().next();
    await new Promise((r) => setTimeout(r, 10));
    await store.close();
    assert.equal((await waiting).done, true);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. The real client against a port nobody listens on: connection failures are mapped.
// ---------------------------------------------------------------------------------------------

describe('EventStoreDB adapter with the real client and no server reachable', () => {
  let db: TestDatabase;
  let store: EventStoreDBEventStore;
  before(async () => {
    db = await createTestDatabase('esdb_down');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    store = new EventStoreDBEventStore(`esdb://127.0.0.1:${port}?tls=false`, db.knex, { pingTimeoutMs: 1500 });
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  it('ping fails with EventStoreUnavailableError', async () => {
    await assert.rejects(store.ping(), EventStoreUnavailableError);
  });

  it('reads fail with EventStoreUnavailableError', async () => {
    await assert.rejects(store.readStream('any-stream'), EventStoreUnavailableError);
    await assert.rejects(store.readAll({ maxCount: 1 }), EventStoreUnavailableError);
  });

  it('an append fails with EventStoreUnavailableError before claiming anything', async () => {
    const value = `down-${randomUUID()}`;
    await assert.rejects(store.appendToStream('user-1', [newEvent('A', {})], { claims: [{ scope: 'account', value }] }), EventStoreUnavailableError);
    assert.equal(await store.claimOwner({ scope: 'account', value }), null);
  });

  it('a subscription fails with EventStoreUnavailableError', async () => {
    const sub = store.subscribeToAll();
    await assert.rejects(sub[Symbol.asyncIterator]().next(), EventStoreUnavailableError);
    await sub.close();
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Unique claims in PostgreSQL, and the factory.
// ---------------------------------------------------------------------------------------------

describe('EventStoreDB adapter: unique claims in PostgreSQL', () => {
  let db: TestDatabase;
  let claims: PostgresUniqueClaims;
  before(async () => {
    db = await createTestDatabase('esdb_claims');
    claims = new PostgresUniqueClaims(db.knex);
  });
  after(async () => {
    await db?.drop();
  });

  it('reports which claims it inserted; the same owner claiming again inserts nothing and is fine', async () => {
    const a = { scope: 'account', value: `a-${randomUUID()}` };
    const b = { scope: 'mobile', value: `b-${randomUUID()}` };
    assert.deepEqual(new Set((await claims.claim('s1', [a, b])).map((c) => c.value)), new Set([a.value, b.value]));
    assert.deepEqual(await claims.claim('s1', [a]), []);
    assert.equal(await claims.owner(a), 's1');
  });

  it('is all or nothing and names only the scope of a value another stream owns', async () => {
    const taken = { scope: 'mobile', value: `13800000000-${randomUUID()}` };
    const free = { scope: 'account', value: `free-${randomUUID()}` };
    await claims.claim('s1', [taken]);
    await assert.rejects(claims.claim('s2', [free, taken]), (err: unknown) => err instanceof UniqueClaimConflictError && err.claim.scope === 'mobile' && !err.message.includes(taken.value));
    assert.equal(await claims.owner(free), null);
  });

  it('releases only values the stream owns', async () => {
    const v = { scope: 'account', value: `r-${randomUUID()}` };
    await claims.claim('owner', [v]);
    await claims.release('someone-else', [v]);
    assert.equal(await claims.owner(v), 'owner');
    await claims.release('owner', [v]);
    assert.equal(await claims.owner(v), null);
  });

  it('gives a pair of values to one of many claimers racing in opposite orders (no deadlock)', async () => {
    const x = { scope: 'account', value: `x-${randomUUID()}` };
    const y = { scope: 'account', value: `y-${randomUUID()}` };
    const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => claims.claim(`racer-${i}`, i % 2 ? [x, y] : [y, x])));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof UniqueClaimConflictError, String(r.reason));
    assert.equal(await claims.owner(x), await claims.owner(y));
  });
});

describe('createEventStore', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('esdb_factory');
  });
  after(async () => {
    await db?.drop();
  });

  it('chooses PostgreSQL by default and EventStoreDB when eventstoreUrl is set', async () => {
    const pgStore = createEventStore({ config: { databaseUrl: db.url, eventstoreUrl: null }, knex: db.knex });
    assert.ok(pgStore instanceof PostgresEventStore);
    assert.equal(pgStore.kind, 'postgres');
    await pgStore.close();
    const esdbStore = createEventStore({ config: { databaseUrl: db.url, eventstoreUrl: 'esdb://127.0.0.1:2113?tls=false' }, knex: db.knex });
    assert.ok(esdbStore instanceof EventStoreDBEventStore);
    assert.equal(esdbStore.kind, 'eventstoredb');
    await esdbStore.close();
  });
});
