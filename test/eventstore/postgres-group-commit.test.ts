import assert from 'node:assert/strict';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { PartialDuplicateError, WrongExpectedVersionError } from '../../src/eventstore/errors';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { newEvent, testMetadata } from '../support/events';

/**
 * Appends that share one statement keep their own outcomes: a refusal or a re-send in the batch
 * touches nobody else, and nothing lands twice.
 */
describe('PostgreSQL group commit', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    db = await createTestDatabase('group-commit');
    store = new PostgresEventStore(db.knex, { databaseUrl: db.url, appendStatements: 1 });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  // The global log shows a commit once no transaction the store cannot attribute to another
  // database is still open; on a busy shared server that trails the answers by a moment, so the
  // log is read once it shows at least what the spec knows was acknowledged.
  const logShowing = (count: number) =>
    eventually(async () => {
      const read = await store.readAll({ maxCount: 1000 });
      return read.length >= count ? read : null;
    }, 10_000);

  const settle = <T>(p: Promise<T>) => p.then((value) => ({ value, error: null }), (error: unknown) => ({ value: null, error }));

  it('gives each of 100 concurrent appends to 100 streams its own revisions, all in one log', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.appendToStream(`s-${i}`, [newEvent('A', { i }), newEvent('B', { i })], { expectedRevision: 'no_stream' })),
    );
    assert.deepEqual(results.map((r) => r.nextExpectedRevision), Array(100).fill(1));
    const all = await logShowing(200);
    assert.equal(all.length, 200);
    const transactions = new Set(all.map((e) => e.position.commit));
    assert.ok(transactions.size < 20, `100 concurrent appends took ${transactions.size} transactions`);
    for (let i = 0; i < 100; i++) {
      assert.deepEqual((await store.readStream(`s-${i}`)).map((e) => [e.type, (e.data as { i: number }).i]), [['A', i], ['B', i]]);
    }
  });

  it('refuses only the append whose expected revision is wrong; the rest of its batch lands', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendToStream(`t-${i}`, [newEvent('A', {})])));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => settle(store.appendToStream(`t-${i}`, [newEvent('B', {})], { expectedRevision: i === 7 ? 5 : 0 }))),
    );
    assert.ok(outcomes[7]!.error instanceof WrongExpectedVersionError);
    assert.equal(outcomes.filter((o) => o.error).length, 1);
    assert.equal((await store.readStream('t-7')).length, 1);
    assert.equal((await store.readStream('t-8')).length, 2);
  });

  it('keeps its shared statement when appends in it expect a stream that already exists (retried pushes): the others still land together', async () => {
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.appendToStream(`push-${i}`, [newEvent('Received', {})], { expectedRevision: 'no_stream' })));
    await store.appendToStream('behind', [newEvent('A', {}), newEvent('B', {})]);
    const before = (await logShowing(7)).length;
    const outcomes = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => settle(store.appendToStream(`push-${i}`, [newEvent('Received', { i })], { expectedRevision: 'no_stream' }))),
      settle(store.appendToStream('behind', [newEvent('C', {})], { expectedRevision: 0 })),
    ]);
    const refused = outcomes.map((o, i) => (o.error instanceof WrongExpectedVersionError ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(refused, [0, 1, 2, 3, 4, 20]);
    const landed = (await logShowing(before + 15)).slice(before);
    assert.equal(landed.length, 15);
    // Refused one by one, each of the 15 would have gone again alone: 15 transactions.
    const transactions = new Set(landed.map((e) => e.position.commit));
    assert.ok(transactions.size <= 2, `15 appends beside 6 refusals took ${transactions.size} transactions`);
    assert.deepEqual((await store.readStream('behind')).map((e) => e.type), ['A', 'B']);
  });

  it('answers a re-send inside a batch with the original result, a partial re-send with an error, and lands the others once', async () => {
    const original = [newEvent('A', {}), newEvent('B', {})];
    const first = await store.appendToStream('resent', original);
    const partial = [original[0]!, newEvent('C', {})];
    const outcomes = await Promise.all([
      settle(store.appendToStream('resent', original)),
      settle(store.appendToStream('partial', partial)),
      ...Array.from({ length: 10 }, (_, i) => settle(store.appendToStream(`u-${i}`, [newEvent('A', {})]))),
    ]);
    assert.equal(outcomes[0]!.value?.idempotent, true);
    assert.equal(outcomes[0]!.value?.nextExpectedRevision, first.nextExpectedRevision);
    assert.ok(outcomes[1]!.error instanceof PartialDuplicateError);
    assert.deepEqual(outcomes.slice(2).map((o) => o.value?.nextExpectedRevision), Array(10).fill(0));
    assert.equal((await logShowing(12)).length, 12);
  });

  it('serialises racing appends to one stream: with "any" all land in order, with one expected revision exactly one wins', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.appendToStream('busy', [newEvent('A', { i })])));
    assert.equal((await store.readStream('busy')).length, 30);
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => settle(store.appendToStream('busy', [newEvent('B', {})], { expectedRevision: 29 }))));
    assert.equal(outcomes.filter((o) => o.value).length, 1);
    assert.equal(outcomes.filter((o) => o.error instanceof WrongExpectedVersionError).length, 29);
  });

  it('keeps a shared statement to a few megabytes: big appends go out in several, each landing whole', async () => {
    const big = 'x'.repeat(1_500_000);
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.appendToStream(`big-${i}`, [newEvent('Imported', { big, i })])));
    const all = await logShowing(8);
    assert.equal(all.length, 8);
    assert.ok(all.every((e) => (e.data as { big: string }).big.length === big.length));
    const transactions = new Set(all.map((e) => e.position.commit));
    assert.ok(transactions.size >= 4, `8 appends of 1.5 MB shared ${transactions.size} transactions`);
  });

  it('stores every event with its metadata, whether the events of an append share one metadata object or carry their own', async () => {
    const sent = (i: number) => {
      const shared = testMetadata({ correlationId: `shared-${i}` });
      return Array.from({ length: 3 }, (_, k) => newEvent('E', { i, k }, i % 2 ? { metadata: testMetadata({ correlationId: `own-${i}-${k}` }) } : { metadata: shared }));
    };
    const alone = sent(100);
    await store.appendToStream('meta-alone', alone);
    const batched = Array.from({ length: 20 }, (_, i) => sent(i));
    await Promise.all(batched.map((events, i) => store.appendToStream(`meta-${i}`, events)));
    assert.deepEqual((await store.readStream('meta-alone')).map((e) => e.metadata), alone.map((e) => e.metadata));
    for (let i = 0; i < 20; i++) assert.deepEqual((await store.readStream(`meta-${i}`)).map((e) => e.metadata), batched[i]!.map((e) => e.metadata));
  });
});
