import assert from 'node:assert/strict';
import { bearer } from './support';
import { eventually, startWecomHarness, type WecomHarness } from './wecom-harness';

describe('Laravel /api/codelogin: WeCom OAuth code sign-in', function () {
  this.timeout(120_000);
  let h: WecomHarness;

  before(async () => {
    h = await startWecomHarness('laravel-codelogin');
    await h.syncSettled(() => h.post('/api/users/sync', {}));
  });
  after(async () => {
    await h?.stop();
  });

  const codeLogin = (code: unknown) => h.svc.request('POST', '/api/codelogin', { body: { code } });

  it('a synced member signs in with a code: {token, user}, and the token works on /api', async () => {
    h.wecom.codes.set('code-zhangsan', 'zhangsan');
    const res = await codeLogin('code-zhangsan');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data.user, { name: '张三', username: 'zhangsan' });
    const limits = await h.svc.request('GET', '/api/limits', { headers: bearer(res.body.data.token) });
    assert.equal(limits.status, 200, limits.text);
    const signedIn = (await h.events('UserSignedIn')).filter((e) => e.data.surface === 'laravel');
    assert.ok(signedIn.some((e) => e.stream_id === `user-${e.data.userId}`));
    assert.equal(h.wecom.callsTo('user/getuserinfo').at(-1)!.query.code, 'code-zhangsan');
  });

  it('a code is good once: the same code again is refused (HTTP 200, status error: the phone page shows the message) and writes nothing', async () => {
    const before = await h.eventCount();
    const res = await codeLogin('code-zhangsan');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'error');
    assert.match(res.body.message, /授权码无效/);
    assert.equal(await h.eventCount(), before);
  });

  it('an unknown member starts a sync and is asked to retry later; after the sync the next code signs in', async () => {
    h.wecom.members.push({ userid: 'newbie', name: '新人', department: [2], status: 1 });
    h.wecom.codes.set('code-newbie-1', 'newbie');
    await h.syncSettled(async () => {
      const res = await codeLogin('code-newbie-1');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, 'error');
      assert.match(res.body.message, /稍后重试/);
    });
    assert.equal((await h.events('UserRegistered')).filter((e) => e.data.account === 'newbie').length, 1);
    h.wecom.codes.set('code-newbie-2', 'newbie');
    const res = await codeLogin('code-newbie-2');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.user.username, 'newbie');
  });

  it('a visitor outside the corp (OpenId only) is refused', async () => {
    h.wecom.codes.set('code-outsider', { openId: 'o-outsider' });
    const res = await codeLogin('code-outsider');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'error');
    assert.match(res.body.message, /不是企业成员/);
  });

  it('a linked member whose account is disabled here is refused (HTTP 200, status error), and the refusal is recorded', async () => {
    const owner = await h.svc.deps.store.claimOwner({ scope: 'account', value: 'wangwu' });
    const v1 = { authorization: `Bearer ${await h.svc.adminToken()}` };
    const disabled = await h.svc.request('POST', `/v1/users/${owner!.slice('user-'.length)}/disable`, { headers: v1 });
    assert.equal(disabled.status, 204, disabled.text);
    h.wecom.codes.set('code-wangwu', 'wangwu');
    const res = await codeLogin('code-wangwu');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.message, '账号已被禁用');
    assert.equal(res.body.status, 'error');
    const refused = (await h.events('UserSignInFailed')).filter((e) => e.data.surface === 'laravel');
    assert.equal(refused.at(-1)!.data.reason, 'disabled');
  });

  it('a member who left WeCom and comes back with a code is synced again rather than refused for good', async () => {
    h.wecom.members = h.wecom.members.map((m) => (m.userid === 'lisi' ? { ...m, status: 5 } : m));
    await h.syncSettled(() => h.post('/api/users/sync', {}));
    h.wecom.members = h.wecom.members.map((m) => (m.userid === 'lisi' ? { ...m, status: 1 } : m));
    h.wecom.codes.set('code-lisi-1', 'lisi');
    await h.syncSettled(async () => assert.match((await codeLogin('code-lisi-1')).body.message, /稍后重试/));
    h.wecom.codes.set('code-lisi-2', 'lisi');
    const res = await codeLogin('code-lisi-2');
    assert.equal(res.status, 200, res.text);
  });

  it('WeCom busy (45009) is a clean 503; an expired WeCom token is fetched again once', async () => {
    h.wecom.failNext('user/getuserinfo', 45009);
    h.wecom.codes.set('code-busy', 'zhangsan');
    const busy = await codeLogin('code-busy');
    assert.equal(busy.status, 503, busy.text);
    assert.match(busy.body.message, /繁忙/);

    const tokens = h.wecom.callsTo('gettoken').length;
    h.wecom.expireTokens();
    const res = await codeLogin('code-busy');
    assert.equal(res.status, 200, res.text);
    assert.equal(h.wecom.callsTo('gettoken').length, tokens + 1);
  });

  it('a WeCom that does not answer is a 503 after the client timeout, not a hung request', async () => {
    h.wecom.delay('user/getuserinfo', 8_000);
    h.wecom.codes.set('code-slow', 'zhangsan');
    const started = Date.now();
    const res = await codeLogin('code-slow');
    h.wecom.delay('user/getuserinfo', 0);
    assert.equal(res.status, 503, res.text);
    assert.match(res.body.message, /timeout/);
    assert.ok(Date.now() - started < 7_500);
  });

  it('a missing or malformed code is refused with the message the phone shows (HTTP 200, status error); a code of the wrong JSON type is a 422; none writes anything', async () => {
    const before = await h.eventCount();
    for (const [body, message] of [[{}, /未提供code/], [{ code: '' }, /未提供code/], [{ code: 42 }, /授权码无效/], [{ code: 'a b' }, /授权码无效/]] as const) {
      const res = await h.svc.request('POST', '/api/codelogin', { body });
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(res.body.status, 'error');
      assert.match(res.body.message, message);
    }
    assert.equal((await h.svc.request('POST', '/api/codelogin', { body: { code: ['x'] } })).status, 422);
    assert.equal(await h.eventCount(), before);
  });

  it('the sync the unknown member started is the same deduplicated job as the admin\'s', async () => {
    h.wecom.delay('department/list', 300);
    const before = h.wecom.callsTo('department/list').length;
    await h.syncSettled(async () => {
      h.wecom.codes.set('code-x1', 'nobody-yet');
      h.wecom.codes.set('code-x2', 'nobody-yet');
      const answers = await Promise.all([codeLogin('code-x1'), codeLogin('code-x2'), h.post('/api/users/sync', {})]);
      assert.deepEqual(answers.map((a) => a.body.status), ['error', 'error', 'ok']);
    });
    h.wecom.delay('department/list', 0);
    await eventually(async () => h.wecom.callsTo('department/list').length > before);
    assert.ok(h.wecom.callsTo('department/list').length - before <= 2);
  });
});
