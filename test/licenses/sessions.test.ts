import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../support/service';
import { licenseClient } from './support';

describe('license sessions over HTTP (/v1/license-sessions)', function () {
  this.timeout(60_000);
  let svc: TestService;
  let c: ReturnType<typeof licenseClient>;

  before(async () => {
    svc = await startTestService('license_sessions');
    c = licenseClient(svc);
  });
  after(async () => {
    await svc?.stop();
  });

  it('documents the license, session and BitAnswer routes in /openapi.json', async () => {
    const doc = (await svc.request('GET', '/openapi.json')).body;
    for (const path of ['/v1/licenses', '/v1/license-sessions/login', '/v1/license-sessions/kick', '/v1/bitkeys', '/bitanswer/api/sns/{sn}/logs', '/bitanswer/api/sns/{sn}/logs/data']) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    assert.equal(JSON.stringify(doc.paths['/v1/license-sessions/login'].post.security), '[]', 'login needs no admin token');
    assert.ok(JSON.stringify(doc.components.securitySchemes).includes('"name":"bitkey"'));
  });

  it('given an administrator, when an SN is issued, then 201 {sn} and it is listed with its terms', async () => {
    const sn = await c.issue({ type: 'ACCOUNT', seats: 3 });
    assert.match(sn, /^[A-Z0-9]{16}$/);
    await svc.projector.catchUp();
    const res = await svc.request('GET', '/v1/licenses?type=ACCOUNT&limit=10', { headers: await c.admin() });
    assert.equal(res.status, 200);
    const item = res.body.items.find((i: { sn: string }) => i.sn === sn);
    assert.equal(item.seats, 3);
    assert.equal(item.status, 'active');
    assert.ok(item.fkSnid > 0);
  });

  it('refuses an SN without seats or with bad dates (422) and without an admin token (401), writing nothing', async () => {
    const before = await c.eventCount();
    const bad = [{ type: 'CLOUD', seats: 0, validUntil: '2030-01-01T00:00:00Z' }, { type: 'X', seats: 1, validUntil: '2030-01-01T00:00:00Z' }, { type: 'CLOUD', seats: 1, validUntil: 'soon' }, { type: 'CLOUD', seats: 1, validFrom: '2031-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' }];
    for (const body of bad) assert.equal((await svc.request('POST', '/v1/licenses', { body, headers: await c.admin() })).status, 422, JSON.stringify(body));
    assert.equal((await svc.request('POST', '/v1/licenses', { body: bad[0] })).status, 401);
    assert.equal(await c.eventCount(), before);
  });

  it('login → heartbeat → logout: the log row ends as logout with its heartbeats counted', async () => {
    const sn = await c.issue();
    const login = await c.login(sn, 'm1');
    assert.equal(login.status, 201, login.text);
    assert.equal(login.body.heartbeatSeconds, 60);
    assert.match(login.body.sessionId, /^[0-9a-f]{32}$/);
    const hb = await c.call('heartbeat', sn, login.body.sessionId);
    assert.equal(hb.status, 200, hb.text);
    assert.equal((await c.call('logout', sn, login.body.sessionId)).status, 204);
    assert.equal((await c.call('heartbeat', sn, login.body.sessionId)).status, 404);
    const [row] = await c.logs(sn);
    assert.equal(row!.status, 'logout');
    assert.equal(row!.cmd_exe_num, 1);
    assert.equal(row!.error_code, 0);
    assert.equal(row!.login_name, 'user-m1');
  });

  it('given 50 concurrent logins on a 5-seat SN, exactly 5 sessions live and 45 failed logins are logged with errorCode 1001', async () => {
    const sn = await c.issue({ seats: 5 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => c.login(sn, `racer-${i}`)));
    assert.equal(answers.filter((a) => a.status === 201).length, 5);
    const refused = answers.filter((a) => a.status === 409);
    assert.equal(refused.length, 45);
    assert.equal(refused[0]!.body.errorCode, 1001);
    assert.equal(await c.live(sn), 5);
    const rows = await c.logs(sn);
    assert.equal(rows.filter((r) => r.status === 'login' && r.error_code === 0 && r.live).length, 5);
    assert.equal(rows.filter((r) => r.error_code === 1001 && !r.live).length, 45);
    assert.deepEqual(new Set(rows.filter((r) => r.live).map((r) => r.number)), new Set([0, 1, 2, 3, 4]));
  });

  it('given full seats, a higher-priority login takes the lowest-priority seat, which ends as highPriorityKick; an equal one is refused', async () => {
    const sn = await c.issue({ seats: 2 });
    const low = await c.login(sn, 'low', { priority: 1 });
    await c.login(sn, 'mid', { priority: 5 });
    assert.equal((await c.login(sn, 'equal', { priority: 1 })).status, 409);
    const high = await c.login(sn, 'high', { priority: 9 });
    assert.equal(high.status, 201, high.text);
    assert.equal((await c.call('heartbeat', sn, low.body.sessionId)).status, 404);
    const rows = await c.logs(sn);
    assert.equal(rows.find((r) => r.machine_id === 'low')!.status, 'highPriorityKick');
    assert.equal(await c.live(sn), 2);
  });

  it('checkout → checkin, a second checkout from the same machine covers the first, and kick ends any session as kickOut', async () => {
    const sn = await c.issue({ seats: 2 });
    const until = new Date(Date.now() + 3_600_000);
    const first = await c.checkout(sn, 'laptop', until);
    assert.equal(first.status, 201, first.text);
    assert.equal((await c.call('heartbeat', sn, first.body.sessionId)).status, 409, 'a checkout takes no heartbeat');
    const second = await c.checkout(sn, 'laptop', until);
    assert.equal(second.status, 201);
    assert.equal(await c.live(sn), 1, 'the covered borrow gave its seat back');
    assert.equal((await c.call('logout', sn, second.body.sessionId)).status, 409, 'a checkout is checked in, not logged out');
    assert.equal((await c.call('checkin', sn, second.body.sessionId)).status, 204);
    const online = await c.login(sn, 'desk');
    assert.equal((await c.kick(sn, online.body.sessionId)).status, 204);
    assert.equal((await svc.request('POST', '/v1/license-sessions/kick', { body: { sn, sessionId: online.body.sessionId } })).status, 401, 'kick is for administrators');
    const statuses = (await c.logs(sn)).map((r) => r.status);
    assert.deepEqual(statuses, ['checkoutCover', 'checkin', 'kickOut']);
    const rows = await c.logs(sn);
    assert.ok(rows[0]!.end_time, 'a checkout row carries its end');
  });

  it('a disabled SN refuses logins (403, errorCode 1002) and logs them; enabled again, it accepts', async () => {
    const sn = await c.issue();
    assert.equal((await svc.request('POST', `/v1/licenses/${sn}/disable`, { headers: await c.admin() })).status, 204);
    const refused = await c.login(sn, 'm');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.errorCode, 1002);
    assert.equal((await svc.request('POST', `/v1/licenses/${sn}/enable`, { headers: await c.admin() })).status, 204);
    assert.equal((await c.login(sn, 'm')).status, 201);
    const rows = await c.logs(sn);
    assert.deepEqual(rows.map((r) => r.error_code), [1002, 0]);
    assert.equal(rows[0]!.fk_mid_id, rows[1]!.fk_mid_id, 'one machine, one fkMidId');
  });

  it('refuses an expired SN (errorCode 1003), an unknown SN (404) and bad bodies (422) without writing', async () => {
    const sn = await c.issue({ validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' });
    const expired = await c.login(sn, 'm');
    assert.equal(expired.body.errorCode, 1003);
    const before = await c.eventCount();
    assert.equal((await c.login('ZZZZZZZZZZZZZZZZ', 'm')).status, 404);
    assert.equal((await svc.request('POST', '/v1/license-sessions/login', { body: { sn, clientVersion: '1' } })).status, 422);
    assert.equal((await svc.request('POST', '/v1/license-sessions/login', { rawBody: '{"sn":', headers: { 'content-type': 'application/json' } })).status, 400);
    assert.equal((await c.checkout(sn, 'm', new Date(Date.now() - 1000))).status, 422);
    assert.equal(await c.eventCount(), before);
  });
});
