import assert from 'node:assert/strict';
import { DomainError } from '../../src/commands/domain-error';
import { handleCommand } from '../../src/commands/handle';
import { seatDecider } from '../../src/commands/tokens/decider';
import { seatStream } from '../../src/commands/tokens/events';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testMetadata } from '../support/events';

describe('tokens: the exclusive seat under writers in different processes', function () {
  let db: TestDatabase;
  let store: PostgresEventStore;

  before(async () => {
    db = await createTestDatabase('token_seats');
    store = new PostgresEventStore(db.knex);
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  it('given 20 sign-ins racing for one (user, app) seat without an in-process queue, optimistic concurrency leaves one holder and a gap-free chain of SeatTaken', async () => {
    const userId = 'a'.repeat(32);
    const appId = 'b'.repeat(32);
    const tokens = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(32, '0'));
    const outcomes = await Promise.allSettled(
      tokens.map((tokenId) =>
        handleCommand({ store, metadata: testMetadata(), queuePerStream: false, maxRetries: 30 }, seatStream(userId, appId), seatDecider, {
          type: 'TakeSeat',
          userId,
          appId,
          tokenId,
          now: new Date(),
        }),
      ),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof DomainError && o.reason.code === 'conflict');
    const events = await store.readStream(seatStream(userId, appId));
    assert.equal(events.length, won.length);
    // Each taker saw the one before it: no two sign-ins both believed they replaced the same token.
    const chain = events.map((e) => e.data as { tokenId: string; previousTokenId: string | null });
    chain.forEach((link, i) => assert.equal(link.previousTokenId, i === 0 ? null : chain[i - 1]!.tokenId));
    assert.equal(new Set(chain.map((c) => c.tokenId)).size, chain.length);
  });
});
