import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { licenseStream, type LicenseEvent, type SessionEnd } from '../../src/commands/licenses/events';
import { systemMetadata } from '../../src/commands/system-metadata';
import { startTestService, type TestService } from '../support/service';
import { licenseClient } from './support';

const ENDS: SessionEnd[] = ['logout', 'timeout', 'kickOut', 'highPriorityKick'];
const ROWS = 3_000;
/** 2026-01-01 00:00:00 China Standard Time, plus one minute per row. */
const T0 = Date.parse('2025-12-31T16:00:00Z');

describe('BitAnswer back office: /bitanswer/api/sns/{sn}/logs', function () {
  this.timeout(120_000);
  let svc: TestService;
  let c: ReturnType<typeof licenseClient>;
  let sn: string;
  let bitkey: string;
  const get = (path: string, key = bitkey) => svc.request('GET', `/bitanswer/api${path}`, { headers: { bitkey: key } });
  const query = (body: unknown, qs = '', headers: Record<string, string> = {}) => svc.request('POST', `/bitanswer/api/sns/${sn}/logs/data${qs}`, { body, headers: { bitkey, ...headers } });

  before(async () => {
    svc = await startTestService('bitanswer_logs');
    c = licenseClient(svc);
    sn = await c.issue({ seats: 10_000, validFrom: '2020-01-01T00:00:00Z', validUntil: '2099-01-01T00:00:00Z' });
    const key = await svc.request('POST', '/v1/bitkeys', { body: { name: 'back office' }, headers: await c.admin() });
    assert.equal(key.status, 201);
    bitkey = key.body.key;
    // Seeded straight onto the SN's stream in batches: row i starts at minute i, user i % 10, every 7th refused.
    let revision = 0;
    for (let from = 0; from < ROWS; from += 500) {
      const events: LicenseEvent[] = [];
      for (let i = from; i < from + 500; i++) {
        const at = new Date(T0 + i * 60_000).toISOString();
        const client = { machineId: `m${i}`, fkMidId: i + 1, clientVersion: '10400', loginName: `name${i % 5}`, fkUserNameId: (i % 5) + 1, userId: i % 10, uid: i % 3, loginIp: '127.0.0.1' };
        const sessionId = `s${String(i).padStart(6, '0')}`;
        if (i % 7 === 0) events.push({ type: 'LicenseSessionRefused', data: { ...client, sn, sessionId, kind: 'login', errorCode: 1001, failure: 'full', at } });
        else {
          events.push({ type: 'LicenseSessionStarted', data: { ...client, sn, sessionId, kind: 'login', priority: 0, seat: 0, startedAt: at, deadline: at } });
          events.push({ type: 'LicenseSessionEnded', data: { sn, sessionId, status: ENDS[i % 4]!, at: new Date(T0 + i * 60_000 + 30_000).toISOString() } });
        }
      }
      const result = await svc.deps.store.appendToStream(
        licenseStream(sn),
        events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata: systemMetadata('seed') })),
        { expectedRevision: revision },
      );
      revision = result.nextExpectedRevision;
    }
    await svc.projector.catchUp();
  });
  after(async () => {
    await svc?.stop();
  });

  it('traverses oldest first, 50 by default, with the vendor’s fields and only non-empty ones', async () => {
    const res = await get(`/sns/${sn}/logs`);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 0);
    assert.equal(res.body.data.total, ROWS);
    assert.equal(res.body.data.items.length, 50);
    const [refused, ok] = res.body.data.items;
    assert.deepEqual(Object.keys(ok).sort(), ['clientVersion', 'cmdExeNum', 'endTime', 'errorCode', 'fkMidId', 'fkSnid', 'fkUserId', 'fkUserNameId', 'loginIp', 'loginName', 'number', 'startTime', 'status', 'uid'].sort());
    assert.equal(ok.startTime, '2026-01-01 00:01:00');
    assert.equal(ok.endTime, '2026-01-01 00:01:30');
    assert.equal(ok.status, 'timeout');
    assert.equal(refused.errorCode, 1001);
    assert.equal(refused.failure, 'full');
  });

  it('pages with offset and limit up to 1000, and serves a limit over 1000 as 1000 rows', async () => {
    const page = await get(`/sns/${sn}/logs?offset=2990&limit=1000`);
    assert.equal(page.body.data.items.length, 10);
    assert.equal(page.body.data.items[9].startTime, '2026-01-03 01:59:00');
    const big = await get(`/sns/${sn}/logs?limit=1000`);
    assert.equal(big.body.data.items.length, 1000);
    const over = await get(`/sns/${sn}/logs?limit=5000`);
    assert.equal(over.body.status, 0, over.text);
    assert.equal(over.body.data.items.length, 1000);
    assert.equal(over.body.data.total, big.body.data.total);
  });

  it('filters errorCode <> 0 sorted by startTime DESC, as in the vendor’s example', async () => {
    const res = await query({ querys: [{ name: 'errorCode', op: '<>', values: [0] }], sorts: [{ name: 'startTime', order: 'DESC' }] }, '?limit=3');
    assert.equal(res.body.data.total, Math.ceil(ROWS / 7));
    assert.deepEqual(res.body.data.items.map((i: { startTime: string }) => i.startTime), ['2026-01-03 01:56:00', '2026-01-03 01:49:00', '2026-01-03 01:42:00']);
  });

  it('reads several values as any of them, combines fields, and takes times, like and ranges', async () => {
    const statuses = await query({ querys: [{ name: 'status', op: '=', values: ['logout', 'kickOut'] }] });
    const expected = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 7 !== 0 && (i % 4 === 0 || i % 4 === 2)).length;
    assert.equal(statuses.body.data.total, expected);
    const window = await query({
      querys: [
        { name: 'startTime', op: '>=', values: ['2026-01-01 01:00:00'] },
        { name: 'startTime', op: '<', values: ['2026-01-01 02:00:00'] },
        { name: 'fkUserId', op: '=', values: [3, '4'] },
      ],
      sorts: [{ name: 'uid', order: 'ASC' }, { name: 'startTime', order: 'DESC' }],
    });
    assert.equal(window.body.data.total, 12);
    const uids = window.body.data.items.map((i: { uid?: number }) => i.uid);
    assert.deepEqual(uids, [...uids].sort((a, b) => a - b));
    const like = await query({ querys: [{ name: 'loginName', op: 'like', values: ['name1%', 'name2%'] }, { name: 'endTime', op: '<=', values: ['2026-01-01 00:10:00'] }] });
    assert.deepEqual(like.body.data.items.map((i: { loginName: string }) => i.loginName), ['name1', 'name2', 'name1', 'name2']);
  });

  for (const [what, body, message] of [
    ['an unknown field', { querys: [{ name: 'password', op: '=', values: ['x'] }] }, /cannot query by "password"/],
    ['an unknown op', { querys: [{ name: 'uid', op: 'drop', values: [1] }] }, /unknown op/],
    ['a bad time', { querys: [{ name: 'startTime', op: '>', values: ['2026-02-30 00:00:00'] }] }, /yyyy-MM-dd HH:mm:ss/],
    ['an unknown sort', { sorts: [{ name: 'loginIp', order: 'ASC' }] }, /cannot sort by "loginIp"/],
    ['a bad order', { sorts: [{ name: 'uid', order: 'UP' }] }, /ASC or DESC/],
    ['like on a number', { querys: [{ name: 'uid', op: 'like', values: ['1%'] }] }, /like applies/],
    ['an unknown status', { querys: [{ name: 'status', op: '=', values: ['gone'] }] }, /not one of/],
  ] as const) {
    it(`refuses ${what} with a message and no SQL`, async () => {
      const res = await query(body);
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 400);
      assert.match(res.body.msg, message);
      assert.doesNotMatch(res.body.msg, /select|license_session_logs/i);
    });
  }

  it('answers the same x-bit-req-id with the first answer for a day', async () => {
    const body = { querys: [{ name: 'errorCode', op: '=', values: [0] }] };
    const first = await query(body, '?limit=1', { 'x-bit-req-id': 'req-1' });
    const copy = await query({ querys: [] }, '?limit=1', { 'x-bit-req-id': 'req-1' });
    assert.deepEqual(copy.body, first.body);
    const fresh = await query({ querys: [] }, '?limit=1', { 'x-bit-req-id': 'req-2' });
    assert.equal(fresh.body.data.total, ROWS);
  });

  it('refuses a missing, wrong or revoked bitkey, and an unknown SN', async () => {
    assert.equal((await svc.request('GET', `/bitanswer/api/sns/${sn}/logs`)).body.status, 401);
    assert.equal((await get(`/sns/${sn}/logs`, 'bk_wrong')).body.status, 401);
    assert.equal((await get('/sns/NOSUCHSN/logs')).body.status, 404);
    const other = await svc.request('POST', '/v1/bitkeys', { body: { name: 'to revoke' }, headers: await c.admin() });
    assert.equal((await get(`/sns/${sn}/logs`, other.body.key)).body.status, 0);
    assert.equal((await svc.request('POST', `/v1/bitkeys/${other.body.id}/revoke`, { headers: await c.admin() })).status, 204);
    const revoked = await get(`/sns/${sn}/logs`, other.body.key);
    assert.equal(revoked.body.status, 401);
    assert.match(revoked.body.msg, /revoked/);
    const stored = await svc.db.knex('events').where('type', 'BitkeyCreated');
    assert.ok(!JSON.stringify(stored).includes(other.body.key), 'only the hash is stored');
  });
});
