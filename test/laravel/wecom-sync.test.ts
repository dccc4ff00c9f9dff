import assert from 'node:assert/strict';
import { TEST_ADMIN } from '../support/service';
import { createLaravelUser } from './support';
import { startWecomHarness, type WecomHarness } from './wecom-harness';

describe('Laravel /api: WeCom directory sync', function () {
  this.timeout(120_000);
  let h: WecomHarness;

  before(async () => {
    h = await startWecomHarness('laravel-wecom-sync');
  });
  after(async () => {
    await h?.stop();
  });

  const sync = (path = '/api/users/sync') =>
    h.syncSettled(async () => {
      const res = await h.post(path, {});
      assert.equal(res.status, 200, res.text);
      assert.deepEqual({ status: res.body.status, data: res.body.data }, { status: 'ok', data: null });
    });

  it('given a corp of three departments and three members, a sync records them: username = WeCom userid, role user, their departments', async () => {
    await sync();
    const added = await h.events('DepartmentAdded');
    assert.deepEqual(
      added.map((e) => [e.data.id, e.data.name, e.data.parentId]),
      [
        [1, '总部', 0],
        [2, '研发部', 1],
        [3, '市场部', 1],
      ],
    );
    const registered = await h.events('UserRegistered');
    const members = registered.filter((e) => e.data.account !== TEST_ADMIN.account);
    assert.deepEqual(members.map((e) => e.data.account).sort(), ['lisi', 'wangwu', 'zhangsan']);
    for (const e of members) assert.deepEqual(e.data.roles, ['user']);
    const linked = await h.events('UserWecomLinked');
    assert.deepEqual(Object.fromEntries(linked.map((e) => [e.data.wecomUserId, e.data.departments])), { zhangsan: [2], lisi: [3], wangwu: [2, 3] });
    assert.equal((await h.events('WecomMemberJoined')).length, 3);

    await h.svc.projector.catchUp();
    const users = await h.svc.request('GET', `/api/users?search=${encodeURIComponent('张三')}`, { headers: h.admin.headers });
    assert.equal(users.status, 200, users.text);
    assert.equal(users.body.data.total, 1);
    assert.deepEqual(
      { username: users.body.data.data[0].username, mobile: users.body.data.data[0].mobile, departments: users.body.data.data[0].departments },
      { username: 'zhangsan', mobile: '13800000001', departments: '[2]' },
    );
  });

  it('members hold the RBAC role user (so they may confirm QR sign-ins); a later sync leaves roles an admin set, even none, as they are', async () => {
    const rolesOf = async (username: string) => (await h.svc.request('GET', `/api/rbac/roles/${username}`, { headers: h.admin.headers })).body.data.map((r: { name: string }) => r.name);
    for (const member of ['zhangsan', 'lisi', 'wangwu']) assert.deepEqual(await rolesOf(member), ['user'], member);
    const cleared = await h.post('/api/rbac/roles/attach', { username: 'lisi', rolenames: [] });
    assert.equal(cleared.body.status, 'ok', cleared.text);
    const granted = (await h.events('RbacUserRolesReplaced')).length;
    await sync();
    assert.deepEqual(await rolesOf('lisi'), []);
    assert.equal((await h.events('RbacUserRolesReplaced')).length, granted, 'a sync with nothing new grants nothing');
    assert.equal((await h.post('/api/rbac/roles/attach', { username: 'lisi', rolenames: ['user'] })).body.status, 'ok');
  });

  it('lists departments in the Laravel paginator shape', async () => {
    await h.svc.projector.catchUp();
    const res = await h.svc.request('GET', '/api/departments?page=1', { headers: h.admin.headers });
    assert.equal(res.status, 200, res.text);
    const page = res.body.data;
    assert.deepEqual(
      { total: page.total, per_page: page.per_page, current_page: page.current_page, last_page: page.last_page, next: page.next_page_url, prev: page.prev_page_url, from: page.from, to: page.to },
      { total: 3, per_page: 15, current_page: 1, last_page: 1, next: null, prev: null, from: 1, to: 3 },
    );
    assert.deepEqual(
      page.data.map((d: { id: number; name: string; parentid: number; order: number }) => [d.id, d.name, d.parentid, d.order]),
      [
        [1, '总部', 0, 1],
        [2, '研发部', 1, 1],
        [3, '市场部', 1, 2],
      ],
    );
    assert.match(page.data[0].created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const beyond = await h.svc.request('GET', '/api/departments?page=2', { headers: h.admin.headers });
    assert.deepEqual({ from: beyond.body.data.from, data: beyond.body.data.data, prev: typeof beyond.body.data.prev_page_url }, { from: null, data: [], prev: 'string' });
  });

  it('run again with nothing changed in WeCom: no new events, and the cached token is reused', async () => {
    const before = await h.eventCount();
    await sync('/api/departments/sync');
    await sync('/api/users/sync');
    assert.equal(await h.eventCount(), before);
    assert.equal(h.wecom.callsTo('gettoken').length, 1, 'one gettoken for every sync so far');
    assert.ok(h.wecom.callsTo('department/list').length >= 3);
  });

  it('appends what changed in WeCom: departments added, renamed, moved, removed; members updated, moved, gone, disabled there', async () => {
    h.wecom.departments = [
      { id: 1, name: '总部', parentid: 0, order: 1 },
      { id: 2, name: '研发中心', parentid: 1, order: 1 }, // renamed
      { id: 4, name: '销售部', parentid: 1, order: 3 }, // new; 市场部 (3) removed
    ];
    h.wecom.members = [
      { userid: 'zhangsan', name: '张三丰', department: [2], mobile: '13800000009', email: 'zhangsan@example.com', status: 1 }, // renamed, new mobile
      { userid: 'wangwu', name: '王五', department: [4], status: 1 }, // moved
      { userid: 'zhaoliu', name: '赵六', department: [4], status: 1 }, // joined
      { userid: 'lisi', name: '李四', department: [4], mobile: '13800000002', status: 2 }, // disabled in WeCom
    ];
    const before = await h.eventCount();
    await sync();
    const after = await h.svc.db.knex('events').where('global_position', '>', 0).orderBy('global_position').offset(before).select('type', 'data');
    const summary = after.map((e: { type: string; data: Record<string, unknown> }) => `${e.type}:${String(e.data.id ?? e.data.account ?? e.data.wecomUserId ?? e.data.name ?? '')}`);
    for (const expected of ['DepartmentRenamed:2', 'DepartmentAdded:4', 'DepartmentRemoved:3', 'UserRegistered:zhaoliu', 'WecomMemberJoined:zhaoliu', 'WecomMemberLeft:lisi', 'UserWecomUnlinked:lisi']) {
      assert.ok(summary.includes(expected), `${expected} in ${summary.join(', ')}`);
    }
    const profile = (await h.events('UserProfileUpdated')).map((e) => e.data);
    assert.deepEqual(profile.map((p) => [p.name, p.mobile]), [['张三丰', '13800000009']]);
    assert.deepEqual((await h.events('UserDepartmentsChanged')).map((e) => e.data.departments), [[4]]);
    assert.equal(summary.filter((s) => s.startsWith('UserDisabled')).length, 1, 'lisi is disabled');

    // The new mobile moved with the profile: it now finds zhangsan, the old one nobody.
    const owner = await h.svc.deps.store.claimOwner({ scope: 'mobile', value: '13800000009' });
    assert.ok(owner?.startsWith('user-'));
    assert.equal(await h.svc.deps.store.claimOwner({ scope: 'mobile', value: '13800000001' }), null);

    await h.svc.projector.catchUp();
    const res = await h.svc.request('GET', '/api/users?search=lisi', { headers: h.admin.headers });
    assert.equal(res.body.data.data[0].status, 1, 'disabled');
    const departments = await h.svc.request('GET', '/api/departments', { headers: h.admin.headers });
    assert.deepEqual(departments.body.data.data.map((d: { name: string }) => d.name), ['总部', '研发中心', '销售部']);

    const settled = await h.eventCount();
    await sync();
    assert.equal(await h.eventCount(), settled, 'a second run appends nothing');
  });

  it('a member back in WeCom is linked and enabled again', async () => {
    h.wecom.members = h.wecom.members.map((m) => (m.userid === 'lisi' ? { ...m, status: 1 } : m));
    await sync();
    const relinked = (await h.events('UserWecomLinked')).filter((e) => e.data.wecomUserId === 'lisi');
    assert.equal(relinked.length, 2);
    const enabled = await h.events('UserEnabled');
    assert.equal(enabled.length, 1);
    assert.equal(enabled[0]!.stream_id, relinked[1]!.stream_id);
  });

  it('never takes over a built-in user whose name a WeCom member has', async () => {
    h.wecom.members.push({ userid: TEST_ADMIN.account, name: '冒名者', department: [1], status: 1 });
    await sync();
    const adminLinked = (await h.events('UserWecomLinked')).filter((e) => e.data.wecomUserId === TEST_ADMIN.account);
    assert.deepEqual(adminLinked, []);
    h.wecom.members.pop();
  });

  it('concurrent sync requests do not pile up: at most one more sync runs after the current one', async () => {
    const before = h.wecom.callsTo('department/list').length;
    h.wecom.delay('department/list', 300);
    await h.syncSettled(async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => h.post(i % 2 ? '/api/users/sync' : '/api/departments/sync', {})));
      assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
    });
    h.wecom.delay('department/list', 0);
    const runs = h.wecom.callsTo('department/list').length - before;
    assert.ok(runs >= 1 && runs <= 2, `${runs} syncs ran for 8 requests`);
  });

  it('an expired token is fetched again once and the sync goes on', async () => {
    const tokens = h.wecom.callsTo('gettoken').length;
    h.wecom.expireTokens();
    const before = await h.eventCount();
    await sync();
    assert.equal(h.wecom.callsTo('gettoken').length, tokens + 1);
    assert.equal(await h.eventCount(), before);
    assert.deepEqual(await h.events('WecomSyncFailed'), []);
  });

  it('a rate limit (45009) or an HTML 502 from WeCom is retried with backoff until the sync succeeds', async () => {
    h.wecom.failNext('user/list', 45009, 45009);
    h.wecom.failHttp('department/list', 502, 1);
    h.wecom.members.push({ userid: 'sunqi', name: '孙七', department: [2], status: 1 });
    const lists = h.wecom.callsTo('user/list').length;
    await sync();
    assert.ok(h.wecom.callsTo('user/list').length >= lists + 3);
    assert.equal((await h.events('UserRegistered')).filter((e) => e.data.account === 'sunqi').length, 1);
    assert.deepEqual(await h.events('WecomSyncFailed'), []);
  });

  it('a plain user may not sync or list departments (403); no token is 401', async () => {
    const plain = await createLaravelUser(h.svc, 'plain-user');
    for (const [method, path] of [
      ['POST', '/api/users/sync'],
      ['POST', '/api/departments/sync'],
      ['GET', '/api/departments'],
    ] as const) {
      const res = await h.svc.request(method, path, { body: method === 'POST' ? {} : undefined, headers: plain.headers });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.message, '无权访问资源');
      const anonymous = await h.svc.request(method, path, { body: method === 'POST' ? {} : undefined });
      assert.equal(anonymous.status, 401);
    }
  });

  it('documents every WeCom route in /openapi.json with its schemas', async () => {
    const doc = (await h.svc.request('GET', '/openapi.json')).body;
    for (const [path, method] of [
      ['/api/users/sync', 'post'],
      ['/api/departments/sync', 'post'],
      ['/api/departments', 'get'],
      ['/api/codelogin', 'post'],
      ['/api/users/sendmessage', 'post'],
    ] as const) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path}`);
      assert.ok(op.responses['200'].content['application/json'].schema, `${method} ${path} 200 schema`);
    }
    assert.deepEqual(doc.paths['/api/codelogin'].post.security, []);
    assert.ok(doc.paths['/api/codelogin'].post.requestBody.content['application/json'].schema.properties.code);
    assert.ok(doc.paths['/api/users/sendmessage/{username}'].post, 'the template\'s own form of the message route');
  });

  it('a page number that is not a whole number of at least 1 is page 1, as Laravel read it', async () => {
    const res = await h.svc.request('GET', '/api/departments?page=0', { headers: h.admin.headers });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.current_page, 1);
  });
});

describe('Laravel /api: WeCom sync with a wrong corp secret', function () {
  this.timeout(60_000);
  let h: WecomHarness;

  before(async () => {
    h = await startWecomHarness('laravel-wecom-badsecret', { WECOM_CORP_SECRET: 'not-the-secret' });
  });
  after(async () => {
    await h?.stop();
  });

  it('fails the job at once with a clear, recorded reason that does not contain the secret', async () => {
    await h.syncSettled(() => h.post('/api/users/sync', {}));
    assert.equal(h.wecom.callsTo('gettoken').length, 1, 'a refused secret is not retried');
    const failed = await h.events('WecomSyncFailed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.data.errcode, 40001);
    assert.equal(failed[0]!.data.attempts, 1);
    assert.match(failed[0]!.data.reason, /errcode 40001.*WECOM_CORP_SECRET/);
    assert.doesNotMatch(JSON.stringify(failed), /not-the-secret/);
    assert.deepEqual(await h.events('DepartmentAdded', 'UserRegistered').then((es) => es.filter((e) => e.data.account !== TEST_ADMIN.account)), []);
  });
});
