import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db/connection';
import { EventStoreUnavailableError } from '../../src/eventstore/errors';
import type { AppendResult, NewEvent } from '../../src/eventstore/port';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { newEvent } from '../support/events';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

/**
 * An append whose connection breaks before its answer arrives is answered with the truth, found on
 * another connection: the positions it got when it had committed, "unavailable" (retryable, 503
 * on every surface) when it had not. Never an error that leaves the caller guessing. Backends are
 * ended with pg_terminate_backend before and after their COMMIT; the log is the judge.
 */
describe('PostgreSQL appends whose connection breaks before the answer', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let proxy: TcpProxy;
  let viaProxy: Knex;
  let store: PostgresEventStore;
  const app = 'authledger-lost-append';

  before(async () => {
    db = await createTestDatabase('lost_append');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) });
    viaProxy = createKnex(proxy.urlFor(db.url), { applicationName: app });
    // One statement at a time: the appends behind it leave together as one (group commit).
    store = new PostgresEventStore(viaProxy, { appendStatements: 1, outcomeLookupMs: 10_000 });
  });
  after(async () => {
    await store?.close();
    await viaProxy?.destroy();
    await proxy?.close();
    await db?.drop();
  });
  afterEach(() => proxy.holdRepliesAfter(null));

  const stored = async (events: NewEvent[]) =>
    (await db.knex('events').whereIn('event_id', events.map((e) => e.eventId)).select('stream_id', 'global_position', 'transaction_id', 'stream_revision').orderBy('global_position')) as Array<{
      stream_id: string;
      global_position: string;
      transaction_id: string;
      stream_revision: string;
    }>;

  /** Bounded: each step is one statement on an idle server; 15 s covers a loaded machine. */
  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = await probe();
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`not within 15 s: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The backends of the proxied store that last ran an append, by state. */
  const appendBackends = async (condition: string) =>
    (
      await db.knex.raw(`select pid from pg_stat_activity where datname = current_database() and application_name = ? and query like '%insert into events%' and ${condition}`, [app])
    ).rows.map((r: { pid: number }) => r.pid) as number[];

  const terminate = (pids: number[]) => db.knex.raw('select pg_terminate_backend(pid) from unnest(?::int[]) as p(pid)', [pids]);

  function settle(p: Promise<AppendResult>) {
    return p.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  }

  it('ended before COMMIT (alone, then as a shared statement): "unavailable", and nothing of it is in the log', async () => {
    // Uncommitted rows at revision 0 of two streams: appends there wait on the unique index.
    const blocker = await db.knex.transaction();
    try {
      await blocker('events').insert(['held-a', 'held-b'].map((s, i) => ({ stream_id: s, stream_revision: 0, event_id: `00000000-0000-4000-8000-00000000000${i}`, type: 'Blocker', data: {}, metadata: {} })));
      const a = [newEvent('A', {})];
      const b = [newEvent('B', {})];
      const c = [newEvent('C', {})];
      const first = settle(store.appendToStream('held-a', a));
      const [waitingA] = await until('the lone append waits on the lock', async () => {
        const pids = await appendBackends(`wait_event_type = 'Lock'`);
        return pids.length ? pids : null;
      });
      const rest = [settle(store.appendToStream('held-b', b)), settle(store.appendToStream('free-c', c))];
      await terminate([waitingA!]);
      const [waitingBatch] = await until('the shared statement waits on the lock', async () => {
        const pids = await appendBackends(`wait_event_type = 'Lock' and query like '%jsonb_to_recordset%'`);
        return pids.length ? pids : null;
      });
      await terminate([waitingBatch!]);
      const answers = await Promise.all([first, ...rest]);
      for (const answer of answers) {
        assert.equal(answer.ok, false, 'nothing was stored, so no success');
        assert.ok(!answer.ok && answer.error instanceof EventStoreUnavailableError, `unavailable, not ${String(!answer.ok && answer.error)}`);
      }
    } finally {
      await blocker.rollback();
    }
    assert.deepEqual(await stored([]), []);
    assert.equal((await db.knex('events').whereIn('stream_id', ['held-a', 'held-b', 'free-c']).count({ n: '*' }))[0]!.n, '0');
  });

  it('ended after COMMIT, its reply lost (alone, then as a shared statement): success with the positions the log holds', async () => {
    proxy.holdRepliesAfter('authledger_append');
    const a = [newEvent('A', {}), newEvent('A2', {})];
    const b = [newEvent('B', {})];
    const c = [newEvent('C', {})];
    const first = settle(store.appendToStream('kept-a', a));
    await until('the lone append committed', async () => (await stored(a)).length === 2);
    const rest = [settle(store.appendToStream('kept-b', b, { expectedRevision: 'no_stream' })), settle(store.appendToStream('kept-c', c))];
    // Its reply never came: the backend is idle after COMMIT, and the client still waits.
    await terminate(await until('the committed backend is idle', async () => {
      const pids = await appendBackends(`state = 'idle'`);
      return pids.length ? pids : null;
    }));
    await until('the shared statement committed', async () => (await stored([...b, ...c])).length === 2);
    await terminate(await until('the shared statement’s backend is idle', async () => {
      const pids = await appendBackends(`state = 'idle' and query like '%jsonb_to_recordset%'`);
      return pids.length ? pids : null;
    }));
    const answers = await Promise.all([first, ...rest]);
    const logged = [await stored(a), await stored(b), await stored(c)];
    answers.forEach((answer, i) => {
      assert.ok(answer.ok, `append ${i} succeeded: ${String(!answer.ok && answer.error)}`);
      const last = logged[i]!.at(-1)!;
      assert.equal(answer.value.position.prepare, BigInt(last.global_position), 'the position the log holds');
      assert.equal(answer.value.position.commit, BigInt(last.transaction_id));
      assert.equal(answer.value.nextExpectedRevision, Number(last.stream_revision));
      assert.equal(answer.value.idempotent, false, 'it was this append that wrote them');
    });
    assert.equal((await db.knex('events').whereIn('stream_id', ['kept-a', 'kept-b', 'kept-c']).count({ n: '*' }))[0]!.n, '4', 'each event once');
  });
});
