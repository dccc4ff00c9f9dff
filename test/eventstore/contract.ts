import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  PartialDuplicateError,
  UniqueClaimConflictError,
  WrongExpectedVersionError,
} from '../../src/eventstore/errors';
import { comparePositions, type EventStore, type RecordedEvent } from '../../src/eventstore/port';
import { newEvent } from '../support/events';

export interface ContractFixture {
  store: EventStore;
  /** Stream ids unique to this run, so the suite can share a server with other data. */
  stream(name: string): string;
  teardown(): Promise<void>;
}

/**
 * The behaviour every event store adapter must have. Run against PostgreSQL always, and against
 * EventStoreDB when EVENTSTORE_TEST_URL is set.
 */
export function eventStoreContract(adapterName: string, setup: () => Promise<ContractFixture>): void {
  describe(`event store contract: ${adapterName}`, function () {
    let f: ContractFixture;
    before(async () => {
      f = await setup();
    });
    after(async () => {
      await f?.teardown();
    });

    describe('append with an expected revision', () => {
      it('numbers the first event of a new stream 0 and the next ones in order', async () => {
        const s = f.stream('numbering');
        const first = await f.store.appendToStream(s, [newEvent('A', { n: 1 })], { expectedRevision: 'no_stream' });
        assert.equal(first.nextExpectedRevision, 0);
        const second = await f.store.appendToStream(s, [newEvent('B', { n: 2 }), newEvent('C', { n: 3 })], { expectedRevision: 0 });
        assert.equal(second.nextExpectedRevision, 2);
        const read = await f.store.readStream(s);
        assert.deepEqual(read.map((e) => [e.revision, e.type]), [[0, 'A'], [1, 'B'], [2, 'C']]);
      });

      it('refuses no_stream when the stream exists, with the actual revision', async () => {
        const s = f.stream('no-stream');
        await f.store.appendToStream(s, [newEvent('A', {})]);
        await assert.rejects(
          f.store.appendToStream(s, [newEvent('B', {})], { expectedRevision: 'no_stream' }),
          (err: unknown) => err instanceof WrongExpectedVersionError && err.actual === 0 && err.streamId === s,
        );
        assert.equal((await f.store.readStream(s)).length, 1);
      });

      it('refuses stream_exists on a missing stream and accepts it on an existing one', async () => {
        const s = f.stream('exists');
        await assert.rejects(
          f.store.appendToStream(s, [newEvent('A', {})], { expectedRevision: 'stream_exists' }),
          (err: unknown) => err instanceof WrongExpectedVersionError && err.actual === -1,
        );
        await f.store.appendToStream(s, [newEvent('A', {})], { expectedRevision: 'no_stream' });
        const r = await f.store.appendToStream(s, [newEvent('B', {})], { expectedRevision: 'stream_exists' });
        assert.equal(r.nextExpectedRevision, 1);
      });

      it('refuses a stale exact revision and writes nothing', async () => {
        const s = f.stream('stale');
        await f.store.appendToStream(s, [newEvent('A', {}), newEvent('B', {})]);
        await assert.rejects(
          f.store.appendToStream(s, [newEvent('C', {})], { expectedRevision: 0 }),
          (err: unknown) => err instanceof WrongExpectedVersionError && err.actual === 1 && err.expected === 0,
        );
        assert.deepEqual((await f.store.readStream(s)).map((e) => e.type), ['A', 'B']);
      });

      it('appends without a check when any revision is expected', async () => {
        const s = f.stream('any');
        await f.store.appendToStream(s, [newEvent('A', {})], { expectedRevision: 'any' });
        const r = await f.store.appendToStream(s, [newEvent('B', {})], { expectedRevision: 'any' });
        assert.equal(r.nextExpectedRevision, 1);
      });

      it('lets exactly one of 32 parallel appenders win each revision; the others get the conflict error', async () => {
        const s = f.stream('race');
        await f.store.appendToStream(s, [newEvent('Seed', {})], { expectedRevision: 'no_stream' });
        for (let round = 0; round < 3; round++) {
          const expected = round;
          const results = await Promise.allSettled(
            Array.from({ length: 32 }, (_, i) =>
              f.store.appendToStream(s, [newEvent('Raced', { round, i })], { expectedRevision: expected }),
            ),
          );
          const won = results.filter((r) => r.status === 'fulfilled');
          const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
          assert.equal(won.length, 1, `round ${round}: exactly one winner`);
          assert.equal(lost.length, 31);
          for (const l of lost) assert.ok(l.reason instanceof WrongExpectedVersionError, String(l.reason));
        }
        const events = await f.store.readStream(s);
        assert.deepEqual(events.map((e) => e.revision), [0, 1, 2, 3]);
      });
    });

    describe('idempotent append', () => {
      it('stores events re-sent with the same ids once and reports the original result', async () => {
        const s = f.stream('idem');
        const batch = [newEvent('A', { x: 1 }), newEvent('B', { x: 2 })];
        const first = await f.store.appendToStream(s, batch, { expectedRevision: 'no_stream' });
        const again = await f.store.appendToStream(s, batch, { expectedRevision: 'no_stream' });
        assert.equal(again.idempotent, true);
        assert.equal(again.nextExpectedRevision, first.nextExpectedRevision);
        assert.equal((await f.store.readStream(s)).length, 2);
      });

      it('refuses a batch where only some ids were stored before', async () => {
        const s = f.stream('partial');
        const a = newEvent('A', {});
        await f.store.appendToStream(s, [a]);
        await assert.rejects(f.store.appendToStream(s, [a, newEvent('B', {})]), PartialDuplicateError);
        assert.equal((await f.store.readStream(s)).length, 1);
      });
    });

    describe('reading a stream', () => {
      let s: string;
      before(async () => {
        s = f.stream('read');
        await f.store.appendToStream(s, Array.from({ length: 10 }, (_, i) => newEvent('N', { i })));
      });

      it('reads forwards from a revision with a limit', async () => {
        const events = await f.store.readStream(s, { fromRevision: 3, maxCount: 4 });
        assert.deepEqual(events.map((e) => (e.data as { i: number }).i), [3, 4, 5, 6]);
      });

      it('reads backwards from the end and from a revision', async () => {
        const last = await f.store.readStream(s, { direction: 'backwards', maxCount: 2 });
        assert.deepEqual(last.map((e) => e.revision), [9, 8]);
        const from = await f.store.readStream(s, { direction: 'backwards', fromRevision: 4, maxCount: 3 });
        assert.deepEqual(from.map((e) => e.revision), [4, 3, 2]);
      });

      it('reads a missing stream as no events', async () => {
        assert.deepEqual(await f.store.readStream(f.stream('missing')), []);
      });

      it('keeps data and every metadata field', async () => {
        const s2 = f.stream('meta');
        const e = newEvent('WithMeta', { nested: { a: [1, 2] }, text: '中文' });
        e.metadata = {
          actor: { kind: 'admin', id: 'u1', name: 'Root' },
          correlationId: randomUUID(),
          causationId: randomUUID(),
          clientIp: '10.1.2.3',
          userAgent: 'curl/8',
          time: '2026-01-02T03:04:05.000Z',
        };
        await f.store.appendToStream(s2, [e]);
        const [read] = await f.store.readStream(s2);
        assert.ok(read);
        assert.equal(read.eventId, e.eventId);
        assert.deepEqual(read.data, e.data);
        assert.deepEqual(read.metadata, e.metadata);
        assert.ok(read.created instanceof Date);
      });
    });

    describe('the global log', () => {
      it('reads every appended event in order, from a checkpoint, with type and stream-prefix filters', async () => {
        const prefix = f.stream('global');
        const mark = await f.store.readAll({ maxCount: 1_000_000 });
        const start = mark.length ? mark[mark.length - 1]!.position : null;
        await f.store.appendToStream(`${prefix}-a`, [newEvent('GlobalX', { i: 0 }), newEvent('GlobalY', { i: 1 })]);
        await f.store.appendToStream(`${prefix}-b`, [newEvent('GlobalX', { i: 2 })]);
        await f.store.appendToStream(`other-${prefix}`, [newEvent('GlobalX', { i: 3 })]);

        const all = await f.store.readAll({ after: start, maxCount: 1000, filter: { streamPrefixes: [prefix] } });
        assert.deepEqual(all.map((e) => (e.data as { i: number }).i), [0, 1, 2]);
        for (let i = 1; i < all.length; i++) assert.equal(comparePositions(all[i - 1]!.position, all[i]!.position), -1);

        const typed = await f.store.readAll({ after: start, filter: { eventTypes: ['GlobalY'], streamPrefixes: [prefix] } });
        assert.deepEqual(typed.map((e) => e.type), ['GlobalY']);

        const paged = await f.store.readAll({ after: all[0]!.position, maxCount: 1, filter: { streamPrefixes: [prefix] } });
        assert.deepEqual(paged.map((e) => (e.data as { i: number }).i), [1]);
      });

      it('tails new events through a catch-up subscription with a filter', async () => {
        const prefix = f.stream('tail');
        await f.store.appendToStream(`${prefix}-1`, [newEvent('Tail', { i: 0 })]);
        const sub = f.store.subscribeToAll({ filter: { streamPrefixes: [prefix] } });
        const seen: RecordedEvent[] = [];
        const done = (async () => {
          for await (const batch of sub) {
            seen.push(...batch);
            if (seen.length >= 3) break;
          }
        })();
        await new Promise((r) => setTimeout(r, 100));
        await f.store.appendToStream(`${prefix}-2`, [newEvent('Tail', { i: 1 })]);
        await f.store.appendToStream(`${prefix}-1`, [newEvent('Tail', { i: 2 })]);
        await withTimeout(done, 10_000, 'subscription did not deliver the tailed events');
        await sub.close();
        assert.deepEqual(seen.map((e) => (e.data as { i: number }).i), [0, 1, 2]);
      });
    });

    describe('unique claims written with the append', () => {
      it('lets one stream own a value; another stream claiming it fails and appends nothing', async () => {
        const value = `acct-${randomUUID()}`;
        const a = f.stream('claim-a');
        const b = f.stream('claim-b');
        await f.store.appendToStream(a, [newEvent('Registered', {})], { expectedRevision: 'no_stream', claims: [{ scope: 'account', value }] });
        await assert.rejects(
          f.store.appendToStream(b, [newEvent('Registered', {})], { expectedRevision: 'no_stream', claims: [{ scope: 'account', value }] }),
          (err: unknown) => err instanceof UniqueClaimConflictError && err.claim.scope === 'account' && !err.message.includes(value),
        );
        assert.deepEqual(await f.store.readStream(b), []);
        assert.equal(await f.store.claimOwner({ scope: 'account', value }), a);
      });

      it('answers the owners of several values in the order asked, null where nobody owns one', async () => {
        const account = `acct-${randomUUID()}`;
        const mobile = `mobile-${randomUUID()}`;
        const a = f.stream('owners-a');
        const b = f.stream('owners-b');
        await f.store.appendToStream(a, [newEvent('Registered', {})], { claims: [{ scope: 'account', value: account }] });
        await f.store.appendToStream(b, [newEvent('Registered', {})], { claims: [{ scope: 'mobile', value: mobile }] });
        assert.deepEqual(
          await f.store.claimOwners([
            { scope: 'mobile', value: mobile },
            { scope: 'mobile', value: account },
            { scope: 'account', value: account },
          ]),
          [b, null, a],
        );
        assert.deepEqual(await f.store.claimOwners([]), []);
      });

      it('frees a released value for another stream', async () => {
        const value = `mobile-${randomUUID()}`;
        const a = f.stream('release-a');
        const b = f.stream('release-b');
        await f.store.appendToStream(a, [newEvent('MobileBound', {})], { claims: [{ scope: 'mobile', value }] });
        await f.store.appendToStream(a, [newEvent('MobileUnbound', {})], { releases: [{ scope: 'mobile', value }] });
        await f.store.appendToStream(b, [newEvent('MobileBound', {})], { claims: [{ scope: 'mobile', value }] });
        assert.equal(await f.store.claimOwner({ scope: 'mobile', value }), b);
      });

      it('gives a value to exactly one of 20 streams claiming it at once', async () => {
        const value = `race-${randomUUID()}`;
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            f.store.appendToStream(f.stream(`claim-race-${i}`), [newEvent('Registered', { i })], { claims: [{ scope: 'account', value }] }),
          ),
        );
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof UniqueClaimConflictError);
      });
    });
  });
}

export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
