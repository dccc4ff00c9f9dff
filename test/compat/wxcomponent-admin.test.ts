import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { md5Hex } from '../../src/secrets/digest';
import { signJwt } from '../../src/secrets/jwt';
import { TEST_ADMIN } from '../support/service';
import { FAKE_JPEG } from '../wxcomponent/fake-wechat';
import { COMPONENT, encryptedPush } from '../wxcomponent/push';
import { eventually, startWxHarness, type WxHarness } from '../wxcomponent/support';

/**
 * The wxcomponent admin front end (WeixinCloud/wxcloudrun-wxcomponent `client/src`, served under
 * `/wxcomponent`) against this service, page by page. Every request is built as the front end
 * builds it: GET and DELETE carry their data as `objToQueryString` writes it (every key, empty
 * ones too, a trailing `&`), POST and PUT as axios sends JSON, with `Authorization: Bearer <token>`
 * (`Bearer ` and nothing when signed out). Each spec asserts the fields the page reads.
 */

const MINI = 'wx3000000000000001';
const OFFICIAL = 'wx2000000000000002';
const HOST = '/wxcomponent';

type Data = Record<string, unknown>;
const objToQueryString = (data: Data) => Object.entries(data).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}&`).join('');

/** The business service a forwarding rule points at: answers every test with a fixed text, /down with 502. */
async function startTarget() {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/down') res.statusCode = 502;
      res.end(req.url === '/down' ? 'bad gateway' : 'received by target');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('the wxcomponent admin front end, page by page', function () {
  this.timeout(90_000);
  let h: WxHarness;
  let token = '';
  let ticketBeforePush: { code: number };
  let target: Awaited<ReturnType<typeof startTarget>>;

  /** `request()` of client/src/utils/axios.ts, with the token it keeps in localStorage. */
  const frontEnd = async (method: 'get' | 'post' | 'put' | 'delete', path: string, data?: Data, jwt = token) => {
    const headers = { authorization: `Bearer ${jwt}`, accept: 'application/json, text/plain, */*' };
    const url = `${HOST}${path}`;
    const res = method === 'get' || method === 'delete'
      ? await h.svc.request(method.toUpperCase(), `${url}?${data ? objToQueryString(data) : ''}`, { headers })
      : await h.svc.request(method.toUpperCase(), url, { headers, ...(data === undefined ? {} : { body: data }) });
    assert.equal(res.status, 200, `${method} ${path}: ${res.text}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(Object.keys(res.body).filter((k) => k !== 'data').sort(), ['code', 'errorMsg']);
    return res.body as { code: number; errorMsg: string; data: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const ok = async (...args: Parameters<typeof frontEnd>) => {
    const body = await frontEnd(...args);
    assert.equal(body.code, 0, `${args[0]} ${args[1]}: ${JSON.stringify(body)}`);
    assert.equal(body.errorMsg, 'OK');
    return body.data;
  };
  const lastCall = (api: string) => h.wechat.callsTo(api).at(-1)!;
  const startOfToday = () => Math.floor(new Date(new Date().setHours(0, 0, 0, 0)).getTime() / 1000);

  before(async () => {
    target = await startTarget();
    h = await startWxHarness('compat_wxadmin');
    const signedIn = await frontEnd('put', '/auth', { username: TEST_ADMIN.account, password: md5Hex(TEST_ADMIN.password) }, '');
    token = signedIn.data.jwt;
    ticketBeforePush = await frontEnd('get', '/admin/ticket');
    const t = Math.floor(Date.now() / 1000);
    await h.push('/wxcallback/component', encryptedPush({ AppId: COMPONENT.appId, CreateTime: t, InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'ticket@@@compat' }));
    for (const appid of [MINI, OFFICIAL]) {
      await h.push('/wxcallback/component', encryptedPush({ AppId: COMPONENT.appId, CreateTime: t, InfoType: 'authorized', AuthorizerAppid: appid, AuthorizationCode: `code@${appid}` }));
    }
    await eventually(async () => {
      await h.svc.projector.catchUp();
      const n = await h.svc.deps.knex('wx_authorizers').count<{ c: string }[]>('* as c');
      return Number(n[0]!.c) === 2 ? true : null;
    });
  });
  after(async () => {
    await h?.stop();
    await target?.close();
  });

  describe('登录 (login) and the session every page keeps', () => {
    it('PUT /auth with the MD5 of the password gives data.jwt; a wrong one answers 1006 (登录失败)', async () => {
      const signedIn = await frontEnd('put', '/auth', { username: TEST_ADMIN.account, password: md5Hex(TEST_ADMIN.password) }, '');
      assert.equal(signedIn.code, 0);
      assert.match(signedIn.data.jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.equal((await frontEnd('put', '/auth', { username: TEST_ADMIN.account, password: md5Hex('not it') }, '')).code, 1006);
    });

    it('GET /admin/refresh-auth? (checkLogin near expiry) gives a new data.jwt that opens the admin', async () => {
      const fresh = await ok('get', '/admin/refresh-auth');
      assert.equal((await frontEnd('get', '/admin/callback-config', undefined, fresh.jwt)).code, 0);
    });

    it('no token answers 1000 (访问未授权, the page stays); a bad one 1004 and an expired one 1003 (the page signs out)', async () => {
      assert.equal((await frontEnd('get', '/admin/ticket', undefined, '')).code, 1000);
      for (const header of [`bearer ${token}`, `Bearer  ${token}`, `Bearer ${token} x`, `Basic ${token}`, '']) {
        const res = await h.svc.request('GET', `${HOST}/admin/ticket`, { headers: header ? { authorization: header } : {} });
        assert.equal(res.body.code, 1000, `not "Bearer <token>" is no token: ${JSON.stringify(header)}`);
      }
      assert.equal((await frontEnd('get', '/admin/ticket', undefined, `${token.slice(0, -4)}AAAA`)).code, 1004);
      const iat = Math.floor(Date.now() / 1000) - 13 * 3600;
      const expired = await signJwt({ sub: 'x', iss: 'wxcomponent', iat, exp: iat + 12 * 3600 }, h.svc.config.jwtSecret);
      assert.equal((await frontEnd('get', '/admin/ticket', undefined, expired)).code, 1003);
    });
  });

  describe('第三方 Token (developTools/thirdToken)', () => {
    it('立即获取 ticket: 1007 (Ticket 为空) before WeChat pushed one, then data.ticket', async () => {
      assert.equal(ticketBeforePush.code, 1007);
      assert.deepEqual(await ok('get', '/admin/ticket'), { ticket: 'ticket@@@compat' });
    });

    it('立即获取 component_access_token: data.token', async () => {
      assert.match((await ok('get', '/admin/component-access-token')).token, /^ctoken-/);
    });
  });

  describe('消息与事件 (developTools/thirdMessage)', () => {
    it('the push settings box reads envId, service, textMode, componentPath and bizPath as text', async () => {
      const config = await ok('get', '/admin/callback-config');
      for (const key of ['envId', 'service', 'textMode', 'componentPath', 'bizPath']) assert.equal(typeof config[key], 'string', key);
      assert.equal(config.componentPath, '/wxcallback/component');
      assert.equal(config.bizPath, '/wxcallback/biz/$APPID$');
    });

    it('授权事件 tab: empty infoType, limit 15, today as a range → records with a date moment() reads, infoType, postBody; total', async () => {
      const data = await ok('get', '/admin/wx-component-records', { infoType: '', limit: 15, offset: 0, startTime: startOfToday(), endTime: startOfToday() + 86_399 });
      assert.equal(data.total, 3, 'the ticket and two authorizations');
      for (const r of data.records) {
        assert.ok(!Number.isNaN(Date.parse(r.receiveTime)), r.receiveTime);
        assert.equal(typeof r.infoType, 'string');
        assert.equal(typeof r.postBody, 'string');
      }
      const filtered = await ok('get', '/admin/wx-component-records', { infoType: 'authorized', limit: 15, offset: 0, startTime: startOfToday(), endTime: startOfToday() + 86_399 });
      assert.equal(filtered.total, 2);
    });

    it('普通消息与事件 tab: empty appid, event and msgType are no filter', async () => {
      const data = await ok('get', '/admin/wx-biz-records', { appid: '', event: '', msgType: '', limit: 15, offset: 0, startTime: startOfToday(), endTime: startOfToday() + 86_399 });
      assert.deepEqual(data, { records: [], total: 0 });
    });
  });

  describe('授权帐号管理 (authorizedAccountManage)', () => {
    it('普通授权帐号 tab: limit 15 and an empty appid list every account with the columns the table shows', async () => {
      const data = await ok('get', '/admin/authorizer-list', { offset: 0, limit: 15, appid: '' });
      assert.equal(data.total, 2);
      const byAppid = Object.fromEntries(data.records.map((r: Data) => [r.appid, r]));
      assert.equal(byAppid[MINI].appType, 0, '0 reads as 小程序');
      assert.equal(byAppid[OFFICIAL].appType, 1, '1 reads as 公众号');
      const row = byAppid[MINI];
      assert.equal(typeof row.id, 'number', 'the rowKey');
      assert.equal(row.userName, `gh_${MINI.slice(-12)}`, 'the original id the fake WeChat gives this account');
      assert.equal(row.nickName, `Nick of ${MINI}`);
      assert.equal(row.principalName, '个人');
      assert.ok(!Number.isNaN(Date.parse(row.authTime)));
      assert.equal(row.registerType, 0, '普通方式注册');
      assert.equal(row.accountStatus, 1, '正常');
      assert.deepEqual(row.basicConfig, { isPhoneConfigured: true, isEmailConfigured: false });
      assert.equal(row.verifyInfo, -1, '未认证');
      assert.equal(row.funcInfo, '|1|17');
      assert.ok(row.refreshToken.length > 0 && !row.refreshToken.includes('rtoken-'), '复制refresh_token copies a mask, never the token');
    });

    it('the appid search box narrows the list to that account; an unknown appid lists nothing', async () => {
      const one = await ok('get', '/admin/authorizer-list', { offset: 0, limit: 15, appid: OFFICIAL });
      assert.deepEqual(one.records.map((r: Data) => r.appid), [OFFICIAL]);
      assert.deepEqual(await ok('get', '/admin/authorizer-list', { offset: 0, limit: 15, appid: 'abc' }), { records: [], total: 0 });
    });

    it('生成 token: GET /admin/authorizer-access-token?appid= gives data.token', async () => {
      assert.match((await ok('get', '/admin/authorizer-access-token', { appid: MINI })).token, new RegExp(`^atoken-${MINI}`));
    });

    it('代开发小程序 tab: limit 15 and an empty appid → mini programs with releaseInfo, serviceStatus and funcInfo as numbers', async () => {
      const data = await ok('get', '/admin/dev-weapp-list', { offset: 0, limit: 15, appid: '' });
      assert.equal(data.total, 1);
      const [row] = data.records;
      assert.equal(row.appid, MINI);
      assert.equal(row.nickName, `Nick of ${MINI}`);
      assert.ok(row.releaseInfo, '已有上线版本');
      assert.equal(row.serviceStatus, 0, '主动暂停服务: the page offers 恢复服务');
      assert.ok(row.funcInfo.includes(17), 'the page offers 小程序码');
    });

    it('小程序码: GET /admin/qrcode gives releaseQrCode as Base64; 恢复服务: POST change-visit-status?appid= {action: open}', async () => {
      assert.equal((await ok('get', '/admin/qrcode', { appid: MINI })).releaseQrCode, FAKE_JPEG.toString('base64'));
      await ok('post', `/admin/change-visit-status?appid=${MINI}`, { action: 'open' });
      assert.deepEqual(lastCall('change_visitstatus').body, { action: 'open' });
    });
  });

  describe('版本管理 (authorizedAccountManage/miniProgramVersion)', () => {
    it('GET dev-versions reads auditInfo (auditId, status, reason, userVersion, submitAuditTime), releaseInfo and expInfo with QR codes', async () => {
      const data = await ok('get', '/admin/dev-versions', { appid: MINI });
      assert.deepEqual(data.auditInfo, { auditId: 99, status: 2, reason: '', screenShot: '', userVersion: '1.1.0', userDesc: 'trial', submitAuditTime: 1700000200 });
      assert.equal(data.releaseInfo.releaseVersion, '1.0.0');
      assert.equal(data.releaseInfo.releaseQrCode, FAKE_JPEG.toString('base64'));
      assert.equal(data.expInfo.expVersion, '1.1.0');
      assert.equal(data.expInfo.expQrCode, FAKE_JPEG.toString('base64'));
    });

    it('GET template-list?templateType=0 reads templateList[].templateId, userVersion, userDesc', async () => {
      const [tpl] = (await ok('get', '/admin/template-list', { templateType: 0 })).templateList;
      assert.deepEqual({ templateId: tpl.templateId, userVersion: tpl.userVersion, userDesc: tpl.userDesc }, { templateId: 7, userVersion: 'v1', userDesc: 'tpl' });
    });

    it('加急审核 POSTs ?appid= with no auditId and no body: the latest review is sped up', async () => {
      await ok('post', `/admin/speed-up-audit?appid=${MINI}`);
      assert.deepEqual(lastCall('speedupaudit').body, { auditid: 99 });
    });

    it('撤回审核, 提交发布 and 版本回退 POST ?appid= with no body', async () => {
      for (const [path, api] of [['revoke-audit', 'undocodeaudit'], ['release-code', 'release'], ['rollback-release-version', 'revertcoderelease']] as const) {
        const before = h.wechat.callsTo(api).length;
        await ok('post', `/admin/${path}?appid=${MINI}`);
        assert.equal(h.wechat.callsTo(api).length, before + 1, path);
      }
    });

    it('重新提交代码 POSTs ?appid= {templateId as text, extJson, userVersion, userDesc}', async () => {
      await ok('post', `/admin/commit-code?appid=${MINI}`, { templateId: '7', extJson: '{"extAppid":""}', userVersion: 'v2', userDesc: 'again' });
      assert.deepEqual(lastCall('commit').body, { template_id: '7', ext_json: '{"extAppid":""}', user_version: 'v2', user_desc: 'again' });
    });
  });

  describe('提交审核 (authorizedAccountManage/submitAudit)', () => {
    it('GET category?appid= reads categoryList[] with firstClass, secondClass and their ids', async () => {
      const [c] = (await ok('get', '/admin/category', { appid: MINI })).categoryList;
      assert.deepEqual(c, { firstClass: '工具', firstId: 1, secondClass: '效率', secondId: 2 });
    });

    it('uploads each picture as multipart `media` to upload-media?appid=&type=image and keeps data.mediaId', async () => {
      const form = new FormData();
      form.append('media', new Blob([FAKE_JPEG], { type: 'image/jpeg' }), 'shot.jpg');
      const res = await fetch(`${h.svc.url}${HOST}/admin/upload-media?appid=${MINI}&type=image`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { code: number; data: Data };
      assert.equal(body.code, 0, JSON.stringify(body));
      assert.equal(body.data.mediaId, 'MEDIA_1');
    });

    it('提交 POSTs ?appid= with appid in the body too, extra category rows carrying a local id: WeChat gets its own fields only, the page gets data.auditId', async () => {
      const category = { firstClass: '工具', firstId: 1, secondClass: '效率', secondId: 2 };
      const data = await ok('post', `/admin/submit-audit?appid=${MINI}`, {
        appid: MINI,
        itemList: [{ id: 0, firstClass: '工具', secondClass: '效率', thirdClass: '', firstId: 1, secondId: 2, thirdId: -1 }, category],
        previewInfo: { videoIdList: [], picIdList: ['MEDIA_1'] },
        versionDesc: 'first review',
        feedbackInfo: 'none',
        feedbackStuff: 'MEDIA_1',
        ugcDeclare: { scene: [0], method: [], hasAuditTeam: 0, auditDesc: '' },
      });
      assert.deepEqual(data, { auditId: 1234 });
      const sent = lastCall('submit_audit').body;
      assert.deepEqual(sent.item_list, [
        { first_class: '工具', second_class: '效率', third_class: '', first_id: 1, second_id: 2, third_id: -1 },
        { first_class: '工具', first_id: 1, second_class: '效率', second_id: 2 },
      ]);
      assert.equal(sent.appid, undefined);
      assert.deepEqual(sent.preview_info, { video_id_list: [], pic_id_list: ['MEDIA_1'] });
      assert.deepEqual(sent.ugc_declare, { scene: [0], method: [], has_audit_team: 0, audit_desc: '' });
    });
  });

  describe('消息转发 (forwardMessage)', () => {
    let authRuleId = 0;

    it('lists each tab with type=1|2, offset 0 and limit 999 (served as one page of at most 100)', async () => {
      for (const type of [1, 2]) assert.deepEqual(await ok('get', '/admin/callback-proxy-rule-list', { type, offset: 0, limit: 999 }), { rules: [], total: 0 });
    });

    it('添加规则 PUTs the form (path and port at the top too, port as text) with data {port, path} and open 1', async () => {
      await ok('put', '/admin/callback-proxy-rule', { name: 'tickets', infoType: 'component_verify_ticket', path: '/path/ticket', port: String(target.port), data: { port: target.port, path: '/path/ticket' }, open: 1 });
      await ok('put', '/admin/callback-proxy-rule', { name: 'audits', msgType: 'event', event: 'weapp_audit_success', path: '/down', port: String(target.port), data: { port: target.port, path: '/down' }, open: 1 });
      const { rules } = await ok('get', '/admin/callback-proxy-rule-list', { type: 1, offset: 0, limit: 999 });
      assert.equal(rules.length, 1);
      const [rule] = rules;
      authRuleId = rule.id;
      assert.equal(rule.name, 'tickets');
      assert.equal(rule.infoType, 'component_verify_ticket');
      assert.ok(rule.open, '已开启');
      assert.ok(!Number.isNaN(Date.parse(rule.updateTime)));
      assert.deepEqual(rule.data, { port: target.port, path: '/path/ticket' }, 'the expanded row shows 转发端口 and 目标路径');
      assert.equal((await ok('get', '/admin/callback-proxy-rule-list', { type: 2, offset: 0, limit: 999 })).total, 1);
    });

    it('a second rule for the same event answers 1001, which the page words as 该事件已存在转发规则', async () => {
      const again = await frontEnd('put', '/admin/callback-proxy-rule', { name: 'twice', infoType: 'component_verify_ticket', path: '/p', port: '1', data: { port: 1, path: '/p' }, open: 1 });
      assert.equal(again.code, 1001);
      assert.equal(again.errorMsg, '该事件已存在转发规则');
    });

    it('测试 an open rule: code 0 and data is the target\'s reply as text (the drawer prints it); a failing target answers 1010 with its text', async () => {
      assert.equal(await ok('post', '/admin/callback-test', { id: authRuleId }), 'received by target');
      const { rules } = await ok('get', '/admin/callback-proxy-rule-list', { type: 2, offset: 0, limit: 999 });
      const failing = await frontEnd('post', '/admin/callback-test', { id: rules[0].id });
      assert.equal(failing.code, 1010);
      assert.equal(typeof failing.data, 'string');
    });

    it('关闭 POSTs the listed row back whole with open 0; the list then shows it closed, and testing it answers 1008', async () => {
      const { rules } = await ok('get', '/admin/callback-proxy-rule-list', { type: 1, offset: 0, limit: 999 });
      await ok('post', '/admin/callback-proxy-rule', { ...rules[0], open: rules[0].open ? 0 : 1 });
      const after = (await ok('get', '/admin/callback-proxy-rule-list', { type: 1, offset: 0, limit: 999 })).rules[0];
      assert.ok(!after.open, '已关闭');
      assert.equal(after.name, 'tickets');
      assert.equal((await frontEnd('post', '/admin/callback-test', { id: authRuleId })).code, 1008);
    });

    it('a double click on 开启 (the same row posted twice at once) answers both and leaves one open rule', async () => {
      const [row] = (await ok('get', '/admin/callback-proxy-rule-list', { type: 1, offset: 0, limit: 999 })).rules;
      const answers = await Promise.all([1, 2].map(() => frontEnd('post', '/admin/callback-proxy-rule', { ...row, open: 1 })));
      assert.deepEqual(answers.map((a) => a.code), [0, 0]);
      const { rules, total } = await ok('get', '/admin/callback-proxy-rule-list', { type: 1, offset: 0, limit: 999 });
      assert.equal(total, 1);
      assert.ok(rules[0].open);
    });

    it('删除 DELETEs ?id=N&', async () => {
      await ok('delete', '/admin/callback-proxy-rule', { id: authRuleId });
      assert.equal((await ok('get', '/admin/callback-proxy-rule-list', { type: 1, offset: 0, limit: 999 })).total, 0);
    });
  });

  describe('paging as gin and gorm read it (every list page)', () => {
    const range = () => ({ startTime: startOfToday(), endTime: startOfToday() + 86_399 });

    it('offset below 0 is the first row, limit 0 or below is the largest page (gorm left out such an OFFSET or LIMIT), never 1001', async () => {
      const lists: [string, Data, string][] = [
        ['/admin/wx-component-records', { infoType: '', ...range() }, 'records'],
        ['/admin/wx-biz-records', { appid: '', event: '', msgType: '', ...range() }, 'records'],
        ['/admin/authorizer-list', { appid: '' }, 'records'],
        ['/admin/dev-weapp-list', { appid: '' }, 'records'],
        ['/admin/callback-proxy-rule-list', { type: 1 }, 'rules'],
      ];
      for (const [path, filters, rows] of lists) {
        const page = await ok('get', path, { ...filters, offset: 0, limit: 15 });
        for (const paging of [{ offset: -5, limit: 15 }, { offset: 0, limit: 0 }, { offset: -1, limit: -1 }]) {
          const lax = await ok('get', path, { ...filters, ...paging });
          assert.equal(lax.total, page.total, `${path} ${JSON.stringify(paging)}`);
          assert.deepEqual(lax[rows].length, page[rows].length, `${path} ${JSON.stringify(paging)}`);
        }
      }
    });

    it('a rule list type other than 1 or 2 lists every rule, as the original did; parameters it did not know are ignored', async () => {
      const [one, two, all] = await Promise.all([1, 2, 0].map((type) => ok('get', '/admin/callback-proxy-rule-list', { type, offset: 0, limit: 999 })));
      assert.equal(all.total, one.total + two.total);
      await ok('get', '/admin/wx-component-records', { infoType: '', offset: 0, limit: 15, _t: Date.now() });
    });

    it('a limit or offset that is not a number stays 1001, as gin answered it', async () => {
      assert.equal((await frontEnd('get', '/admin/authorizer-list', { offset: 0, limit: 'abc', appid: '' })).code, 1001);
      assert.equal((await frontEnd('get', '/admin/callback-proxy-rule-list', { type: 1, offset: 'x', limit: 15 })).code, 1001);
    });
  });

  describe('proxy 配置 (proxyConfig)', () => {
    it('reads data.open and data.port: 目前状态 关闭 (nothing is passed through here) and the saved port; 编辑 POSTs {open: false, port} and the page reads it back', async () => {
      const initial = await ok('get', '/admin/proxy');
      assert.equal(initial.open, false);
      assert.equal(typeof initial.port, 'number');
      await ok('post', '/admin/proxy', { open: false, port: 8082 });
      assert.deepEqual(await ok('get', '/admin/proxy'), { open: false, port: 8082, url: 'http://127.0.0.1:8082', forwarding: false });
    });

    it('开启 POSTs {open: true, port}: code 1002, whose data the page toasts (it says why), and nothing changes; the page still reads 关闭', async () => {
      await ok('post', '/admin/proxy', { open: false, port: 8090 });
      const refused = await frontEnd('post', '/admin/proxy', { open: true, port: 8091 });
      assert.equal(refused.code, 1002, 'the page shows data for 1002, and only then');
      assert.equal(typeof refused.data, 'string');
      assert.match(refused.data, /proxy/);
      assert.deepEqual(await ok('get', '/admin/proxy'), { open: false, port: 8090, url: 'http://127.0.0.1:8090', forwarding: false });
    });

    it('with a port saved, a path no route serves is still refused here, never passed to that local port', async () => {
      await ok('post', '/admin/proxy', { open: false, port: target.port });
      const res = await h.svc.request('GET', '/some/business/path');
      assert.notEqual(res.text, 'received by target');
    });

    it('two admins saving at the same moment: both answer, and the page then reads one of the two ports', async () => {
      const answers = await Promise.all([8101, 8102].map((port) => frontEnd('post', '/admin/proxy', { open: false, port })));
      assert.deepEqual(answers.map((a) => a.code), [0, 0]);
      const now = await ok('get', '/admin/proxy');
      assert.ok([8101, 8102].includes(now.port) && now.open === false, JSON.stringify(now));
    });

    it('a blank port field is sent as null (+"" is NaN) and read as 0, as the original read it; a port past 65535 is refused', async () => {
      await ok('post', '/admin/proxy', { open: false, port: null });
      assert.equal((await ok('get', '/admin/proxy')).port, 0);
      assert.equal((await frontEnd('post', '/admin/proxy', { open: false, port: 70000 })).code, 1001);
    });
  });

  describe('授权页管理 (authPageManage) and the public 授权页 (authPage)', () => {
    it('GET /authpage/componentinfo (signed out too) gives appid and redirectUrl; 开启 posts it back with the new redirectUrl, appid included', async () => {
      const info = (await frontEnd('get', '/authpage/componentinfo', undefined, '')).data;
      assert.equal(info.appid, COMPONENT.appId);
      assert.equal(info.redirectUrl, '');
      await ok('post', '/admin/componentinfo', { ...info, redirectUrl: 'https://shop.example.com/done' });
      assert.equal((await ok('get', '/authpage/componentinfo')).redirectUrl, 'https://shop.example.com/done');
      await ok('post', '/admin/componentinfo', { ...info, redirectUrl: '' });
      assert.equal((await ok('get', '/authpage/componentinfo')).redirectUrl, '', '删除');
    });

    it('the authorization page asks for data.preAuthCode signed out', async () => {
      const res = await frontEnd('get', '/authpage/preauthcode', undefined, '');
      assert.equal(res.code, 0, JSON.stringify(res));
      assert.match(res.data.preAuthCode, /^preauthcode@@@/);
    });
  });

  describe('Secret与密码管理 (passwordManage)', () => {
    it('shows data.secret: empty until one is set, then a mask with none of its characters; 修改 posts {secret}', async () => {
      assert.equal((await ok('get', '/admin/secret')).secret, '');
      await ok('post', '/admin/secret', { secret: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' });
      const shown = (await ok('get', '/admin/secret')).secret;
      assert.ok(shown.length > 0, 'the page shows that a secret is set');
      assert.ok(!/[a-f0-9]/.test(shown), shown);
    });

    it('修改帐号 posts {username}; 修改密码 posts {password, oldPassword} as MD5; signing in then takes the new pair', async () => {
      await ok('post', '/admin/username', { username: 'compat-admin' });
      await ok('post', '/admin/userpwd', { password: md5Hex('newpass1'), oldPassword: md5Hex(TEST_ADMIN.password) });
      const signedIn = await frontEnd('put', '/auth', { username: 'compat-admin', password: md5Hex('newpass1') }, '');
      assert.equal(signedIn.code, 0, JSON.stringify(signedIn));
    });
  });
});
