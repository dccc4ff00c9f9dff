import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  DeadlineExceededError,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
} from '@eventstore/db-client';
import { readableBatches } from '../../src/eventstore/eventstoredb-batches';
import { dedupeClaims, releasesWithoutClaims } from '../../src/eventstore/eventstoredb-claims';
import {
  appendWasDeduplicated,
  compareWithStored,
  fromEsdbCurrentRevision,
  fromEsdbPosition,
  fromEsdbRecorded,
  isAfter,
  isDefiniteRefusal,
  isEsdbUnavailable,
  isSystemEvent,
  matchesFilter,
  planFilter,
  toEsdbExpectedRevision,
  toEsdbFilter,
  toEsdbPosition,
  toEventData,
} from '../../src/eventstore/eventstoredb-mapping';
import { mapEsdbError } from '../../src/eventstore/eventstoredb';
import { EventStoreUnavailableError } from '../../src/eventstore/errors';
import { newEvent } from '../support/events';

describe('EventStoreDB adapter: pure mappings (no server needed)', () => {
  describe('expected revision', () => {
    it('maps the named expectations to the client constants', () => {
      assert.equal(toEsdbExpectedRevision('any'), 'any');
      assert.equal(toEsdbExpectedRevision('no_stream'), 'no_stream');
      assert.equal(toEsdbExpectedRevision('stream_exists'), 'stream_exists');
      assert.equal(toEsdbExpectedRevision(undefined), 'any');
    });

    it('maps a revision number to a bigint, and a negative one to no_stream like the PostgreSQL adapter', () => {
      assert.equal(toEsdbExpectedRevision(0), 0n);
      assert.equal(toEsdbExpectedRevision(41), 41n);
      assert.equal(toEsdbExpectedRevision(-1), 'no_stream');
    });

    it('refuses a revision that is not an integer', () => {
      assert.throws(() => toEsdbExpectedRevision(1.5), TypeError);
      assert.throws(() => toEsdbExpectedRevision(Number.NaN), TypeError);
    });

    it('maps the current revision of a failed append, -1 for a missing stream', () => {
      assert.equal(fromEsdbCurrentRevision('no_stream'), -1);
      assert.equal(fromEsdbCurrentRevision(0n), 0);
      assert.equal(fromEsdbCurrentRevision(12n), 12);
    });
  });

  describe('positions', () => {
    it('copies commit and prepare both ways', () => {
      const esdb = { commit: 18446744073709551000n, prepare: 18446744073709550000n };
      assert.deepEqual(fromEsdbPosition(esdb), esdb);
      assert.deepEqual(toEsdbPosition(fromEsdbPosition(esdb)), esdb);
    });

    it('orders by commit, then prepare, exclusively', () => {
      const p = { commit: 10n, prepare: 5n };
      assert.equal(isAfter(p, null), true);
      assert.equal(isAfter(p, undefined), true);
      assert.equal(isAfter(p, { commit: 10n, prepare: 5n }), false);
      assert.equal(isAfter(p, { commit: 10n, prepare: 4n }), true);
      assert.equal(isAfter(p, { commit: 9n, prepare: 99n }), true);
      assert.equal(isAfter(p, { commit: 11n, prepare: 0n }), false);
    });

    it('maps a recorded event with its position, and refuses one without (servers before 22.6)', () => {
      const created = new Date('2026-01-02T03:04:05.000Z');
      const metadata = { actor: { kind: 'system' }, correlationId: 'c', causationId: null, clientIp: null, userAgent: null, time: created.toISOString() };
      const recorded = fromEsdbRecorded({
        id: 'b3c1f0a2-0000-4000-8000-000000000001',
        streamId: 'user-1',
        revision: 3n,
        type: 'UserRegistered',
        data: { a: 1 },
        metadata,
        created,
        position: { commit: 200n, prepare: 150n },
      });
      assert.deepEqual(recorded, {
        eventId: 'b3c1f0a2-0000-4000-8000-000000000001',
        streamId: 'user-1',
        revision: 3,
        position: { commit: 200n, prepare: 150n },
        type: 'UserRegistered',
        data: { a: 1 },
        metadata,
        created,
      });
      assert.throws(
        () => fromEsdbRecorded({ id: 'x', streamId: 's', revision: 0n, type: 't', data: null, metadata: undefined, created }),
        /without a log position/,
      );
    });
  });

  describe('events written', () => {
    it('sends our event id (lower case) as the ESDB id, JSON data and our metadata', () => {
      const e = newEvent('UserRegistered', { account: 'alice' });
      e.eventId = e.eventId.toUpperCase();
      const data = toEventData(e);
      assert.deepEqual(data, {
        id: e.eventId.toLowerCase(),
        contentType: 'application/json',
        type: 'UserRegistered',
        data: { account: 'alice' },
        metadata: e.metadata,
      });
    });

    it('sends undefined data as JSON null, as the PostgreSQL adapter stores it', () => {
      assert.equal(toEventData(newEvent('Empty', undefined)).data, null);
    });

    it('refuses an id that is not a UUID and data that is not JSON, before anything is sent', () => {
      assert.throws(() => toEventData(newEvent('A', {}, { eventId: 'not-a-uuid' })), /must be a UUID/);
      assert.throws(() => toEventData(newEvent('A', { n: 1n })), /data cannot be serialised as JSON/);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      assert.throws(() => toEventData(newEvent('A', cyclic)), TypeError);
    });
  });

  describe('filters', () => {
    it('uses no caller criterion server-side when there is none, only the system-event exclusion', () => {
      assert.deepEqual(planFilter(undefined), { server: { on: 'excludeSystemEvents' }, clientSide: [] });
      assert.deepEqual(planFilter({ eventTypes: [], streamPrefixes: [] }), { server: { on: 'excludeSystemEvents' }, clientSide: [] });
    });

    it('sends stream prefixes to the server when they are the only criterion', () => {
      assert.deepEqual(planFilter({ streamPrefixes: ['user-', 'app-'] }), { server: { on: 'streamName', prefixes: ['user-', 'app-'] }, clientSide: [] });
    });

    it('sends event types to the server and checks stream prefixes client-side when both are given', () => {
      assert.deepEqual(planFilter({ eventTypes: ['A', 'B'], streamPrefixes: ['user-'] }), {
        server: { on: 'eventType', prefixes: ['A', 'B'] },
        clientSide: ['streamPrefixes'],
      });
    });

    it('always applies the created bounds client-side', () => {
      const plan = planFilter({ streamPrefixes: ['u-'], createdFrom: new Date(0), createdTo: new Date(1) });
      assert.deepEqual(plan.clientSide, ['createdFrom', 'createdTo']);
    });

    it('builds the client filter objects', () => {
      assert.deepEqual(
        { ...toEsdbFilter({ on: 'eventType', prefixes: ['A'] }), checkpointReached: undefined },
        { filterOn: 'eventType', prefixes: ['A'], checkpointInterval: 1, checkpointReached: undefined },
      );
      assert.deepEqual(
        { ...toEsdbFilter({ on: 'streamName', prefixes: ['user-'] }), checkpointReached: undefined },
        { filterOn: 'streamName', prefixes: ['user-'], checkpointInterval: 1, checkpointReached: undefined },
      );
      const system = toEsdbFilter({ on: 'excludeSystemEvents' });
      assert.equal(system.filterOn, 'eventType');
      assert.ok('regex' in system);
      const re = new RegExp(system.regex);
      assert.equal(re.test('UserRegistered'), true);
      assert.equal(re.test('$metadata'), false);
    });

    it('matches like the PostgreSQL adapter: exact types, stream prefixes, created from inclusive to exclusive', () => {
      const at = (iso: string) => new Date(iso);
      const e = { type: 'UserRegistered', streamId: 'user-1', created: at('2026-01-01T00:00:10Z') };
      assert.equal(matchesFilter(e, undefined), true);
      assert.equal(matchesFilter(e, { eventTypes: ['UserRegistered'] }), true);
      assert.equal(matchesFilter({ ...e, type: 'UserRegisteredV2' }, { eventTypes: ['UserRegistered'] }), false);
      assert.equal(matchesFilter(e, { streamPrefixes: ['app-', 'user-'] }), true);
      assert.equal(matchesFilter(e, { streamPrefixes: ['app-'] }), false);
      assert.equal(matchesFilter(e, { eventTypes: ['UserRegistered'], streamPrefixes: ['app-'] }), false);
      assert.equal(matchesFilter(e, { createdFrom: at('2026-01-01T00:00:10Z') }), true);
      assert.equal(matchesFilter(e, { createdFrom: at('2026-01-01T00:00:11Z') }), false);
      assert.equal(matchesFilter(e, { createdTo: at('2026-01-01T00:00:10Z') }), false);
      assert.equal(matchesFilter(e, { createdTo: at('2026-01-01T00:00:11Z') }), true);
    });

    it('never matches system events, whatever the filter', () => {
      assert.equal(isSystemEvent('$metadata', '$$user-1'), true);
      assert.equal(isSystemEvent('$>', '$ce-user'), true);
      assert.equal(isSystemEvent('UserRegistered', '$ce-user'), true);
      assert.equal(isSystemEvent('UserRegistered', 'user-1'), false);
      const created = new Date();
      assert.equal(matchesFilter({ type: '$statsCollected', streamId: '$stats-127.0.0.1:2113', created }, undefined), false);
      assert.equal(matchesFilter({ type: '$>', streamId: '$ce-user', created }, { streamPrefixes: ['$ce-'] }), false);
    });
  });

  describe('idempotency verdicts', () => {
    const stored = (...ids: string[]) => ids.map((eventId) => ({ eventId }));

    it('is idempotent when every id is stored where the batch would go, in order', () => {
      assert.equal(compareWithStored(['a', 'b'], stored('a', 'b')), 'idempotent');
    });

    it('is a partial duplicate when only some ids are stored, or in another order', () => {
      assert.equal(compareWithStored(['a', 'b'], stored('a')), 'partial');
      assert.equal(compareWithStored(['a', 'b'], stored('x', 'b')), 'partial');
      assert.equal(compareWithStored(['a', 'b'], stored('b', 'a')), 'partial');
    });

    it('is new when none of the ids is stored there', () => {
      assert.equal(compareWithStored(['a', 'b'], stored()), 'none');
      assert.equal(compareWithStored(['a', 'b'], stored('x', 'y')), 'none');
      assert.equal(compareWithStored([], stored()), 'none');
    });

    it("tells a deduplicated 'any' append by a revision below head-before + n", () => {
      // Stream at revision 9, batch of 2: a real write ends at 11 or later.
      assert.equal(appendWasDeduplicated(9, 2, 11), false);
      assert.equal(appendWasDeduplicated(9, 2, 14), false);
      assert.equal(appendWasDeduplicated(9, 2, 6), true);
      assert.equal(appendWasDeduplicated(-1, 1, 0), false);
    });
  });

  describe('errors', () => {
    it('treats the client connection errors, raw gRPC UNAVAILABLE / DEADLINE_EXCEEDED, socket errors and failed discovery as unavailable', () => {
      assert.equal(isEsdbUnavailable(new UnavailableError()), true);
      assert.equal(isEsdbUnavailable(new DeadlineExceededError()), true);
      assert.equal(isEsdbUnavailable(Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 })), true);
      assert.equal(isEsdbUnavailable(Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 })), true);
      assert.equal(isEsdbUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), true);
      assert.equal(isEsdbUnavailable(new Error('Failed to discover after 10 attempts.')), true);
    });

    it('does not treat refusals and other errors as unavailable', () => {
      const wev = new EsdbWrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: 1n });
      assert.equal(isEsdbUnavailable(wev), false);
      assert.equal(isEsdbUnavailable(new StreamNotFoundError(undefined, 's')), false);
      assert.equal(isEsdbUnavailable(new Error('boom')), false);
      assert.equal(isEsdbUnavailable('not an error'), false);
    });

    it('knows which append failures mean nothing was written', () => {
      assert.equal(isDefiniteRefusal(new EsdbWrongExpectedVersionError(undefined, { streamName: 's', expected: 'no_stream', current: 0n })), true);
      assert.equal(isDefiniteRefusal(new UnavailableError()), false);
      assert.equal(isDefiniteRefusal(new DeadlineExceededError()), false);
      assert.equal(isDefiniteRefusal(new Error('who knows')), false);
    });

    it('wraps connection failures as EventStoreUnavailableError and passes others through', () => {
      const raw = new UnavailableError(undefined, '14 UNAVAILABLE: No connection established\nmore');
      const mapped = mapEsdbError(raw);
      assert.ok(mapped instanceof EventStoreUnavailableError);
      assert.equal(mapped.message, 'EventStoreDB unavailable: 14 UNAVAILABLE: No connection established');
      assert.equal(mapped.cause, raw);
      const other = new Error('boom');
      assert.equal(mapEsdbError(other), other);
    });
  });

  describe('claims bookkeeping', () => {
    it('drops duplicate claims and releases that the same append claims again', () => {
      assert.deepEqual(dedupeClaims([{ scope: 'a', value: '1' }, { scope: 'a', value: '1' }, { scope: 'a', value: '2' }]), [
        { scope: 'a', value: '1' },
        { scope: 'a', value: '2' },
      ]);
      assert.deepEqual(releasesWithoutClaims([{ scope: 'm', value: '1' }, { scope: 'm', value: '2' }], [{ scope: 'm', value: '2' }]), [{ scope: 'm', value: '1' }]);
    });
  });

  describe('subscription batches', () => {
    const source = () => new PassThrough({ objectMode: true, highWaterMark: 16 });

    it('groups events that arrive together into one batch', async () => {
      const s = source();
      const { iterator, stop } = readableBatches<number, number>(s, { batchSize: 100, map: (n) => n });
      for (const n of [1, 2, 3, 4, 5]) s.write(n);
      assert.deepEqual((await iterator.next()).value, [1, 2, 3, 4, 5]);
      stop();
      assert.equal((await iterator.next()).done, true);
    });

    it('never hands out more than batchSize at once', async () => {
      const s = source();
      const { iterator } = readableBatches<number, number>(s, { batchSize: 2, map: (n) => n });
      for (const n of [1, 2, 3, 4, 5]) s.write(n);
      s.end();
      const seen: number[][] = [];
      for await (const batch of iterator) seen.push(batch);
      assert.deepEqual(seen, [[1, 2], [3, 4], [5]]);
    });

    it('yields promptly when the stream goes quiet, without waiting for a full batch', async () => {
      const s = source();
      const { iterator, stop } = readableBatches<number, number>(s, { batchSize: 1000, map: (n) => n });
      const next = iterator.next();
      setTimeout(() => s.write(7), 20);
      const started = Date.now();
      assert.deepEqual((await next).value, [7]);
      assert.ok(Date.now() - started < 500, 'a lone event is handed out at once');
      setTimeout(() => s.write(8), 20);
      assert.deepEqual((await iterator.next()).value, [8]);
      stop();
    });

    it('drops what map filters out', async () => {
      const s = source();
      const { iterator } = readableBatches<number, string>(s, { batchSize: 10, map: (n) => (n % 2 ? `odd ${n}` : null) });
      for (const n of [1, 2, 3, 4]) s.write(n);
      s.end();
      const all: string[] = [];
      for await (const b of iterator) all.push(...b);
      assert.deepEqual(all, ['odd 1', 'odd 3']);
    });

    it('pulls no more than a batch from the source (the rest stays back-pressured in the stream)', async () => {
      const s = source();
      const { iterator, stop } = readableBatches<number, number>(s, { batchSize: 3, map: (n) => n });
      for (let n = 0; n < 10; n++) s.write(n);
      assert.deepEqual((await iterator.next()).value, [0, 1, 2]);
      assert.equal(s.readableLength, 7);
      stop();
    });

    it('reports a stream error through the mapped error, after the events before it', async () => {
      const s = source();
      let finished = 0;
      const { iterator } = readableBatches<number, number>(s, {
        batchSize: 10,
        map: (n) => n,
        mapError: (err) => new EventStoreUnavailableError('mapped', { cause: err }),
        onFinish: () => {
          finished++;
        },
      });
      s.write(1);
      assert.deepEqual((await iterator.next()).value, [1]);
      const pending = iterator.next();
      s.destroy(new Error('socket closed'));
      await assert.rejects(pending, (err: unknown) => err instanceof EventStoreUnavailableError && (err.cause as Error).message === 'socket closed');
      assert.equal(finished, 1);
    });

    it('keeps an error raised before anyone iterates (no unhandled stream error)', async () => {
      const s = source();
      const { iterator } = readableBatches<number, number>(s, { batchSize: 10, map: (n) => n });
      s.destroy(new Error('early'));
      await new Promise((r) => setImmediate(r));
      await assert.rejects(iterator.next(), /early/);
    });

    it('fails when the source ends by itself if that is an error, and ends quietly otherwise', async () => {
      const s1 = source();
      const b1 = readableBatches<number, number>(s1, { batchSize: 10, map: (n) => n, endedError: () => new Error('ended by server') });
      s1.end();
      await assert.rejects(b1.iterator.next(), /ended by server/);
      const s2 = source();
      const b2 = readableBatches<number, number>(s2, { batchSize: 10, map: (n) => n });
      s2.end();
      assert.equal((await b2.iterator.next()).done, true);
    });

    it('ends a waiting consumer on stop() and runs onFinish once, also when the consumer breaks its loop', async () => {
      const s = source();
      let finished = 0;
      const b = readableBatches<number, number>(s, { batchSize: 10, map: (n) => n, onFinish: () => void finished++ });
      const waiting = b.iterator.next();
      await new Promise((r) => setTimeout(r, 10));
      b.stop();
      assert.equal((await waiting).done, true);
      assert.equal(finished, 1);

      const s2 = source();
      let finished2 = 0;
      const b2 = readableBatches<number, number>(s2, { batchSize: 10, map: (n) => n, onFinish: () => void finished2++ });
      s2.write(1);
      for await (const batch of b2.iterator) {
        assert.deepEqual(batch, [1]);
        break;
      }
      assert.equal(finished2, 1);
    });
  });
});
