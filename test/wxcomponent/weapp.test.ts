import assert from 'node:assert/strict';
import { COMPONENT, encryptedPush } from './push';
import { FAKE_JPEG } from './fake-wechat';
import { eventually, startWxHarness, type WxHarness } from './support';

const MINI = 'wx3333333333333333';

describe('wxcomponent mini-program management (the 14 /wxa wrappers)', function () {
  this.timeout(60_000);
  let h: WxHarness;
  let jwt: string;
  const call = (method: string, path: string, body?: unknown) => h.svc.request(method, path, { body, headers: { authorization: `Bearer ${jwt}` } });
  const last = (api: string) => h.wechat.callsTo(api).at(-1)!;

  before(async () => {
    h = await startWxHarness('wx_weapp');
    jwt = await h.login();
    const t = Math.floor(Date.now() / 1000);
    await h.push('/wxcallback/component', encryptedPush({ AppId: COMPONENT.appId, CreateTime: t, InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'ticket@@@w' }));
    await h.push('/wxcallback/component', encryptedPush({ AppId: COMPONENT.appId, CreateTime: t, InfoType: 'authorized', AuthorizerAppid: MINI, AuthorizationCode: `code@${MINI}` }));
    await eventually(async () => {
      await h.svc.projector.catchUp();
      return (await h.svc.deps.knex('wx_authorizers').where({ appid: MINI }).first()) ?? null;
    });
  });
  after(async () => {
    await h?.stop();
  });

  it('dev-weapp-list lists authorised mini programs with service status and versions', async () => {
    const res = await call('GET', '/wxcomponent/admin/dev-weapp-list?offset=0&limit=10');
    assert.equal(res.body.code, 0, res.text);
    assert.equal(res.body.data.total, 1);
    const r = res.body.data.records[0];
    assert.equal(r.appid, MINI);
    assert.deepEqual(r.funcInfo, [1, 17]);
    assert.equal(r.serviceStatus, 0);
    assert.equal(r.releaseInfo.releaseVersion, '1.0.0');
    assert.equal(r.expInfo.expVersion, '1.1.0');
    assert.match(last('getversioninfo').query.access_token ?? '', new RegExp(`^atoken-${MINI}`));
  });

  it('commit-code, submit-audit, speed-up-audit, revoke-audit, release-code, rollback, change-visit-status reach WeChat in its own field names with the authorizer token', async () => {
    const commit = await call('POST', `/admin/commit-code?appid=${MINI}`, { templateId: '7', extJson: '{}', userVersion: 'v1', userDesc: 'd' });
    assert.equal(commit.body.code, 0, commit.text);
    assert.deepEqual(last('commit').body, { template_id: '7', ext_json: '{}', user_version: 'v1', user_desc: 'd' });
    const audit = await call('POST', `/admin/submit-audit?appid=${MINI}`, { itemList: [{ address: 'pages/index/index', firstClass: '工具', firstId: 1 }], versionDesc: 'first' });
    assert.deepEqual(audit.body.data, { auditId: 1234 });
    assert.deepEqual(last('submit_audit').body.item_list, [{ address: 'pages/index/index', first_class: '工具', first_id: 1 }]);
    assert.equal((await call('POST', `/admin/speed-up-audit?appid=${MINI}&auditId=1234`)).body.code, 0);
    assert.equal(last('speedupaudit').body.auditid, 1234);
    for (const [path, api] of [['revoke-audit', 'undocodeaudit'], ['release-code', 'release'], ['rollback-release-version', 'revertcoderelease']] as const) {
      const res = await call('POST', `/admin/${path}?appid=${MINI}`);
      assert.equal(res.body.code, 0, `${path}: ${res.text}`);
      assert.match(last(api).query.access_token ?? '', /^atoken-/);
    }
    assert.equal((await call('POST', `/admin/change-visit-status?appid=${MINI}`, { action: 'close' })).body.code, 0);
    assert.equal((await call('POST', `/admin/change-visit-status?appid=${MINI}`, { action: 'explode' })).body.code, 1001);
  });

  it('dev-versions, template-list, page-list, category and qrcode answer in camelCase, images as Base64', async () => {
    const versions = (await call('GET', `/admin/dev-versions?appid=${MINI}`)).body.data;
    assert.equal(versions.auditInfo.auditId, 99);
    assert.equal(versions.expInfo.expQrCode, FAKE_JPEG.toString('base64'));
    assert.equal(versions.releaseInfo.releaseQrCode, FAKE_JPEG.toString('base64'));
    const templates = await call('GET', '/admin/template-list?templateType=0');
    assert.equal(templates.body.data.templateList[0].templateId, 7);
    assert.match(last('gettemplatelist').query.access_token ?? '', /^ctoken-/, 'templates use the component token');
    assert.deepEqual((await call('GET', `/admin/page-list?appid=${MINI}`)).body.data, { pageList: ['pages/index/index'] });
    assert.equal((await call('GET', `/admin/category?appid=${MINI}`)).body.data.categoryList[0].firstClass, '工具');
    assert.equal((await call('GET', `/admin/qrcode?appid=${MINI}`)).body.data.releaseQrCode, FAKE_JPEG.toString('base64'));
  });

  it('upload-media passes the multipart file on', async () => {
    const form = new FormData();
    form.append('media', new Blob([Buffer.from([0, 1, 2, 255])], { type: 'image/png' }), 'a.png');
    const res = await fetch(`${h.svc.url}/admin/upload-media?appid=${MINI}&type=image`, { method: 'POST', body: form, headers: { authorization: `Bearer ${jwt}` } });
    const body = (await res.json()) as { code: number; data: Record<string, unknown> };
    assert.equal(body.code, 0, JSON.stringify(body));
    assert.deepEqual(body.data, { type: 'image', mediaId: 'MEDIA_1', createdAt: 1700000300 });
  });

  it('refuses an account that is not an authorizer, and passes WeChat refusals on as 1002', async () => {
    const stranger = await call('GET', '/admin/page-list?appid=wx9999999999999999');
    assert.notEqual(stranger.body.code, 0);
    const refused = await call('POST', `/admin/submit-audit?appid=${MINI}`, { versionDesc: 'no items' });
    assert.equal(refused.body.code, 1002);
    assert.match(refused.body.errorMsg, /85009/);
    assert.equal((await call('GET', '/admin/page-list')).body.code, 1001, 'appid is required');
  });

  it('pull-authorizer-list pages api_get_authorizer_list 100 at a time in the background and lists every account', async () => {
    h.wechat.listed = 230;
    const res = await call('POST', '/wxcomponent/admin/pull-authorizer-list');
    assert.equal(res.body.code, 0, res.text);
    const again = await call('POST', '/admin/pull-authorizer-list');
    assert.equal(again.body.data.jobId, res.body.data.jobId, 'asking twice queues one pull');
    const list = await eventually(async () => {
      await h.svc.projector.catchUp();
      const l = await call('GET', '/admin/authorizer-list?count=100');
      return l.body.data.total === 231 ? l.body.data : null;
    }, 30_000);
    assert.equal(list.records.length, 100);
    const pages = h.wechat.callsTo('api_get_authorizer_list');
    assert.deepEqual(pages.map((p) => [p.body.offset, p.body.count]), [[0, 100], [100, 100], [200, 100]]);
    for (const p of pages) assert.match(p.query.component_access_token ?? '', /^ctoken-/);
    const events = await h.svc.db.knex('events').where({ type: 'AuthorizerAuthorized' }).select('data');
    assert.ok(!JSON.stringify(events).includes('rtoken-listed-'), 'listed refresh tokens are sealed');
  });
});
