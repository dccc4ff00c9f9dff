import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../../support/service';
import { startFakeOutside, type FakeOutside } from './fake-outside';
import { createApp, createUser, freshDevice, getCode, md5, postToken, sign } from './insight-client';

/**
 * Codes work once and unionids belong to one user, also when the requests arrive together: each
 * spec sends them in parallel, then counts the tokens and users the log, the claims and the read model hold.
 */
describe('Insight codes and WeChat bindings under parallel requests', function () {
  this.timeout(60_000);
  let svc: TestService;
  let outside: FakeOutside;
  let appId: string;
  const WX_APP = 'wx6821a080527d7751';
  const WX_SECRET = 'wechat-app-secret-123';
  // Each spec signs in from an address of its own, so a failure one spec counts cannot lock another's.
  let address = 0;
  let from: Record<string, string> = {};
  beforeEach(() => {
    address += 1;
    from = { 'x-forwarded-for': `198.51.100.${address}` };
  });
  const post = (path: string, body: unknown) => svc.request('POST', `/base/auth/v1.0/tokens/${path}`, { body, headers: { ...freshDevice(), ...from } });
  const tokensIssuedTo = async (userId: string) =>
    Number((await svc.db.knex('events').where({ type: 'TokenIssued' }).whereRaw("data->>'userId' = ?", [userId]).count<{ n: string }[]>('* as n'))[0]!.n);
  /**
   * One 200; each other request is refused as a spent signature (420), and none is counted as a
   * wrong password: had they been, five would lock the account and could refuse the winner too.
   */
  const assertOneSignedIn = async (answers: Array<{ body: any; text: string }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(answers.filter((a) => a.body.code === 200).length, 1, answers.map((a) => a.text).join('\n'));
    const refused = answers.filter((a) => a.body.code !== 200);
    assert.ok(refused.every((a) => a.body.code === 420), refused.map((a) => a.text).join('\n'));
    assert.equal(await failuresFrom(from['x-forwarded-for']!), 0);
  };
  const failuresFrom = async (address: string) =>
    Number((await svc.db.knex('events').where({ type: 'SignInAttemptFailed' }).whereRaw("data->>'address' = ?", [address]).count<{ n: string }[]>('* as n'))[0]!.n);
  const smsCodeFor = async (mobile: string) => {
    const code = await getCode(svc, mobile, 1);
    const sent = outside.smsSent.filter((s) => s.mobile === mobile).at(-1);
    assert.ok(sent, 'an SMS was sent');
    return { code, smsCode: sent.code };
  };
  const cacheUnionId = async (unionid: string) => {
    const code = `code-${Math.random().toString(36).slice(2)}`;
    outside.wechatCodes.set(code, { appid: WX_APP, secret: WX_SECRET, user: { unionid, openid: `open-${unionid}`, nickname: `微信${unionid}` } });
    const res = await post('withWechatCode', { appId, weChatAppId: WX_APP, code });
    assert.equal(res.body.option, false, res.text);
  };

  before(async () => {
    outside = await startFakeOutside();
    svc = await startTestService('insight_code_races', { WECHAT_API_BASE: outside.url, SMS_WEBHOOK_URL: `${outside.url}/sms`, TRUST_PROXY: 'true' });
    appId = await createApp(svc, { tokenMode: 'shared' });
    const res = await svc.request('PUT', `/v1/wechat-apps/${WX_APP}`, { body: { secret: WX_SECRET }, headers: { authorization: `Bearer ${await svc.adminToken()}` } });
    assert.equal(res.status, 204);
  });
  after(async () => {
    await svc?.stop();
    await outside?.close();
  });

  it('given one sign-in code, when 16 token requests carry its signature at once, then one token is issued', async () => {
    const userId = await createUser(svc, { account: 'code-racer', password: 'code-racer-pass' });
    const code = await getCode(svc, 'code-racer');
    const body = { appId, account: 'code-racer', signature: sign('code-racer', md5('code-racer-pass'), code) };
    const answers = await Promise.all(Array.from({ length: 16 }, () => postToken(svc, body, from)));
    await assertOneSignedIn(answers);
    assert.equal(await tokensIssuedTo(userId), 1);
  });

  it('given one SMS code, when 16 token requests carry its signature at once, then one token is issued', async () => {
    const userId = await createUser(svc, { account: 'sms-racer', password: 'sms-racer-pass', mobile: '13900000031' });
    const { code, smsCode } = await smsCodeFor('13900000031');
    const body = { appId, account: '13900000031', signature: sign('13900000031', md5(smsCode), code) };
    const answers = await Promise.all(Array.from({ length: 16 }, () => postToken(svc, body, from)));
    await assertOneSignedIn(answers);
    assert.equal(await tokensIssuedTo(userId), 1);
  });

  it('given a signature that signed in, when it is sent six times more, then each is refused and none is counted: a new signature still signs in', async () => {
    await createUser(svc, { account: 'replayer', password: 'replayer-pass' });
    const signed = async () => ({ appId, account: 'replayer', signature: sign('replayer', md5('replayer-pass'), await getCode(svc, 'replayer')) });
    const body = await signed();
    assert.equal((await postToken(svc, body, from)).body.code, 200);
    for (let i = 0; i < 6; i += 1) assert.equal((await postToken(svc, body, from)).body.code, 420);
    assert.equal(await failuresFrom(from['x-forwarded-for']!), 0);
    const again = await postToken(svc, await signed(), from);
    assert.equal(again.body.code, 200, again.text);
  });

  it('given one SMS code, when 8 bindings of a WeChat user to that new mobile use it at once, then one user is created and signed in', async () => {
    await cacheUnionId('union-sms-race');
    const { smsCode } = await smsCodeFor('13700000032');
    const answers = await Promise.all(Array.from({ length: 8 }, () => post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'union-sms-race', mobile: '13700000032', smsCode })));
    const won = answers.filter((a) => a.body.code === 200);
    assert.equal(won.length, 1, answers.map((a) => a.text).join('\n'));
    assert.ok(answers.every((a) => a.status !== 500));
    const userId = won[0]!.body.data.userInfo.id as string;
    assert.equal(await tokensIssuedTo(userId), 1);
    await svc.projector.catchUp();
    assert.deepEqual((await svc.db.knex('users').where({ mobile: '13700000032' }).select('id')).map((r) => r.id), [userId]);
  });

  it('given one unionid, when 8 new mobiles bind it at once, then one user holds it in the claims and the read model', async () => {
    await cacheUnionId('union-race');
    const mobiles = Array.from({ length: 8 }, (_, i) => `1360000004${i}`);
    const codes = await Promise.all(mobiles.map(smsCodeFor));
    const answers = await Promise.all(mobiles.map((mobile, i) => post('withWechatUnionId', { appId, weChatAppId: WX_APP, unionId: 'union-race', mobile, smsCode: codes[i]!.smsCode })));
    assert.ok(answers.every((a) => a.status !== 500), answers.map((a) => a.text).join('\n'));
    const claims = await svc.db.knex('unique_claims').where({ scope: 'wechat_unionid', value: 'union-race' }).select('stream_id');
    assert.equal(claims.length, 1);
    const holder = claims[0]!.stream_id.slice('user-'.length);
    const won = answers.filter((a) => a.body.code === 200);
    assert.deepEqual([...new Set(won.map((a) => a.body.data.userInfo.id))], [holder], answers.map((a) => a.text).join('\n'));
    await svc.projector.catchUp();
    assert.deepEqual((await svc.db.knex('users').where({ union_id: 'union-race' }).select('id')).map((r) => r.id), [holder]);
    const created = await svc.db.knex('users').whereIn('mobile', mobiles).select('id');
    assert.deepEqual(created.map((r) => r.id), [holder], 'the losers left no user behind');
  });
});
