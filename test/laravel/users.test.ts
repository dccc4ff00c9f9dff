import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../support/service';
import { createLaravelUser, signInAsAdmin, type LaravelSession } from './support';

describe('Laravel /api: GET /api/users', function () {
  this.timeout(60_000);
  let svc: TestService;
  let admin: LaravelSession;
  const list = (query = '', who: LaravelSession = admin) => svc.request('GET', `/api/users${query}`, { headers: who.headers });

  before(async () => {
    svc = await startTestService('laravel_users');
    admin = await signInAsAdmin(svc);
    const v1 = { authorization: `Bearer ${await svc.adminToken()}` };
    for (let i = 0; i < 19; i++) {
      const n = String(i).padStart(2, '0');
      const body = { account: `member${n}`, password: 'member-pass', name: i === 7 ? '张三丰' : `Member ${n}`, mobile: `1380000${n}00`, email: `m${n}@corp.example` };
      assert.equal((await svc.request('POST', '/v1/users', { body, headers: v1 })).status, 201);
    }
    await svc.projector.catchUp();
  });
  after(async () => {
    await svc?.stop();
  });

  it('pages every user 15 at a time in the Laravel paginator shape', async () => {
    const res = await list();
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    const p = res.body.data;
    assert.deepEqual(Object.keys(p).sort(), ['current_page', 'data', 'from', 'last_page', 'next_page_url', 'per_page', 'prev_page_url', 'to', 'total']);
    assert.deepEqual([p.total, p.per_page, p.current_page, p.last_page, p.from, p.to, p.prev_page_url], [20, 15, 1, 2, 1, 15, null]);
    assert.match(p.next_page_url, /^http:\/\/127\.0\.0\.1:\d+\/api\/users\?page=2$/);
    const first = p.data[1];
    assert.deepEqual(Object.keys(first).sort(), ['created_at', 'departments', 'email', 'id', 'info', 'mobile', 'name', 'status', 'updated_at', 'username']);
    assert.equal(first.username, 'member00');
    assert.equal(first.status, 0);
    assert.match(first.created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const second = (await list('?page=2')).body.data;
    assert.deepEqual([second.from, second.to, second.data.length, second.next_page_url], [16, 20, 5, null]);
    assert.match(second.prev_page_url, /page=1$/);
    const beyond = (await list('?page=9')).body.data;
    assert.deepEqual([beyond.total, beyond.from, beyond.to, beyond.data.length], [20, null, null, 0]);
  });

  for (const [field, search, expected] of [
    ['name', '张三', ['member07']],
    ['username', 'MEMBER1', ['member10', 'member11', 'member12', 'member13', 'member14', 'member15', 'member16', 'member17', 'member18']],
    ['mobile', '13800000500', ['member05']],
    ['email', 'm03@corp', ['member03']],
  ] as const) {
    it(`searches by ${field}`, async () => {
      const res = await list(`?search=${encodeURIComponent(search)}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data.data.map((u: { username: string }) => u.username), expected);
      assert.equal(res.body.data.total, expected.length);
    });
  }

  it('takes LIKE wildcards in the search literally and keeps the search in the page links', async () => {
    assert.equal((await list('?search=%25')).body.data.total, 0);
    assert.equal((await list('?search=_')).body.data.total, 0);
    const paged = (await list('?search=member&page=1')).body.data;
    assert.equal(paged.total, 19);
    assert.match(paged.next_page_url, /search=member/);
  });

  it('reads a bad page as page 1 (as Laravel), refuses an overlong search with 422, no token with 401, and a plain user with 403', async () => {
    for (const q of ['?page=0', '?page=abc']) assert.deepEqual([(await list(q)).status, (await list(q)).body.data.current_page], [200, 1], q);
    assert.equal((await list(`?search=${'x'.repeat(1025)}`)).status, 422);
    assert.equal((await svc.request('GET', '/api/users')).status, 401);
    const plain = await createLaravelUser(svc, 'plain-user');
    const refused = await list('', plain);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.message, '无权访问资源');
  });
});
