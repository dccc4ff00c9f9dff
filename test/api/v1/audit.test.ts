import assert from 'node:assert/strict';
import { newEvent } from '../../support/events';
import { startTestService, TEST_ADMIN, type TestService } from '../../support/service';

describe('audit: GET /v1/streams/{id}/events and GET /v1/events', function () {
  this.timeout(30_000);
  let svc: TestService;
  let auth: Record<string, string>;
  const get = (path: string) => svc.request('GET', path, { headers: auth });
  /**
   * The global log shows an event once every transaction that began before it has ended (that is
   * what makes checkpoints safe), so a reader right after a write may wait a moment.
   */
  const eventually = async (path: string, done: (body: any) => boolean) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; ; i++) {
      const res = await get(path);
      if (done(res.body) || i === 100) return res;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(async () => {
    svc = await startTestService('v1_audit');
    auth = { authorization: `Bearer ${await svc.adminToken()}` };
    for (let i = 0; i < 7; i++) await svc.deps.store.appendToStream(`audit-order-${i % 2}`, [newEvent(i % 3 ? 'OrderPlaced' : 'OrderCancelled', { i })]);
    await eventually('/v1/events?streamPrefix=audit-order-&limit=100', (b) => b.events?.length === 7);
  });
  after(async () => {
    await svc?.stop();
  });

  it("shows a sign-in's events with who, from where and the request that caused them, and no password", async () => {
    const res = await svc.request('POST', '/v1/login', { body: TEST_ADMIN, headers: { 'x-request-id': 'audit-req-1', 'user-agent': 'audit-test/1.0' } });
    assert.equal(res.status, 200);
    const isMine = (e: { metadata: { correlationId: string } }) => e.metadata.correlationId === 'audit-req-1';
    const log = await eventually('/v1/events?type=UserSignedIn&limit=1000', (b) => b.events?.some(isMine));
    const mine = log.body.events.find(isMine);
    assert.ok(mine, 'the sign-in event carries the request id as its correlation id');
    assert.equal(mine.metadata.userAgent, 'audit-test/1.0');
    assert.equal(mine.metadata.clientIp, '127.0.0.1');
    assert.equal(mine.metadata.actor.name, TEST_ADMIN.account);
    assert.match(mine.position, /^\d+-\d+$/);

    const stream = await get(`/v1/streams/${encodeURIComponent(mine.streamId)}/events`);
    assert.equal(stream.status, 200);
    assert.equal(stream.body.events[0].type, 'UserRegistered');
    assert.ok(!stream.text.includes(TEST_ADMIN.password));
  });

  it('pages a stream forwards and backwards', async () => {
    const first = await get('/v1/streams/audit-order-0/events?limit=2');
    assert.deepEqual(first.body.events.map((e: { revision: number }) => e.revision), [0, 1]);
    assert.equal(first.body.next, 2);
    const rest = await get(`/v1/streams/audit-order-0/events?limit=10&from=${first.body.next}`);
    assert.deepEqual(rest.body.events.map((e: { revision: number }) => e.revision), [2, 3]);
    assert.equal(rest.body.next, null);
    const back = await get('/v1/streams/audit-order-0/events?direction=backwards&limit=3');
    assert.deepEqual(back.body.events.map((e: { revision: number }) => e.revision), [3, 2, 1]);
    assert.equal(back.body.next, 0);
  });

  it('answers a stream that does not exist with an empty page', async () => {
    const res = await get('/v1/streams/no-such-stream/events');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.events, []);
  });

  it('reads the global log page by page from checkpoints, filtered by type and stream prefix, each event once', async () => {
    const seen: number[] = [];
    let after = '';
    for (let page = 0; page < 10; page++) {
      const res = await get(`/v1/events?streamPrefix=audit-order-&type=OrderPlaced&limit=2${after ? `&after=${after}` : ''}`);
      assert.equal(res.status, 200);
      if (!res.body.events.length) break;
      seen.push(...res.body.events.map((e: { data: { i: number } }) => e.data.i));
      after = res.body.next;
    }
    assert.deepEqual(seen, [1, 2, 4, 5]);
    const both = await get('/v1/events?streamPrefix=audit-order-&type=OrderPlaced&type=OrderCancelled&limit=100');
    assert.equal(both.body.events.length, 7);
  });

  it('filters the global log by time', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    const none = await get(`/v1/events?streamPrefix=audit-order-&since=${encodeURIComponent(future)}`);
    assert.deepEqual(none.body.events, []);
    const all = await get(`/v1/events?streamPrefix=audit-order-&until=${encodeURIComponent(future)}`);
    assert.equal(all.body.events.length, 7);
  });

  for (const [what, query] of [
    ['an unknown filter field', 'colour=red'],
    ['a malformed checkpoint', 'after=12abc'],
    ['a limit over 1000', 'limit=5000'],
    ['a time that is not RFC 3339', 'since=yesterday'],
    ['since after until', `since=${encodeURIComponent('2030-01-02T00:00:00Z')}&until=${encodeURIComponent('2030-01-01T00:00:00Z')}`],
  ]) {
    it(`refuses ${what} with a problem+json 4xx`, async () => {
      const res = await get(`/v1/events?${query}`);
      assert.ok(res.status === 400 || res.status === 422, `status ${res.status}`);
      assert.equal(res.body.code, 'validation_failed', res.text);
    });
  }

  it('is for administrators only', async () => {
    const res = await svc.request('GET', '/v1/events');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /Bearer/);
  });
});
