import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testRedisUrl } from '../support/redis';
import { startTestService, type TestService } from '../support/service';
import { testServerUrl } from '../support/database';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

/**
 * The service behind TCP proxies of our own, in front of the real PostgreSQL and Redis, under 12
 * concurrent writers (license issues by an administrator, license logins by clients, each with an
 * Idempotency-Key, retried on 503, 409 and timeouts as a careful client does) while connections
 * are cut and traffic is blackholed. What every client must be able to rely on:
 *   - no 5xx but 503 (with Retry-After);
 *   - every write answered 2xx is in the log exactly once;
 *   - a retry with the same key gets the first outcome;
 *   - no seat is held by a session no client was told about.
 * The run is bounded: about 10 s of faults, then at most 25 s for the retries to get their answers.
 */
describe('under faults: PostgreSQL and Redis cut and blackholed through a proxy', function () {
  this.timeout(120_000);
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let svc: TestService;
  let admin: Record<string, string>;
  let sn: string;

  before(async () => {
    const pg = new URL(testServerUrl);
    const redis = new URL(testRedisUrl);
    pgProxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    redisProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    svc = await startTestService(
      'faults',
      // Short deadlines so a blackhole turns into 503s within the spec's bounds.
      { DB_QUERY_TIMEOUT_MS: '1500', DB_POOL_ACQUIRE_TIMEOUT_MS: '1500', DB_CONNECT_TIMEOUT_MS: '1000', REDIS_COMMAND_TIMEOUT_MS: '1000', LICENSE_SWEEP_MS: '3600000' },
      { database: (url) => pgProxy.urlFor(url), redis: (url) => redisProxy.urlFor(url) },
    );
    admin = { authorization: `Bearer ${await svc.adminToken()}` };
    const issued = await svc.request('POST', '/v1/licenses', { body: { type: 'CLOUD', seats: 1000, validUntil: new Date(Date.now() + 86_400_000).toISOString() }, headers: admin });
    assert.equal(issued.status, 201, issued.text);
    sn = issued.body.sn;
  });
  after(async () => {
    pgProxy?.heal();
    redisProxy?.heal();
    await svc?.stop();
    await pgProxy?.close();
    await redisProxy?.close();
  });

  interface Answer {
    status: number | 'timeout' | 'network';
    body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON as answered
    retryAfter: string | null;
  }
  interface Write {
    kind: 'issue' | 'login';
    key: string;
    path: string;
    body: unknown;
    headers: Record<string, string>;
    answers: Answer[];
  }

  async function send(w: Write): Promise<Answer> {
    try {
      const res = await fetch(`${svc.url}${w.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': w.key, ...w.headers },
        body: JSON.stringify(w.body),
        // A client's patience: after this it has been told nothing.
        signal: AbortSignal.timeout(6_000),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
    } catch (err) {
      return { status: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network', body: null, retryAfter: null };
    }
  }

  const retryable = (a: Answer) => a.status === 503 || a.status === 409 || a.status === 'timeout' || a.status === 'network';

  /** Sends until an answer that is not "try again", or until `giveUpAt`. */
  async function complete(w: Write, giveUpAt: number): Promise<void> {
    for (;;) {
      const answer = await send(w);
      w.answers.push(answer);
      if (!retryable(answer) || Date.now() > giveUpAt) return;
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 150));
    }
  }

  it('answers every client truthfully: only 503 among 5xx, each acknowledged write stored once, retries replayed, no unknown seat', async () => {
    const writes: Write[] = [];
    const faultsEndAt = Date.now() + 10_000;
    const giveUpAt = faultsEndAt + 25_000;
    let n = 0;
    const writer = async (id: number) => {
      while (Date.now() < faultsEndAt) {
        const i = n++;
        const w: Write =
          i % 3 === 0
            ? { kind: 'issue', key: randomUUID(), path: '/v1/licenses', body: { type: 'CLOUD', seats: 1, validUntil: new Date(Date.now() + 86_400_000).toISOString() }, headers: admin, answers: [] }
            : { kind: 'login', key: randomUUID(), path: '/v1/license-sessions/login', body: { sn, machineId: `w${id}-${i}`, clientVersion: '10400' }, headers: {}, answers: [] };
        writes.push(w);
        await complete(w, giveUpAt);
      }
    };
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const faults = (async () => {
      await wait(1_000);
      pgProxy.cut();
      await wait(1_500);
      redisProxy.cut();
      await wait(1_000);
      pgProxy.blackhole();
      await wait(2_500);
      pgProxy.heal();
      await wait(1_000);
      redisProxy.blackhole();
      await wait(2_000);
      redisProxy.heal();
      await wait(200);
      pgProxy.cut();
    })();
    await Promise.all([faults, ...Array.from({ length: 12 }, (_, id) => writer(id))]);

    const all = writes.flatMap((w) => w.answers);
    const numeric = all.flatMap((a) => (typeof a.status === 'number' ? [a.status] : []));
    if (process.env.FAULTS_VERBOSE) console.log(writes.map((w) => `${w.kind}: ${w.answers.map((a) => a.status).join(' ')}`).join('\n'));
    assert.ok(writes.length >= 12, `at least one write per writer (${writes.length})`);
    assert.ok(numeric.includes(503), 'the faults were felt: some requests were refused with 503');
    assert.deepEqual(numeric.filter((s) => s >= 500 && s !== 503), [], 'no 5xx but 503');
    assert.deepEqual(all.filter((a) => a.status === 503 && !a.retryAfter), [], 'every 503 says when to retry');
    const unfinished = writes.filter((w) => retryable(w.answers.at(-1)!));
    assert.deepEqual(unfinished.map((w) => w.answers.map((a) => a.status)), [], 'every write got an answer within the bound');
    assert.deepEqual([...new Set(writes.map((w) => w.answers.at(-1)!.status))], [201], 'each write ended created');

    // Every acknowledged write is in the log exactly once.
    const knex = svc.db.knex;
    const issuedSns = writes.filter((w) => w.kind === 'issue').map((w) => w.answers.at(-1)!.body.sn as string);
    const issuedRows = await knex('events').where({ type: 'LicenseIssued' }).whereIn('stream_id', issuedSns.map((s) => `license-${s}`)).select('stream_id');
    assert.equal(issuedRows.length, issuedSns.length, 'each acknowledged license once');
    assert.equal(new Set(issuedSns).size, issuedSns.length);
    const sessionIds = writes.filter((w) => w.kind === 'login').map((w) => w.answers.at(-1)!.body.sessionId as string);
    assert.equal(new Set(sessionIds).size, sessionIds.length, 'one session per machine');
    const started = (await knex('events').where({ stream_id: `license-${sn}`, type: 'LicenseSessionStarted' }).select(knex.raw("data->>'sessionId' as id"))) as Array<{ id: string }>;
    const startedIds = started.map((r) => r.id);
    for (const id of sessionIds) assert.equal(startedIds.filter((s) => s === id).length, 1, `session ${id} once in the log`);

    // No seat held by a session nobody was told about.
    const endedIds = new Set(((await knex('events').where({ stream_id: `license-${sn}`, type: 'LicenseSessionEnded' }).select(knex.raw("data->>'sessionId' as id"))) as Array<{ id: string }>).map((r) => r.id));
    const told = new Set(sessionIds);
    assert.deepEqual(startedIds.filter((id) => !endedIds.has(id) && !told.has(id)), [], 'every live session was answered to its client');

    // A retry with the same key gets the first outcome, and writes nothing.
    const before = Number((await knex('events').count<{ count: string }[]>('* as count'))[0]!.count);
    const sample = writes.slice(0, 30);
    const replays = await Promise.all(sample.map((w) => send(w)));
    replays.forEach((replay, i) => {
      assert.equal(replay.status, 201);
      assert.deepEqual(replay.body, sample[i]!.answers.at(-1)!.body, 'the first outcome again');
    });
    assert.equal(Number((await knex('events').count<{ count: string }[]>('* as count'))[0]!.count), before, 'replays append nothing');
  });
});
