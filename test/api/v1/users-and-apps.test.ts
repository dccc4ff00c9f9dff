import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../../support/service';
import { createUser, loginOk, status } from '../insight/insight-client';

describe('/v1 users and apps', function () {
  this.timeout(60_000);
  let svc: TestService;
  let admin: Record<string, string>;
  const eventCount = async () => Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);
  const post = (path: string, body: unknown) => svc.request('POST', path, { body, headers: admin });

  before(async () => {
    svc = await startTestService('v1_users_apps');
    admin = { authorization: `Bearer ${await svc.adminToken()}` };
  });
  after(async () => {
    await svc?.stop();
  });

  describe('users', () => {
    it('registers a user (201 {id}) and never stores the password in the clear', async () => {
      const res = await post('/v1/users', { account: 'grace', password: 'grace-password', name: 'Grace', mobile: '13100000001', email: 'grace@example.com' });
      assert.equal(res.status, 201);
      assert.match(res.body.id, /^[0-9a-f]{32}$/);
      const stored = await svc.db.knex('events').where({ stream_id: `user-${res.body.id}` });
      assert.ok(!JSON.stringify(stored).includes('grace-password'));
    });

    for (const [field, body] of [
      ['account', { account: 'GRACE', password: 'another-pass', name: 'G2' }],
      ['mobile', { account: 'grace2', password: 'another-pass', name: 'G2', mobile: '13100000001' }],
      ['email', { account: 'grace3', password: 'another-pass', name: 'G3', email: 'Grace@Example.com' }],
    ] as const) {
      it(`refuses a taken ${field} with 409, writing nothing`, async () => {
        const before = await eventCount();
        const res = await post('/v1/users', body);
        assert.equal(res.status, 409, res.text);
        assert.equal(await eventCount(), before);
      });
    }

    it('given 10 registrations of one account at once, exactly one succeeds: one user in the log, the claims and the read model', async () => {
      const registered = async () => Number((await svc.db.knex('events').where({ type: 'UserRegistered' }).count<{ n: string }[]>('* as n'))[0]!.n);
      const before = await registered();
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post('/v1/users', { account: 'racer', password: 'racer-pass', name: `R${i}` })));
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, ...Array(9).fill(409)]);
      const winner = answers.find((a) => a.status === 201)!.body.id as string;
      assert.equal((await registered()) - before, 1);
      const claims = await svc.db.knex('unique_claims').where({ scope: 'account', value: 'racer' }).select('stream_id');
      assert.deepEqual(claims.map((c) => c.stream_id), [`user-${winner}`]);
      await svc.projector.catchUp();
      const rows = await svc.db.knex('users').whereRaw('lower(account) = ?', ['racer']).select('id', 'name');
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.id, winner);
    });

    it('refuses bad input with 422 and writes nothing', async () => {
      const before = await eventCount();
      for (const body of [{ account: 'x' }, { account: 'has space', password: 'secret-1', name: 'n' }, { account: 'y', password: 'short', name: 'n' }, { account: 'z', password: 'secret-1', name: 'n', extra: 1 }]) {
        const res = await post('/v1/users', body);
        assert.equal(res.status, 422, JSON.stringify(body));
      }
      assert.equal(await eventCount(), before);
    });

    it('lists users newest first with paging and keyword, from the projection', async () => {
      await svc.projector.catchUp();
      const all = await svc.request('GET', '/v1/users?page=1&size=2', { headers: admin });
      assert.equal(all.status, 200);
      assert.equal(all.body.items.length, 2);
      assert.ok(all.body.total >= 3);
      const found = await svc.request('GET', '/v1/users?keyword=grace', { headers: admin });
      assert.equal(found.body.total, 1);
      assert.equal(found.body.items[0].email, 'grace@example.com');
      assert.equal(found.body.items[0].disabled, false);
      const refused = await svc.request('GET', '/v1/users?size=100000', { headers: admin });
      assert.equal(refused.status, 422);
    });

    it('disables and enables a user; refuses the built-in administrator and unknown ids', async () => {
      const { body } = await post('/v1/users', { account: 'henry', password: 'henry-pass', name: 'Henry' });
      assert.equal((await post(`/v1/users/${body.id}/disable`, undefined)).status, 204);
      assert.equal((await post(`/v1/users/${body.id}/disable`, undefined)).status, 204, 'idempotent');
      await svc.projector.catchUp();
      const listed = await svc.request('GET', '/v1/users?keyword=henry', { headers: admin });
      assert.equal(listed.body.items[0].disabled, true);
      assert.equal((await post(`/v1/users/${body.id}/enable`, undefined)).status, 204);
      assert.equal((await post(`/v1/users/${'0'.repeat(32)}/disable`, undefined)).status, 404);
      const adminUser = (await svc.db.knex('events').where({ type: 'UserRegistered' }).whereRaw("data->>'builtin' = 'true'").first()).data.userId;
      assert.equal((await post(`/v1/users/${adminUser}/disable`, undefined)).status, 403);
    });

    it('requires the administrator token', async () => {
      const res = await svc.request('POST', '/v1/users', { body: { account: 'ivy', password: 'ivy-pass', name: 'Ivy' } });
      assert.equal(res.status, 401);
    });
  });

  describe('apps', () => {
    it('registers an app (201 {id} = appId) and reads it back', async () => {
      const res = await post('/v1/apps', { name: 'Console', tokenMode: 'exclusive', tokenLife: 3_600_000, autoRefresh: true });
      assert.equal(res.status, 201);
      assert.match(res.body.id, /^[0-9a-f]{32}$/);
      const plain = await post('/v1/apps', { name: 'Mobile', tokenMode: 'shared' });
      await svc.projector.catchUp();
      const one = await svc.request('GET', `/v1/apps/${res.body.id}`, { headers: admin });
      assert.equal(one.status, 200);
      assert.deepEqual({ ...one.body, createdTime: undefined }, { id: res.body.id, name: 'Console', tokenMode: 'exclusive', tokenLife: 3_600_000, autoRefresh: true, createdTime: undefined });
      const list = await svc.request('GET', '/v1/apps', { headers: admin });
      assert.equal(list.body.total, 2); // (before the settings test adds one)
      assert.equal(list.body.items[0].id, plain.body.id);
      assert.equal(list.body.items[0].tokenLife, 7_200_000);
    });

    it('changes an app’s settings; new sign-ins follow them; an unknown app is 404', async () => {
      const { body } = await post('/v1/apps', { name: 'Switch', tokenMode: 'shared' });
      const put = (id: string, b: unknown) => svc.request('PUT', `/v1/apps/${id}`, { body: b, headers: admin });
      assert.equal((await put(body.id, { name: 'Switched', tokenMode: 'exclusive', tokenLife: 60_000, autoRefresh: false })).status, 204);
      assert.equal((await put('d'.repeat(32), { name: 'X', tokenMode: 'shared', tokenLife: 60_000, autoRefresh: false })).status, 404);
      await svc.projector.catchUp();
      const one = await svc.request('GET', `/v1/apps/${body.id}`, { headers: admin });
      assert.equal(one.body.tokenMode, 'exclusive');
      assert.equal(one.body.tokenLife, 60_000);
      assert.equal(one.body.name, 'Switched');
      await createUser(svc, { account: 'switcher', password: 'switch-pass' });
      const first = await loginOk(svc, body.id, 'switcher', 'switch-pass');
      assert.equal(first.expire, 60_000);
      await loginOk(svc, body.id, 'switcher', 'switch-pass');
      assert.equal((await status(svc, first.accessToken)).body.code, 400, 'exclusive now: the earlier device is signed out');
    });

    it('answers 404 for an unknown app and 422 for a malformed id', async () => {
      assert.equal((await svc.request('GET', `/v1/apps/${'a'.repeat(32)}`, { headers: admin })).status, 404);
      assert.equal((await svc.request('GET', '/v1/apps/nope', { headers: admin })).status, 422);
    });

    it('refuses a bad token mode or life with 422 and writes nothing', async () => {
      const before = await eventCount();
      assert.equal((await post('/v1/apps', { name: 'X', tokenMode: 'single' })).status, 422);
      assert.equal((await post('/v1/apps', { name: 'X', tokenMode: 'shared', tokenLife: 5 })).status, 422);
      assert.equal((await post('/v1/apps', { name: 'X', tokenMode: 'shared', tokenLife: '7200000' })).status, 422);
      assert.equal(await eventCount(), before);
    });

    it('stores a WeChat app secret sealed, and refuses an empty one', async () => {
      assert.equal((await svc.request('PUT', '/v1/wechat-apps/wx123', { body: { secret: 'top-secret-value' }, headers: admin })).status, 204);
      assert.equal((await svc.request('PUT', '/v1/wechat-apps/wx123', { body: { secret: '' }, headers: admin })).status, 422);
      const rows = await svc.db.knex('events').where({ type: 'WechatAppConfigured' });
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes('top-secret-value'));
    });
  });
});
