import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../../support/service';
import { createApp, createUser, freshDevice, getCode, loginOk, md5, postToken, sign, status } from './insight-client';
import { startFakeOutside, type FakeOutside } from './fake-outside';

describe('Insight SMS and WeChat sign-in', function () {
  this.timeout(60_000);
  let svc: TestService;
  let outside: FakeOutside;
  let appId: string;
  const WX_APP = 'wx6821a080527d7751';
  const WX_SECRET = 'wechat-app-secret-123';
  const eventCount = async () => Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);
  const post = (path: string, body: unknown) => svc.request('POST', `/base/auth/v1.0/tokens/${path}`, { body, headers: freshDevice() });
  const wechatCode = (unionid: string) => {
    const code = `code-${Math.random().toString(36).slice(2)}`;
    outside.wechatCodes.set(code, { appid: WX_APP, secret: WX_SECRET, user: { unionid, openid: `open-${unionid}`, nickname: `微信${unionid}` } });
    return code;
  };
  const smsCodeFor = async (mobile: string) => {
    const code = await getCode(svc, mobile, 1);
    const sent = outside.smsSent.filter((s) => s.mobile === mobile).at(-1);
    assert.ok(sent, 'an SMS was sent');
    return { code, smsCode: sent.code };
  };

  before(async () => {
    outside = await startFakeOutside();
    svc = await startTestService('insight_wechat', { WECHAT_API_BASE: outside.url, SMS_WEBHOOK_URL: `${outside.url}/sms` });
    appId = await createApp(svc, { tokenMode: 'shared' });
    const res = await svc.request('PUT', `/v1/wechat-apps/${WX_APP}`, { body: { secret: WX_SECRET }, headers: { authorization: `Bearer ${await svc.adminToken()}` } });
    assert.equal(res.status, 204);
    await createUser(svc, { account: 'erin', password: 'erin-pass', mobile: '13900000002' });
  });
  after(async () => {
    await svc?.stop();
    await outside?.close();
  });

  describe('SMS codes (type=1)', () => {
    it('sends a 6-digit code to the webhook; signing MD5(MD5(mobile + MD5(smsCode)) + code) signs in', async () => {
      const { code, smsCode } = await smsCodeFor('13900000002');
      assert.match(smsCode, /^\d{6}$/);
      assert.equal(outside.smsSent.at(-1)!.ttlSeconds, 300);
      const res = await postToken(svc, { appId, account: '13900000002', signature: sign('13900000002', md5(smsCode), code) });
      assert.equal(res.body.code, 200, res.text);
      assert.equal(res.body.data.userInfo.account, 'erin');
    });

    it('a wrong SMS code fails like a wrong password', async () => {
      const { code, smsCode } = await smsCodeFor('13900000002');
      const wrong = smsCode === '000000' ? '111111' : '000000';
      const res = await postToken(svc, { appId, account: '13900000002', signature: sign('13900000002', md5(wrong), code) });
      assert.equal(res.body.code, 420);
    });

    it('when the SMS gateway fails, answers 400 and says so', async () => {
      outside.smsFails = true;
      try {
        const res = await svc.request('GET', '/base/auth/v1.0/tokens/codes?account=13900000002&type=1', { headers: freshDevice() });
        assert.equal(res.body.code, 400);
        assert.match(res.body.message, /短信/);
      } finally {
        outside.smsFails = false;
      }
    });

    it('refuses a type-1 code for something that is not a mobile with 430', async () => {
      const res = await svc.request('GET', '/base/auth/v1.0/tokens/codes?account=erin&type=1', { headers: freshDevice() });
      assert.equal(res.body.code, 430);
    });
  });

  describe('tokens/withWechatCode and tokens/withWechatUnionId', () => {
    it('an unbound WeChat user comes back as data with option false; binding by a proven new mobile creates the user and signs in; the next WeChat code signs straight in', async () => {
      const unbound = await post('withWechatCode', { appId, weChatAppId: WX_APP, code: wechatCode('union-new') });
      assert.equal(unbound.body.success, true);
      assert.equal(unbound.body.code, 200);
      assert.equal(unbound.body.option, false);
      assert.equal(unbound.body.data.unionid, 'union-new');
      assert.equal(unbound.body.data.nickname, '微信union-new');

      const { smsCode } = await smsCodeFor('13700000003');
      const bound = await post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'union-new', mobile: '13700000003', smsCode });
      assert.equal(bound.body.code, 200, bound.text);
      assert.equal(bound.body.data.userInfo.mobile, '13700000003');
      assert.equal(bound.body.data.userInfo.name, '微信union-new');
      assert.equal((await status(svc, bound.body.data.accessToken)).body.code, 200);

      const direct = await post('withWechatCode', { appId, weChatAppId: WX_APP, code: wechatCode('union-new') });
      assert.equal(direct.body.code, 200);
      assert.equal(direct.body.option, null);
      assert.equal(direct.body.data.userInfo.id, bound.body.data.userInfo.id);
    });

    it('binding to an existing user by mobile: refused when bound to another WeChat unless isReplace', async () => {
      await post('withWechatCode', { appId, weChatAppId: WX_APP, code: wechatCode('union-a') });
      let sms = await smsCodeFor('13900000002');
      const first = await post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'union-a', mobile: '13900000002', smsCode: sms.smsCode });
      assert.equal(first.body.code, 200, first.text);
      assert.equal(first.body.data.userInfo.account, 'erin');

      await post('withWechatCode', { appId, weChatAppId: WX_APP, code: wechatCode('union-b') });
      sms = await smsCodeFor('13900000002');
      const refused = await post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'union-b', mobile: '13900000002', smsCode: sms.smsCode });
      assert.equal(refused.body.code, 400);
      assert.equal(refused.body.message, '用户已绑定其他微信号');

      sms = await smsCodeFor('13900000002');
      const replaced = await post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'union-b', mobile: '13900000002', smsCode: sms.smsCode, isReplace: 'true' });
      assert.equal(replaced.body.code, 200, replaced.text);

      // union-a is released: it is unbound again, union-b signs erin in.
      assert.equal((await post('withWechatCode', { appId, weChatAppId: WX_APP, code: wechatCode('union-a') })).body.option, false);
      const b = await post('withWechatCode', { appId, weChatAppId: WX_APP, code: wechatCode('union-b') });
      assert.equal(b.body.data.userInfo.account, 'erin');
    });

    it('refuses a wrong SMS code with 423 and consumes it', async () => {
      await post('withWechatCode', { appId, weChatAppId: WX_APP, code: wechatCode('union-c') });
      const { smsCode } = await smsCodeFor('13600000004');
      const wrong = smsCode === '000000' ? '111111' : '000000';
      const before = await eventCount();
      const res = await post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'union-c', mobile: '13600000004', smsCode: wrong });
      assert.equal(res.body.code, 423);
      const retry = await post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'union-c', mobile: '13600000004', smsCode });
      assert.equal(retry.body.code, 423, 'the code died with the wrong attempt');
      assert.equal(await eventCount(), before);
    });

    it('refuses a unionId that no withWechatCode cached with 430, writing nothing', async () => {
      const { smsCode } = await smsCodeFor('13600000005');
      const before = await eventCount();
      const res = await post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'never-seen', mobile: '13600000005', smsCode });
      assert.equal(res.body.code, 430);
      assert.equal(await eventCount(), before);
    });

    it('answers 400 when WeChat refuses the code, 430 for an unconfigured weChatAppId, never leaking the secret', async () => {
      const bad = await post('withWechatCode', { appId, weChatAppId: WX_APP, code: 'not-a-code' });
      assert.equal(bad.body.code, 400);
      assert.ok(!bad.text.includes(WX_SECRET));
      const unknown = await post('withWechatCode', { appId, weChatAppId: 'wxunknown', code: 'x' });
      assert.equal(unknown.body.code, 430);
      const stored = await svc.db.knex('events').where({ type: 'WechatAppConfigured' });
      assert.ok(!JSON.stringify(stored).includes(WX_SECRET));
    });

    it('a disabled user cannot sign in with WeChat (413)', async () => {
      await post('withWechatCode', { appId, weChatAppId: WX_APP, code: wechatCode('union-d') });
      const userId = await createUser(svc, { account: 'frank', password: 'frank-pass', mobile: '13500000006' });
      const { smsCode } = await smsCodeFor('13500000006');
      assert.equal((await post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'union-d', mobile: '13500000006', smsCode })).body.code, 200);
      await svc.request('POST', `/v1/users/${userId}/disable`, { headers: { authorization: `Bearer ${await svc.adminToken()}` } });
      assert.equal((await post('withWechatCode', { appId, weChatAppId: WX_APP, code: wechatCode('union-d') })).body.code, 413);
    });
  });

  it('password sign-in still works beside all this', async () => {
    await loginOk(svc, appId, 'erin', 'erin-pass');
  });
});
