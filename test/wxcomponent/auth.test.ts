import assert from 'node:assert/strict';
import { md5Hex } from '../../src/secrets/digest';
import { verifyJwt } from '../../src/secrets/jwt';
import { signJwt } from '../../src/secrets/jwt';
import { registerUser } from '../../src/commands/identity/handler';
import { testMetadata } from '../support/events';
import { TEST_ADMIN } from '../support/service';
import { startWxHarness, type WxHarness } from './support';

describe('wxcomponent admin sign-in, tokens and settings', function () {
  this.timeout(60_000);
  let h: WxHarness;
  before(async () => {
    h = await startWxHarness('wx_auth');
  });
  after(async () => {
    await h?.stop();
  });
  // Each spec starts with this address's sign-in failures forgotten, whatever ran before it.
  beforeEach(async () => {
    await h.svc.deps.redis.del('wx:login-failures:127.0.0.1');
  });

  it('signs in on both path families with the password as MD5 hex and answers a 12-hour HS256 jwt of issuer wxcomponent', async () => {
    for (const [method, path] of [['POST', '/auth'], ['PUT', '/auth'], ['PUT', '/wxcomponent/auth']] as const) {
      const res = await h.svc.request(method, path, { body: { username: TEST_ADMIN.account, password: md5Hex(TEST_ADMIN.password) } });
      assert.equal(res.status, 200);
      assert.equal(res.body.code, 0, res.text);
      assert.equal(res.body.errorMsg, 'OK');
      const claims = verifyJwt(res.body.data.jwt, h.svc.config.jwtSecret, { issuer: 'wxcomponent' });
      assert.equal(claims.exp - claims.iat, 12 * 3600);
      assert.equal(JSON.parse(Buffer.from(res.body.data.jwt.split('.')[0], 'base64url').toString()).alg, 'HS256');
    }
  });

  it('opens /admin and /wxcomponent/admin with the jwt, and refuses without one (1000), with a tampered one (1004) or an expired one (1003)', async () => {
    const jwt = await h.login();
    assert.equal((await h.get('/admin/callback-config', jwt)).body.code, 0);
    const original = await h.get('/wxcomponent/admin/callback-config', jwt);
    assert.equal(original.body.code, 0);
    assert.equal(original.body.data.bizPath, '/wxcallback/biz/$APPID$');
    assert.equal((await h.svc.request('GET', '/admin/callback-config')).body.code, 1000);
    assert.equal((await h.get('/admin/callback-config', `${jwt.slice(0, -3)}abc`)).body.code, 1004);
    const iat = Math.floor(Date.now() / 1000) - 13 * 3600;
    const expired = await signJwt({ sub: 'x', iss: 'wxcomponent', iat, exp: iat + 12 * 3600 }, h.svc.config.jwtSecret);
    const res = await h.get('/admin/callback-config', expired);
    assert.equal(res.status, 200);
    assert.equal(res.body.code, 1003);
  });

  it('refuses a wrong password with 1006 and an unknown username identically; five from one address give 1011 there, even for the right password, while other accounts still sign in', async () => {
    await registerUser({ store: h.svc.deps.store, dataKey: h.svc.config.dataKey }, {
      profile: { account: 'wx-second', name: 'Second', mobile: null, email: null, headImg: null, tenantId: null },
      password: 'second-password',
      roles: ['wxcomponent-admin'],
    }, testMetadata());
    const flood = async (username: string) => {
      const before = await h.eventCount();
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push((await h.svc.request('POST', '/auth', { body: { username, password: md5Hex('wrong') } })).body.code);
      return { codes, events: (await h.eventCount()) - before };
    };
    const known = await flood('wx-second');
    assert.deepEqual(known, { codes: [1006, 1006, 1006, 1006, 1011, 1011], events: 7 }, 'six failures and the lock are events');
    assert.deepEqual(await flood('ghost'), known, 'an unknown username is answered and counted the same');
    const locked = await h.svc.request('POST', '/auth', { body: { username: 'wx-second', password: md5Hex('second-password') } });
    assert.equal(locked.body.code, 1011, 'even the right password is refused from this address during the lock');
    assert.equal((await h.svc.request('POST', '/auth', { body: { username: TEST_ADMIN.account, password: md5Hex(TEST_ADMIN.password) } })).body.code, 0);
  });

  it('refuses malformed sign-ins with 1001 and writes nothing', async () => {
    const before = await h.eventCount();
    for (const body of [{ username: 'a' }, { username: 'a', password: 'not-md5' }, { username: 'a', password: md5Hex('x'), extra: 1 }]) {
      const res = await h.svc.request('POST', '/auth', { body });
      assert.equal(res.body.code, 1001, res.text);
    }
    const notJson = await h.svc.request('POST', '/auth', { rawBody: '{"username":', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 200);
    assert.equal(notJson.body.code, 1001);
    assert.equal(await h.eventCount(), before);
  });

  it('refresh-auth gives a new jwt; userpwd changes the password (1005 on a wrong old one)', async () => {
    const jwt = await h.login('/wxcomponent');
    const refreshed = await h.get('/wxcomponent/admin/refresh-auth', jwt);
    assert.equal(refreshed.body.code, 0);
    assert.notEqual(refreshed.body.data.jwt, jwt);
    const headers = { authorization: `Bearer ${refreshed.body.data.jwt}` };
    const bad = await h.svc.request('POST', '/admin/userpwd', { headers, body: { password: md5Hex('new-password-1'), oldPassword: md5Hex('nope') } });
    assert.equal(bad.body.code, 1005);
    const ok = await h.svc.request('POST', '/admin/userpwd', { headers, body: { password: md5Hex('new-password-1'), oldPassword: md5Hex(TEST_ADMIN.password) } });
    assert.equal(ok.body.code, 0, ok.text);
    assert.equal((await h.svc.request('POST', '/auth', { body: { username: TEST_ADMIN.account, password: md5Hex(TEST_ADMIN.password) } })).body.code, 1006);
    const back = await h.svc.request('POST', '/auth', { body: { username: TEST_ADMIN.account, password: md5Hex('new-password-1') } });
    assert.equal(back.body.code, 0);
    await h.svc.request('POST', '/admin/userpwd', { headers, body: { password: md5Hex(TEST_ADMIN.password), oldPassword: md5Hex('new-password-1') } });
  });

  it('keeps the component secret write-only: sealed in its event, never answered back', async () => {
    const jwt = await h.login();
    const headers = { authorization: `Bearer ${jwt}` };
    const set = await h.svc.request('POST', '/admin/secret', { headers, body: { secret: 'TopSecretValue123' } });
    assert.equal(set.body.code, 0);
    const shown = await h.get('/admin/secret', jwt);
    assert.equal(shown.body.data.configured, true);
    assert.ok(!shown.text.includes('TopSecretValue123'));
    const stored = await h.svc.db.knex('events').where({ type: 'ComponentSecretChanged' }).first();
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored).includes('TopSecretValue123'));
  });

  it('answers unknown admin paths with 1010 in the envelope', async () => {
    const jwt = await h.login();
    const res = await h.get('/admin/no-such-thing', jwt);
    assert.equal(res.status, 200);
    assert.equal(res.body.code, 1010);
  });

  it('username renames the administrator: the new name signs in, the old one no longer does, a taken name is refused (1005) even in a race', async () => {
    const password = md5Hex('wx-admin-password');
    await registerUser({ store: h.svc.deps.store, dataKey: h.svc.config.dataKey }, {
      profile: { account: 'wx-ops', name: 'Ops', mobile: null, email: null, headImg: null, tenantId: null },
      passwordMd5: password,
      roles: ['wxcomponent-admin'],
    }, testMetadata());
    const signIn = (username: string) => h.svc.request('PUT', '/wxcomponent/auth', { body: { username, password } });
    const jwt = (await signIn('wx-ops')).body.data.jwt as string;
    const rename = (name: string, token = jwt) => h.svc.request('POST', '/wxcomponent/admin/username', { headers: { authorization: `Bearer ${token}` }, body: { username: name } });
    assert.equal((await rename('wx-operator')).body.code, 0);
    assert.equal((await signIn('wx-operator')).body.code, 0);
    assert.equal((await signIn('wx-ops')).body.code, 1006);
    assert.equal((await rename(TEST_ADMIN.account)).body.code, 1005, 'the name is taken');

    const adminJwt = await h.login();
    const raced = await Promise.all([rename('wanted-name'), rename('wanted-name', adminJwt)]);
    assert.deepEqual(raced.map((r) => r.body.code).sort(), [0, 1005]);
    // Put the bootstrap administrator's name back if it won the race.
    await h.svc.request('POST', '/admin/username', { headers: { authorization: `Bearer ${adminJwt}` }, body: { username: TEST_ADMIN.account } });
  });

  it('a user without a wxcomponent role cannot sign in here', async () => {
    await registerUser({ store: h.svc.deps.store, dataKey: h.svc.config.dataKey }, {
      profile: { account: 'plain-wx', name: 'Plain', mobile: null, email: null, headImg: null, tenantId: null },
      password: 'plain-password',
    }, testMetadata());
    const res = await h.svc.request('POST', '/auth', { body: { username: 'plain-wx', password: md5Hex('plain-password') } });
    assert.equal(res.body.code, 1006);
  });
});
