import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { callbackKey, encryptCallback, callbackSignature } from '../../src/wechat/crypto';
import { wxcomponentProjection } from '../../src/projections/wxcomponent/records';
import { rebuildProjection } from '../../src/projections/rebuild';
import { receiveBizCallback } from '../../src/commands/wxcomponent/receive';
import { systemMetadata } from '../../src/commands/system-metadata';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { COMPONENT, encryptedPush } from './push';
import { eventually, startWxHarness, type WxHarness } from './support';

const AUTHORIZER = 'wx5fe6bb43205e9e70';
const now = () => Math.floor(Date.now() / 1000);

describe('wxcomponent callbacks, end to end (encrypted as WeChat sends them)', function () {
  this.timeout(60_000);
  let h: WxHarness;
  let jwt: string;
  before(async () => {
    h = await startWxHarness('wx_callbacks');
    jwt = await h.login();
  });
  after(async () => {
    await h?.stop();
  });

  const records = async (path: string) => {
    await h.svc.projector.catchUp();
    const res = await h.get(path, jwt);
    assert.equal(res.body.code, 0, res.text);
    return res.body.data as { records: Array<Record<string, unknown>>; total: number };
  };
  const ticketPush = (ticket: string, createTime: number) =>
    encryptedPush({ AppId: COMPONENT.appId, CreateTime: createTime, InfoType: 'component_verify_ticket', ComponentVerifyTicket: ticket });
  const authPush = (infoType: string, code: string, createTime: number) =>
    encryptedPush({
      AppId: COMPONENT.appId,
      CreateTime: createTime,
      InfoType: infoType,
      AuthorizerAppid: AUTHORIZER,
      AuthorizationCode: code,
      AuthorizationCodeExpiredTime: createTime + 3600,
      PreAuthCode: 'preauthcode@@@x',
    });

  // Each spec sets up what it needs, so any one runs alone (mocha --grep): a ticket, an authorized account.
  const givenTicket = async () => {
    if ((await h.get('/admin/ticket', jwt)).body.code === 1007) await h.push('/wxcallback/component', ticketPush('ticket@@@given', now() - 50));
  };
  const givenAuthorized = async () => {
    await givenTicket();
    if (!(await records('/admin/authorizer-list')).records.some((r) => r.appid === AUTHORIZER)) {
      // Not the authorized spec's CreateTime (now() - 20): in the same second, this push would be
      // that one's retry, recorded once and never exchanged.
      await h.push('/wxcallback/component', authPush('authorized', `queryauthcode@${AUTHORIZER}@given`, now()));
    }
    // Other specs may authorize accounts of their own: wait for this one, not for a count.
    await eventually(async () => (await records('/admin/authorizer-list')).records.some((r) => r.appid === AUTHORIZER) && (await h.svc.deps.redis.exists(`wx:authorizer-token:${AUTHORIZER}`)) === 1);
  };

  it('answers 1007 for the ticket before WeChat pushed one', async () => {
    const res = await h.get('/admin/ticket', jwt);
    assert.equal(res.status, 200);
    assert.equal(res.body.code, 1007);
  });

  it('component_verify_ticket: answers success, records the push once even when WeChat retries it 3× at the same moment, keeps the ticket', async () => {
    const before = await h.eventCount();
    const push = ticketPush('ticket@@@first', now() - 60);
    const answers = await Promise.all([1, 2, 3].map(() => h.push('/wxcallback/component', push)));
    for (const a of answers) assert.equal(a.text, 'success');
    assert.equal(await h.eventCount(), before + 1);
    const { records: rows, total } = await records('/admin/wx-component-records?infoType=component_verify_ticket');
    assert.equal(total, 1);
    assert.equal(rows[0]!.infoType, 'component_verify_ticket');
    assert.match(String(rows[0]!.receiveTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const body = JSON.parse(String(rows[0]!.postBody));
    assert.equal(body.AppId, COMPONENT.appId);
    assert.equal(body.ComponentVerifyTicket, '[sealed]', 'the ticket itself is not stored in the clear');
    const stored = await h.svc.db.knex('events').where({ type: 'WxComponentCallbackReceived' }).first();
    assert.ok(!JSON.stringify(stored.data).includes('ticket@@@first'));
    assert.equal((await h.get('/admin/ticket', jwt)).body.data.ticket, 'ticket@@@first');
  });

  it('keeps the newest ticket: a newer push replaces it, a late retry of an older one does not', async () => {
    await h.push('/wxcallback/component', ticketPush('ticket@@@second', now() - 30));
    await h.push('/wxcallback/component', ticketPush('ticket@@@older', now() - 600));
    assert.equal((await h.get('/wxcomponent/admin/ticket', jwt)).body.data.ticket, 'ticket@@@second');
  });

  it('component-access-token is fetched with the ticket and secret, then served from the cache', async () => {
    await givenTicket();
    const ticket = (await h.get('/admin/ticket', jwt)).body.data.ticket as string;
    const first = await h.get('/admin/component-access-token', jwt);
    assert.equal(first.body.code, 0, first.text);
    const calls = h.wechat.callsTo('api_component_token');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.body.component_verify_ticket, ticket);
    assert.equal(calls[0]!.body.component_appsecret, COMPONENT.secret);
    const again = await Promise.all([1, 2, 3].map(() => h.get('/admin/component-access-token', jwt)));
    for (const a of again) assert.equal(a.body.data.token, first.body.data.token);
    assert.equal(h.wechat.callsTo('api_component_token').length, 1);
  });

  it('authorized: exchanges the code with api_query_auth (carrying component_access_token), fetches the account, lists it', async () => {
    await givenTicket();
    const res = await h.push('/wxcallback/component', authPush('authorized', `queryauthcode@${AUTHORIZER}@1`, now() - 20));
    assert.equal(res.text, 'success');
    const list = await eventually(async () => {
      const l = await records('/admin/authorizer-list?offset=0&count=10');
      return l.total === 1 ? l : null;
    });
    const a = list.records[0]!;
    assert.equal(a.appid, AUTHORIZER);
    assert.equal(a.nickName, `Nick of ${AUTHORIZER}`);
    assert.equal(a.userName, 'gh_68a928e5d67e');
    assert.equal(a.funcInfo, '|1|17');
    assert.ok(!String(a.refreshToken).includes('rtoken-'), 'refresh tokens are never listed');
    for (const c of [...h.wechat.callsTo('api_query_auth'), ...h.wechat.callsTo('api_get_authorizer_info')]) {
      assert.match(c.query.component_access_token ?? '', /^ctoken-/);
    }
    assert.equal(h.wechat.callsTo('api_query_auth')[0]!.body.authorization_code, `queryauthcode@${AUTHORIZER}@1`);
    const token = await h.get(`/admin/authorizer-access-token?appid=${AUTHORIZER}`, jwt);
    assert.match(token.body.data.token, new RegExp(`^atoken-${AUTHORIZER}-`));
    assert.equal(h.wechat.callsTo('api_authorizer_token').length, 0, 'the exchange gave a token; no refresh needed');
    const limitPaging = await h.get('/wxcomponent/admin/authorizer-list?offset=0&limit=20', jwt);
    assert.equal(limitPaging.body.data.total, 1);
    const clamped = await h.get('/admin/authorizer-list?limit=999', jwt);
    assert.equal(clamped.body.code, 0, 'a larger page is served at the largest size, not refused');
    assert.equal(clamped.body.data.total, 1);
  });

  it('updateauthorized: the cached token of that account is replaced by the new exchange at once', async () => {
    await givenAuthorized();
    const old = (await h.get(`/admin/authorizer-access-token?appid=${AUTHORIZER}`, jwt)).body.data.token as string;
    const exchanges = h.wechat.callsTo('api_query_auth').length;
    await h.push('/wxcallback/component', authPush('updateauthorized', `queryauthcode@${AUTHORIZER}@2`, now() - 10));
    await eventually(async () => h.wechat.callsTo('api_query_auth').length > exchanges && (await h.svc.deps.redis.exists(`wx:authorizer-token:${AUTHORIZER}`)) === 1);
    const fresh = (await h.get(`/admin/authorizer-access-token?appid=${AUTHORIZER}`, jwt)).body.data.token as string;
    assert.notEqual(fresh, old);
    const refreshes = h.wechat.callsTo('api_authorizer_token').length;
    assert.equal(refreshes, 0);
  });

  it('unauthorized: the account leaves the list, its history stays, its token is gone', async () => {
    await givenAuthorized();
    const res = await h.push('/wxcallback/component', encryptedPush({ AppId: COMPONENT.appId, CreateTime: now() - 5, InfoType: 'unauthorized', AuthorizerAppid: AUTHORIZER }));
    assert.equal(res.text, 'success');
    const list = await records('/admin/authorizer-list');
    assert.equal(list.total, 0);
    const history = await records('/admin/wx-component-records');
    const types = history.records.map((r) => r.infoType);
    assert.equal(types[0], 'unauthorized', 'newest first');
    assert.ok(types.indexOf('authorized') > 0, 'the authorization it ended is still recorded');
    const token = await h.get(`/admin/authorizer-access-token?appid=${AUTHORIZER}`, jwt);
    assert.notEqual(token.body.code, 0);
  });

  it('records any other InfoType as it came', async () => {
    await h.push('/wxcallback/component', encryptedPush({ AppId: COMPONENT.appId, CreateTime: now(), InfoType: 'notify_third_fasteregister', appid: 'wx0123456789abcdef', status: 0, msg: 'OK' }));
    const { records: rows } = await records('/admin/wx-component-records?infoType=notify_third_fasteregister');
    assert.equal(rows.length, 1);
    assert.equal(JSON.parse(String(rows[0]!.postBody)).msg, 'OK');
  });

  it('biz messages and events: recorded per authorizer, filtered by appid, msgType, event and time, retries recorded once', async () => {
    const t = now() - 100;
    const text = encryptedPush({ ToUserName: 'gh_68a928e5d67e', FromUserName: 'oKRJjxBf2p', CreateTime: t, MsgType: 'text', Content: 'hello', MsgId: '23481741227921606' });
    const retry = encryptedPush({ ToUserName: 'gh_68a928e5d67e', FromUserName: 'oKRJjxBf2p', CreateTime: t, MsgType: 'text', Content: 'hello', MsgId: '23481741227921606' });
    const subscribe = encryptedPush({ ToUserName: 'gh_68a928e5d67e', FromUserName: 'oKRJjxBf2p', CreateTime: t + 1, MsgType: 'event', Event: 'subscribe' });
    const before = await h.eventCount();
    const answers = await Promise.all([text, retry, text, subscribe, subscribe, subscribe].map((p) => h.push(`/wxcallback/biz/${AUTHORIZER}`, p)));
    for (const a of answers) assert.equal(a.text, 'success');
    assert.equal(await h.eventCount(), before + 2);
    await h.push('/wxcallback/biz/wx0000000000000001', encryptedPush({ ToUserName: 'gh_x', FromUserName: 'o2', CreateTime: t, MsgType: 'image', PicUrl: 'http://p', MsgId: '1' }));

    const all = await records(`/admin/wx-biz-records?startTime=${t - 10}&endTime=${now()}&offset=0&limit=10`);
    assert.equal(all.total, 3);
    const mine = await records(`/admin/wx-biz-records?appid=${AUTHORIZER}`);
    assert.equal(mine.total, 2);
    assert.equal(mine.records[0]!.msgType, 'event', 'newest received first');
    const events = await records(`/wxcomponent/admin/wx-biz-records?msgType=event&event=subscribe`);
    assert.equal(events.total, 1);
    assert.equal(events.records[0]!.toUserName, 'gh_68a928e5d67e');
    assert.equal(JSON.parse(String(mine.records[1]!.postBody)).Content, 'hello');
    const old = await records(`/admin/wx-biz-records?startTime=1000&endTime=2000`);
    assert.equal(old.total, 0);
    const unknownFilter = (await h.get('/admin/wx-biz-records?colour=red', jwt)).body;
    assert.deepEqual([unknownFilter.code, unknownFilter.data.total], [0, (await records('/admin/wx-biz-records')).total], 'a parameter gin did not know is ignored, as gin did');
    assert.equal((await h.get('/admin/wx-biz-records?startTime=20&endTime=10', jwt)).body.code, 1001);
  });

  it('a retry lands once across processes: whichever process recorded the push, a retry to the other answers success and records nothing', async () => {
    // A second API process: its own event store (and its own memory of pushes) on the same database.
    const other = new PostgresEventStore(h.svc.deps.knex);
    const otherDeps = { ...h.svc.deps, store: other };
    const push = (msgId: string) => encryptedPush({ ToUserName: 'gh_68a928e5d67e', FromUserName: 'oKRJjxBf2p', CreateTime: now(), MsgType: 'text', Content: msgId, MsgId: msgId });
    const receiveElsewhere = (p: ReturnType<typeof push>) => {
      const query = Object.fromEntries(new URLSearchParams(p.query.slice(1)));
      return receiveBizCallback(otherDeps, AUTHORIZER, query, p.body, systemMetadata('test'));
    };
    try {
      const before = await h.eventCount();
      const first = push('31000000000000001');
      assert.equal((await h.push(`/wxcallback/biz/${AUTHORIZER}`, first)).text, 'success');
      assert.equal((await receiveElsewhere(first)).duplicate, true);

      const second = push('31000000000000002');
      assert.equal((await receiveElsewhere(second)).duplicate, false);
      const retries = await Promise.all([1, 2, 3].map(() => h.push(`/wxcallback/biz/${AUTHORIZER}`, second)));
      for (const a of retries) assert.equal(a.text, 'success');
      assert.equal((await receiveElsewhere(second)).duplicate, true);
      assert.equal(await h.eventCount(), before + 2);
    } finally {
      await other.close();
    }
  });

  it('binds the URL to the message: a push for one account posted to another\'s URL is refused and records nothing', async () => {
    const other = 'wx4000000000000002';
    const t = now() - 3;
    await h.push('/wxcallback/component', encryptedPush({ AppId: COMPONENT.appId, CreateTime: t, InfoType: 'authorized', AuthorizerAppid: other, AuthorizationCode: `queryauthcode@${other}@1` }));
    await eventually(async () => (await records('/admin/authorizer-list')).records.some((r) => r.appid === other));
    const forA = (msgId: string, to = 'gh_68a928e5d67e') => encryptedPush({ ToUserName: to, FromUserName: 'oKRJjxBf2p', CreateTime: now(), MsgType: 'text', Content: 'for A', MsgId: msgId });
    const before = await h.eventCount();
    for (const [path, push] of [
      [`/wxcallback/biz/${other}`, forA('41000000000000001')],
      [`/wxcomponent/wxcallback/biz/${other}`, forA('41000000000000002')],
      [`/wxcallback/biz/${AUTHORIZER}`, forA('41000000000000003', 'gh_000000000002')],
      [`/wxcallback/biz/${AUTHORIZER}`, forA('41000000000000004', 'gh_nobodyknows')],
    ] as const) {
      const res = await h.push(path, push);
      assert.equal(res.status, 200);
      assert.notEqual(res.text, 'success', path);
      assert.notEqual(res.body.code, 0);
    }
    assert.equal(await h.eventCount(), before, 'a refused push records nothing');
    const rightful = forA('41000000000000005');
    assert.equal((await h.push(`/wxcallback/biz/${AUTHORIZER}`, rightful)).text, 'success');
    const stored = await h.svc.db.knex('events').where({ type: 'WxBizCallbackReceived' }).whereRaw("data->>'msgId' = '41000000000000005'");
    assert.deepEqual(stored.map((e) => e.data.appid), [AUTHORIZER]);
    const forB = encryptedPush({ ToUserName: 'gh_000000000002', FromUserName: 'oB', CreateTime: now(), MsgType: 'event', Event: 'subscribe' });
    assert.equal((await h.push(`/wxcallback/biz/${other}`, forB)).text, 'success');
  });

  describe('refusals record nothing', () => {
    const key = callbackKey(COMPONENT.encodingAesKey);
    const sign = (encrypt: string, timestamp = String(now()), nonce = '42') =>
      `?timestamp=${timestamp}&nonce=${nonce}&msg_signature=${callbackSignature(COMPONENT.token, timestamp, nonce, encrypt)}`;
    const wrap = (encrypt: string) => `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    const valid = '<xml><ToUserName>gh_a</ToUserName><FromUserName>o1</FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><MsgId>9</MsgId></xml>';
    const rawCipher = (plain: Buffer) => {
      // Raw AES-256-CBC with no padding logic, to build a block whose padding byte is wrong.
      const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
      c.setAutoPadding(false);
      return Buffer.concat([c.update(plain), c.final()]).toString('base64');
    };

    const cases: Array<[string, () => { query: string; body: string }]> = [
      ['a forged signature', () => ({ ...encryptedPush({ AppId: COMPONENT.appId, CreateTime: now(), InfoType: 'x' }, { token: 'not-the-token' }) })],
      ['a wrong appid inside the ciphertext', () => encryptedPush({ AppId: COMPONENT.appId, CreateTime: now(), InfoType: 'x' }, { appId: 'wx9999999999999999' })],
      ['bad padding', () => {
        const block = Buffer.alloc(64, 7);
        block[63] = 0;
        const e = rawCipher(block);
        return { query: sign(e), body: wrap(e) };
      }],
      ['malformed outer XML', () => ({ query: sign('abc'), body: '<xml><Encrypt>abc</Encrypt>' })],
      ['an XXE attempt', () => ({ query: sign('abc'), body: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>' })],
      ['malformed XML inside the ciphertext', () => {
        const e = encryptCallback(key, '<xml><MsgType>text</xml>', COMPONENT.appId);
        return { query: sign(e), body: wrap(e) };
      }],
      ['a message without its required fields', () => {
        const e = encryptCallback(key, '<xml><Content>x</Content></xml>', COMPONENT.appId);
        return { query: sign(e), body: wrap(e) };
      }],
      ['a missing msg_signature', () => {
        const e = encryptCallback(key, valid, COMPONENT.appId);
        return { query: `?timestamp=1&nonce=2`, body: wrap(e) };
      }],
    ];
    for (const [name, build] of cases) {
      it(`refuses ${name}`, async () => {
        const before = await h.eventCount();
        const p = build();
        for (const path of ['/wxcallback/component', `/wxcallback/biz/${AUTHORIZER}`]) {
          const res = await h.push(path, p);
          assert.equal(res.status, 200);
          assert.notEqual(res.text, 'success');
          assert.notEqual(res.body.code, 0);
          assert.ok(!/stack|at \w+ \(/.test(res.text));
        }
        assert.equal(await h.eventCount(), before);
      });
    }

    it('refuses a body that is not XML by media type, and an oversized one', async () => {
      const before = await h.eventCount();
      const json = await h.svc.request('POST', `/wxcallback/component${sign('abc')}`, { body: { Encrypt: 'abc' } });
      assert.equal(json.body.code, 1001);
      const huge = await h.svc.request('POST', `/wxcallback/component${sign('abc')}`, { rawBody: `<xml><Encrypt>${'A'.repeat(200_000)}</Encrypt></xml>`, headers: { 'content-type': 'text/xml' } });
      assert.notEqual(huge.body.code, 0);
      assert.equal(await h.eventCount(), before);
    });
  });

  it('the authorization page helpers: component info, a pre-auth code from api_create_preauthcode, the link', async () => {
    await givenTicket();
    const headers = { authorization: `Bearer ${jwt}` };
    await h.svc.request('POST', '/admin/componentinfo', { headers, body: { name: 'My platform', desc: 'd', redirectUrl: 'https://example.com/back' } });
    const info = await h.svc.request('GET', '/wxcomponent/authpage/componentinfo');
    assert.deepEqual(info.body.data, { name: 'My platform', desc: 'd', redirectUrl: 'https://example.com/back', appid: COMPONENT.appId });
    const code = await h.svc.request('GET', '/wxcomponent/authpage/preauthcode');
    assert.match(code.body.data.preAuthCode, /^preauthcode@@@/);
    assert.match(h.wechat.callsTo('api_create_preauthcode').at(-1)!.query.component_access_token ?? '', /^ctoken-/);
    const link = await h.svc.request('GET', '/wxcomponent/authpage/authlink');
    const url = new URL(link.body.data.url);
    assert.equal(url.origin + url.pathname, 'https://mp.weixin.qq.com/cgi-bin/componentloginpage');
    assert.equal(url.searchParams.get('component_appid'), COMPONENT.appId);
    assert.equal(url.searchParams.get('auth_type'), '6');
    assert.equal(url.searchParams.get('redirect_uri'), 'https://example.com/back');
  });

  it('the read model rebuilt from zero equals the one built as the pushes arrived', async () => {
    await givenAuthorized();
    await h.svc.projector.catchUp();
    const report = await rebuildProjection({ store: h.svc.deps.store, knex: h.svc.deps.knex, projection: wxcomponentProjection, swap: false });
    assert.ok(report.tables.some((t) => t.live.rows > 0));
    assert.equal(report.equal, true);
  });
});
