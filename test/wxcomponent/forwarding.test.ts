import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callbackKey, callbackSignature, decryptCallback } from '../../src/wechat/crypto';
import { parseFlatXml } from '../../src/wechat/xml';
import { COMPONENT, encryptedPush } from './push';
import { eventually, startWxHarness, type WxHarness } from './support';

const AUTHORIZER = 'wx2222222222222222';

/** The services rules forward to: one answers a reply, one is slow, one fails, one fails twice then recovers. */
async function startTargets() {
  const received: Array<{ path: string; body: any }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  let flaky = 0;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(text) });
      if (req.url === '/reply') {
        const from = JSON.parse(text);
        res.end(`<xml><ToUserName><![CDATA[${from.FromUserName}]]></ToUserName><FromUserName><![CDATA[${from.ToUserName}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[echo: ${from.Content}]]></Content></xml>`);
      } else if (req.url === '/slow') setTimeout(() => res.end('late'), 6_000);
      else if (req.url === '/fail') {
        res.statusCode = 500;
        res.end('boom');
      } else if (req.url === '/flaky') {
        flaky++;
        res.statusCode = flaky <= 2 ? 503 : 200;
        res.end('ok');
      } else res.end('success');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { port, received, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('wxcomponent callback forwarding rules', function () {
  this.timeout(60_000);
  let h: WxHarness;
  let jwt: string;
  let targets: Awaited<ReturnType<typeof startTargets>>;
  const call = (method: string, path: string, body?: unknown) => h.svc.request(method, path, { body, headers: { authorization: `Bearer ${jwt}` } });
  const forwardEvents = async (type: string) => h.svc.db.knex('events').where({ type }).select('data');

  before(async () => {
    targets = await startTargets();
    h = await startWxHarness('wx_forward');
    jwt = await h.login();
  });
  after(async () => {
    await h?.stop();
    await targets?.close();
  });

  it('adds, lists, updates and deletes rules; one rule per event, even when two are added at the same moment', async () => {
    const rule = { name: 'texts', msgType: 'text', open: true, data: { port: targets.port, path: '/reply' } };
    const added = await Promise.all([call('PUT', '/admin/callback-proxy-rule', rule), call('PUT', '/wxcomponent/admin/callback-proxy-rule', rule)]);
    const codes = added.map((r) => r.body.code).sort();
    assert.deepEqual(codes, [0, 1001]);
    assert.equal(added.find((r) => r.body.code === 1001)!.body.errorMsg, '该事件已存在转发规则');
    await h.svc.projector.catchUp();
    const list = await call('GET', '/admin/callback-proxy-rule-list?offset=0&limit=10&type=2');
    assert.equal(list.body.data.total, 1);
    const r = list.body.data.rules[0];
    assert.deepEqual({ name: r.name, msgType: r.msgType, event: r.event, open: r.open, data: r.data }, { name: 'texts', msgType: 'text', event: '', open: true, data: { port: targets.port, path: '/reply' } });
    assert.equal((await call('GET', '/admin/callback-proxy-rule-list?type=1')).body.data.total, 0);

    const other = await call('PUT', '/admin/callback-proxy-rule', { name: 'tmp', msgType: 'voice', data: { port: targets.port, path: '/x' } });
    const id = other.body.data.id as number;
    const clash = await call('POST', '/admin/callback-proxy-rule', { id, name: 'tmp', msgType: 'text', data: { port: targets.port, path: '/x' } });
    assert.equal(clash.body.code, 1001, 'updating onto another rule\'s event is refused');
    assert.equal((await call('POST', '/admin/callback-proxy-rule', { id, name: 'renamed', msgType: 'video', open: 0, data: { port: targets.port, path: '/x' } })).body.code, 0);
    assert.equal((await call('DELETE', `/admin/callback-proxy-rule?id=${id}`)).body.code, 0);
    assert.equal((await call('DELETE', `/admin/callback-proxy-rule?id=${id}`)).body.code, 1001, 'already gone');
    // Its event is free again once deleted.
    assert.equal((await call('PUT', '/admin/callback-proxy-rule', { name: 'again', msgType: 'video', data: { port: targets.port, path: '/x' } })).body.code, 0);
    assert.equal((await call('PUT', '/admin/callback-proxy-rule', { name: 'bad', data: { port: 0, path: 'x' } })).body.code, 1001);
  });

  it('in line: the target gets the decrypted message as JSON and its reply goes back to WeChat encrypted', async () => {
    await h.svc.projector.catchUp();
    const t = Math.floor(Date.now() / 1000);
    const res = await h.push(`/wxcallback/biz/${AUTHORIZER}`, encryptedPush({ ToUserName: 'gh_abc', FromUserName: 'openid-1', CreateTime: t, MsgType: 'text', Content: 'hi', MsgId: '777' }));
    assert.match(res.headers.get('content-type') ?? '', /xml/);
    const outer = parseFlatXml(res.text);
    const encrypt = String(outer.Encrypt);
    assert.equal(outer.MsgSignature, callbackSignature(COMPONENT.token, String(outer.TimeStamp), String(outer.Nonce), encrypt));
    const reply = parseFlatXml(decryptCallback(callbackKey(COMPONENT.encodingAesKey), encrypt, COMPONENT.appId));
    assert.equal(reply.Content, 'echo: hi');
    assert.equal(reply.ToUserName, 'openid-1');
    const got = targets.received.find((x) => x.path === '/reply')!;
    assert.equal(got.body.MsgId, 777);
    assert.equal(got.body.Content, 'hi');
    assert.equal((await forwardEvents('WxCallbackForwarded')).length, 1);
  });

  it('in line, a slow target is cut off by the deadline: WeChat still gets success well inside 5 s, the failure is recorded', async () => {
    await call('PUT', '/admin/callback-proxy-rule', { name: 'slow', msgType: 'event', event: 'subscribe', data: { port: targets.port, path: '/slow', timeoutMs: 800 } });
    await call('PUT', '/admin/callback-proxy-rule', { name: 'failing', msgType: 'event', event: 'unsubscribe', data: { port: targets.port, path: '/fail' } });
    await h.svc.projector.catchUp();
    const t = Math.floor(Date.now() / 1000);
    const started = Date.now();
    const res = await h.push(`/wxcallback/biz/${AUTHORIZER}`, encryptedPush({ ToUserName: 'gh_abc', FromUserName: 'openid-2', CreateTime: t, MsgType: 'event', Event: 'subscribe' }));
    const took = Date.now() - started;
    assert.equal(res.text, 'success');
    assert.ok(took < 2_000, `answered in ${took} ms`);
    const failing = await h.push(`/wxcallback/biz/${AUTHORIZER}`, encryptedPush({ ToUserName: 'gh_abc', FromUserName: 'openid-2', CreateTime: t, MsgType: 'event', Event: 'unsubscribe' }));
    assert.equal(failing.text, 'success');
    const failures = (await forwardEvents('WxCallbackForwardFailed')).map((e) => e.data);
    assert.equal(failures.length, 2);
    assert.match(failures.map((f) => f.reason).join(' | '), /no answer within 800 ms/);
    assert.match(failures.map((f) => f.reason).join(' | '), /HTTP 500/);
  });

  it('asynchronously: delivered through the queue, retried with backoff until the target recovers, every attempt recorded', async () => {
    await call('PUT', '/admin/callback-proxy-rule', { name: 'async', infoType: 'notify_third_fasteregister', data: { port: targets.port, path: '/flaky', async: true } });
    await h.svc.projector.catchUp();
    const res = await h.push('/wxcallback/component', encryptedPush({ AppId: COMPONENT.appId, CreateTime: Math.floor(Date.now() / 1000), InfoType: 'notify_third_fasteregister', status: 0 }));
    assert.equal(res.text, 'success');
    await eventually(async () => (await forwardEvents('WxCallbackForwarded')).some((e) => e.data.mode === 'async'), 30_000);
    const asyncFailures = (await forwardEvents('WxCallbackForwardFailed')).filter((e) => e.data.mode === 'async');
    assert.equal(asyncFailures.length, 2);
    assert.deepEqual(asyncFailures.map((f) => f.data.final), [false, false]);
    assert.equal(targets.received.filter((x) => x.path === '/flaky').length, 3);
    assert.equal(targets.received.find((x) => x.path === '/flaky')!.body.InfoType, 'notify_third_fasteregister');
  });

  it('callback-test sends a sample to the target and reports its answer; an unreachable one answers 1010', async () => {
    await h.svc.projector.catchUp();
    const rules = (await call('GET', '/admin/callback-proxy-rule-list?limit=100')).body.data.rules as Array<{ id: number; name: string }>;
    const texts = rules.find((r) => r.name === 'texts')!;
    const ok = await call('POST', '/admin/callback-test', { id: texts.id });
    assert.equal(ok.body.code, 0, ok.text);
    assert.match(ok.body.data, /^<xml><ToUserName><!\[CDATA\[test_openid\]\]>/, 'the target\'s reply, as the text the front end prints');
    const dead = await call('PUT', '/admin/callback-proxy-rule', { name: 'dead', msgType: 'location', data: { url: 'http://127.0.0.1:1/nothing' } });
    const res = await call('POST', '/admin/callback-test', { id: dead.body.data.id });
    assert.equal(res.body.code, 1010);
  });
});
