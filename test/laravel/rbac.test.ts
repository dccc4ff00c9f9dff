import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../support/service';
import { createLaravelUser, signInAsAdmin, type LaravelSession } from './support';

describe('Laravel /api: RBAC', function () {
  this.timeout(60_000);
  let svc: TestService;
  let admin: LaravelSession;
  let plain: LaravelSession;
  const eventCount = async () => Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);
  const as = (who: LaravelSession) => ({
    get: (path: string) => svc.request('GET', path, { headers: who.headers }),
    post: (path: string, body?: unknown) => svc.request('POST', path, { body, headers: who.headers }),
    del: (path: string) => svc.request('DELETE', path, { headers: who.headers }),
  });
  const roles = async () => {
    await svc.projector.catchUp();
    return (await as(admin).get('/api/rbac/roles')).body.data as { id: string; name: string; display_name: string; perms: string[] }[];
  };

  before(async () => {
    svc = await startTestService('laravel_rbac');
    admin = await signInAsAdmin(svc);
    plain = await createLaravelUser(svc, 'plain-pat');
  });
  after(async () => {
    await svc?.stop();
  });

  it('given a first start, suadmin (超级管理员), admin and user exist and the bootstrap administrator is suadmin', async () => {
    const listed = await roles();
    assert.deepEqual(listed.map((r) => [r.name, r.display_name]).sort(), [['admin', '管理员'], ['suadmin', '超级管理员'], ['user', '普通用户']]);
    assert.deepEqual(listed.find((r) => r.name === 'user')!.perms, ['/qrlogin/*']);
    const mine = await as(admin).get(`/api/rbac/roles/${admin.username}`);
    assert.deepEqual(mine.body.data.map((r: { name: string }) => r.name), ['suadmin']);
    assert.deepEqual(mine.body.data[0].pivot, { user_id: admin.userId, role_id: mine.body.data[0].id });
  });

  it('refuses a plain user outside their permissions with 403 无权访问资源, writing nothing', async () => {
    const before = await eventCount();
    for (const res of [
      await as(plain).get('/api/users'),
      await as(plain).get('/api/rbac/roles'),
      await as(plain).post('/api/rbac/roles', { name: 'sneaky' }),
      await as(plain).post('/api/rbac/roles/attch', { username: plain.username, rolenames: ['suadmin'] }),
    ]) {
      assert.equal(res.status, 403, res.text);
      assert.equal(res.body.status, 'error');
      assert.equal(res.body.message, '无权访问资源');
    }
    assert.equal(await eventCount(), before);
    assert.equal((await as(plain).get('/api/limits')).status, 200, 'signing in is enough for /limits');
  });

  it('creates a role, refuses its name again (409), and deletes it; built-in and unknown roles cannot be deleted', async () => {
    const created = await as(admin).post('/api/rbac/roles', { name: 'editor', display: '编辑', description: 'edits' });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.status, 'ok');
    const again = await as(admin).post('/api/rbac/roles', { name: 'EDITOR' });
    assert.equal(again.status, 409);
    assert.equal(again.body.status, 'error');
    const editor = (await roles()).find((r) => r.name === 'editor')!;
    assert.equal(editor.display_name, '编辑');
    assert.equal((await as(admin).del(`/api/rbac/roles/${editor.id}`)).status, 200);
    assert.ok(!(await roles()).some((r) => r.name === 'editor'));
    assert.equal((await as(admin).del(`/api/rbac/roles/${editor.id}`)).status, 404);
    const suadmin = (await roles()).find((r) => r.name === 'suadmin')!;
    assert.equal((await as(admin).del(`/api/rbac/roles/${suadmin.id}`)).status, 403);
    assert.equal((await as(admin).del('/api/rbac/roles/not-an-id')).status, 422);
    assert.equal((await as(admin).post('/api/rbac/roles', { name: 'editor' })).status, 200, 'a deleted name is free again');
  });

  it('refuses bad role input with 422 and writes nothing', async () => {
    const before = await eventCount();
    for (const body of [{}, { name: '' }, { name: 'has space' }, { name: 'a/b' }, { name: 'x', perms: ['/everything/*'] }, { name: 7 }]) {
      const res = await as(admin).post('/api/rbac/roles', body);
      assert.equal(res.status, 422, JSON.stringify(body));
    }
    assert.equal(await eventCount(), before);
  });

  it('given 10 creations of one name at once, exactly one succeeds', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => as(admin).post('/api/rbac/roles', { name: 'racer', display: `R${i}` })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, ...Array(9).fill(409)]);
    assert.equal((await roles()).filter((r) => r.name === 'racer').length, 1);
  });

  for (const spelling of ['attch', 'attach']) {
    it(`POST /api/rbac/roles/${spelling} replaces a user's roles, and the permissions change on the next request`, async () => {
      const user = await createLaravelUser(svc, `swap-${spelling}`);
      assert.equal((await as(user).get('/api/users')).status, 403);
      const res = await as(admin).post(`/api/rbac/roles/${spelling}`, { username: user.username, rolenames: ['admin', 'user'] });
      assert.equal(res.status, 200, res.text);
      const held = await as(admin).get(`/api/rbac/roles/${user.username}`);
      assert.deepEqual(held.body.data.map((r: { name: string }) => r.name).sort(), ['admin', 'user']);
      assert.equal((await as(user).get('/api/users')).status, 200, 'the same token, next request');
      await as(admin).post(`/api/rbac/roles/${spelling}`, { username: user.username, rolenames: ['user'] });
      assert.equal((await as(user).get('/api/users')).status, 403);
      const limits = await as(user).get('/api/limits');
      assert.deepEqual(limits.body.data.roles, { user: '普通用户' });
    });
  }

  it('refuses an unknown role (HTTP 200, status error: the roles dialog toasts it) or user (404) and changes nothing', async () => {
    const before = await eventCount();
    const unknownRole = await as(admin).post('/api/rbac/roles/attch', { username: plain.username, rolenames: ['user', 'no-such-role'] });
    assert.equal(unknownRole.status, 200);
    assert.equal(unknownRole.body.status, 'error');
    assert.match(unknownRole.body.message, /no-such-role/);
    const unknownUser = await as(admin).post('/api/rbac/roles/attch', { username: 'no-such-user', rolenames: ['user'] });
    assert.equal(unknownUser.status, 404);
    assert.equal((await as(admin).post('/api/rbac/roles/attch', { username: plain.username })).status, 422);
    assert.equal((await as(admin).get('/api/rbac/roles/no-such-user')).status, 404);
    assert.equal((await as(admin).get('/api/rbac/roles/users/no-such-role')).status, 404);
    assert.equal(await eventCount(), before);
  });

  it('a role with its own perms opens exactly those areas; deleting it closes them on the next request', async () => {
    const created = await as(admin).post('/api/rbac/roles', { name: 'auditor', display: '审计', perms: ['/users/*'] });
    const user = await createLaravelUser(svc, 'audrey', { roles: ['auditor'] });
    assert.equal((await as(user).get('/api/users')).status, 200);
    assert.equal((await as(user).get('/api/rbac/roles')).status, 403);
    assert.equal((await as(admin).del(`/api/rbac/roles/${created.body.data.id}`)).status, 200);
    assert.equal((await as(user).get('/api/users')).status, 403);
    assert.deepEqual((await as(admin).get('/api/rbac/roles/audrey')).body.data, []);
  });

  it("pages a role's users 15 at a time", async () => {
    await as(admin).post('/api/rbac/roles', { name: 'crowd' });
    const v1 = { authorization: `Bearer ${await svc.adminToken()}` };
    for (let i = 0; i < 17; i++) {
      const username = `crowd-${String(i).padStart(2, '0')}`;
      assert.equal((await svc.request('POST', '/v1/users', { body: { account: username, password: 'crowd-pass', name: username }, headers: v1 })).status, 201);
      assert.equal((await as(admin).post('/api/rbac/roles/attch', { username, rolenames: ['crowd'] })).status, 200);
    }
    await svc.projector.catchUp();
    const first = await as(admin).get('/api/rbac/roles/users/crowd');
    assert.equal(first.status, 200);
    const p = first.body.data;
    assert.deepEqual([p.total, p.per_page, p.current_page, p.last_page, p.from, p.to, p.prev_page_url], [17, 15, 1, 2, 1, 15, null]);
    assert.match(p.next_page_url, /\/api\/rbac\/roles\/users\/crowd\?page=2$/);
    assert.equal(p.data.length, 15);
    assert.equal(p.data[0].username, 'crowd-00');
    const second = (await as(admin).get('/api/rbac/roles/users/crowd?page=2')).body.data;
    assert.deepEqual([second.from, second.to, second.next_page_url, second.data.length], [16, 17, null, 2]);
    assert.match(second.prev_page_url, /page=1$/);
  });
});
