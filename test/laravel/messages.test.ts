import assert from 'node:assert/strict';
import { createLaravelUser } from './support';
import { eventually, startWecomHarness, type WecomHarness } from './wecom-harness';
import { WECOM } from './fake-wecom';
import { TEST_ADMIN } from '../support/service';

describe('Laravel /api/users/sendmessage: WeCom messages', function () {
  this.timeout(120_000);
  let h: WecomHarness;

  before(async () => {
    h = await startWecomHarness('laravel-wecom-messages');
    await h.syncSettled(() => h.post('/api/users/sync', {}));
  });
  after(async () => {
    await h?.stop();
  });

  const send = (username: string, message: string) => h.post('/api/users/sendmessage', { username, message });
  /** The outcome event of the message most recently queued. */
  const outcome = async () => {
    const queued = (await h.events('WecomMessageQueued')).at(-1)!;
    return eventually(async () => (await h.events('WecomMessageSent', 'WecomMessageFailed')).find((e) => e.stream_id === queued.stream_id), 30_000);
  };

  it('queues the message and answers at once; the job delivers it to the member through the app', async () => {
    h.wecom.delay('message/send', 1_500);
    const started = Date.now();
    const res = await send('zhangsan', '你好，张三');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual({ status: res.body.status, data: res.body.data }, { status: 'ok', data: null });
    assert.ok(Date.now() - started < 1_000, 'answered before WeCom did');
    const done = await outcome();
    h.wecom.delay('message/send', 0);
    assert.equal(done.type, 'WecomMessageSent');
    assert.equal(done.data.attempts, 1);
    assert.deepEqual(h.wecom.delivered.at(-1), { touser: 'zhangsan', content: '你好，张三', agentid: WECOM.agentId });
  });

  it('retries after WeCom failures (45009, system busy, an HTML 502) and records the success with its attempts', async () => {
    h.wecom.failNext('message/send', 45009, -1);
    h.wecom.failHttp('message/send', 502, 1);
    const calls = h.wecom.callsTo('message/send').length;
    const res = await send('lisi', '第二条');
    assert.equal(res.status, 200, res.text);
    const done = await outcome();
    assert.equal(done.type, 'WecomMessageSent');
    assert.equal(done.data.attempts, 4);
    assert.equal(h.wecom.callsTo('message/send').length - calls, 4);
    assert.equal(h.wecom.delivered.filter((d) => d.content === '第二条').length, 1);
  });

  it('a rate limit that never lifts fails after every attempt, recorded with WeCom\'s errcode', async () => {
    h.wecom.failNext('message/send', 45009, 45009, 45009, 45009, 45009);
    await send('wangwu', '总被限流');
    const done = await outcome();
    assert.equal(done.type, 'WecomMessageFailed');
    assert.deepEqual({ attempts: done.data.attempts, errcode: done.data.errcode }, { attempts: 5, errcode: 45009 });
    assert.equal(h.wecom.delivered.filter((d) => d.content === '总被限流').length, 0);
  });

  it('a refusal WeCom will repeat (an invalid recipient) fails at once without retrying', async () => {
    // Gone from WeCom since the last sync: we still think it is a member.
    h.wecom.members = h.wecom.members.filter((m) => m.userid !== 'wangwu');
    const calls = h.wecom.callsTo('message/send').length;
    await send('wangwu', '已离职');
    const done = await outcome();
    assert.equal(done.type, 'WecomMessageFailed');
    assert.deepEqual({ attempts: done.data.attempts, errcode: done.data.errcode }, { attempts: 1, errcode: 81013 });
    assert.equal(h.wecom.callsTo('message/send').length - calls, 1);
  });

  it('refuses cleanly, writing nothing: unknown user, a user not in WeCom and missing fields are toasts (HTTP 200, status error), a plain user 403', async () => {
    const plain = await createLaravelUser(h.svc, 'plain-messenger');
    const before = await h.eventCount();
    const refusal = (res: { status: number; body: { status: string; message: string } }, message: RegExp) => {
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'error');
      assert.match(res.body.message, message);
    };
    refusal(await send('nobody', 'hi'), /用户不存在/);
    refusal(await send(TEST_ADMIN.account, 'hi'), /不是企业微信成员/);
    refusal(await h.post('/api/users/sendmessage', { username: 'zhangsan' }), /不能为空/);
    refusal(await h.post('/api/users/sendmessage', { message: 'hi' }), /未指定用户/);
    refusal(await h.post('/api/users/sendmessage', { username: 'zhangsan', message: '' }), /不能为空/);
    assert.equal((await h.post('/api/users/sendmessage', { username: 'zhangsan', message: { text: 'hi' } })).status, 422);
    const forbidden = await h.post('/api/users/sendmessage', { username: 'zhangsan', message: 'hi' }, plain.headers);
    assert.equal(forbidden.status, 403);
    const anonymous = await h.svc.request('POST', '/api/users/sendmessage', { body: { username: 'zhangsan', message: 'hi' } });
    assert.equal(anonymous.status, 401);
    assert.equal(await h.eventCount(), before);
  });
});
