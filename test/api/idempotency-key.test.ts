import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { licenseClient } from '../licenses/support';
import { startTestService, type TestService } from '../support/service';

/**
 * Safe retries: a /v1 write that creates something, sent again with the same Idempotency-Key, is
 * answered with the first outcome and writes nothing; a license client that cannot send a key is
 * recognised by its SN and machine while its session lives.
 */
describe('retrying a write (Idempotency-Key, and the license login natural key)', function () {
  this.timeout(120_000);
  let svc: TestService;
  let c: ReturnType<typeof licenseClient>;
  const terms = () => ({ type: 'CLOUD', seats: 2, validUntil: new Date(Date.now() + 86_400_000).toISOString() });

  before(async () => {
    svc = await startTestService('idempotency_key');
    c = licenseClient(svc);
  });
  after(() => svc?.stop());

  const issue = async (body: unknown, key: string) => svc.request('POST', '/v1/licenses', { body, headers: { ...(await c.admin()), 'idempotency-key': key } });

  it('given a license issued with a key, when the same request is sent again with it, then the first answer comes back (marked replayed) and nothing is written', async () => {
    const key = randomUUID();
    const body = terms();
    const first = await issue(body, key);
    assert.equal(first.status, 201, first.text);
    const before = await c.eventCount();
    const again = await issue(body, key);
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body, 'the same SN');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await c.eventCount(), before, 'nothing appended');
  });

  it('given a key used once, when another request comes with it, then 422 problem+json and nothing is written', async () => {
    const key = randomUUID();
    assert.equal((await issue(terms(), key)).status, 201);
    const before = await c.eventCount();
    const other = await issue({ ...terms(), seats: 7 }, key);
    assert.equal(other.status, 422, other.text);
    assert.match(other.headers.get('content-type') ?? '', /problem\+json/);
    assert.match(other.body.detail ?? other.body.title, /different request/);
    assert.equal(await c.eventCount(), before);
  });

  it('given 8 identical requests with one key at once, then one license is issued: every 201 names it, the rest are 409 (first still in flight)', async () => {
    const key = randomUUID();
    const body = terms();
    const before = await c.eventCount();
    const answers = await Promise.all(Array.from({ length: 8 }, () => issue(body, key)));
    const created = answers.filter((a) => a.status === 201);
    assert.ok(created.length >= 1);
    assert.equal(new Set(created.map((a) => a.body.sn)).size, 1, 'one SN');
    assert.deepEqual([...new Set(answers.filter((a) => a.status !== 201).map((a) => a.status))].filter((s) => s !== 409), [], 'the others are 409');
    assert.equal(await c.eventCount(), before + 1, 'one LicenseIssued');
  });

  it('refuses a key that is not 1 to 255 visible characters with 422, writing nothing', async () => {
    const before = await c.eventCount();
    assert.equal((await issue(terms(), 'x'.repeat(256))).status, 422);
    assert.equal((await issue(terms(), 'has space')).status, 422);
    assert.equal(await c.eventCount(), before);
  });

  it('given a license login sent with a key, when it is retried with the key, then the same session comes back', async () => {
    const sn = await c.issue({ seats: 3 });
    const key = randomUUID();
    const body = { sn, machineId: 'keyed', clientVersion: '10400' };
    const first = await svc.request('POST', '/v1/license-sessions/login', { body, headers: { 'idempotency-key': key } });
    assert.equal(first.status, 201, first.text);
    const again = await svc.request('POST', '/v1/license-sessions/login', { body, headers: { 'idempotency-key': key } });
    assert.deepEqual(again.body, first.body);
    assert.equal(await c.live(sn), 1);
  });

  it('given a machine whose session lives, when it logs in again without a key (10 at once), then every answer is that session and it holds one seat', async () => {
    const sn = await c.issue({ seats: 1 });
    const first = await c.login(sn, 'legacy');
    assert.equal(first.status, 201, first.text);
    const before = await c.eventCount();
    const retries = await Promise.all(Array.from({ length: 10 }, () => c.login(sn, 'legacy')));
    for (const retry of retries) {
      assert.equal(retry.status, 201, retry.text);
      assert.equal(retry.body.sessionId, first.body.sessionId);
    }
    assert.equal(await c.eventCount(), before, 'a retried login appends nothing');
    assert.equal(await c.live(sn), 1);
    assert.equal((await c.login(sn, 'another')).status, 409, 'the one seat is still taken, by one session');
  });
});
