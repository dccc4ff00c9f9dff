import assert from 'node:assert/strict';
import { startWxHarness, type WxHarness } from './support';

/** POST /admin/refresh-auth, as the admin front end calls it (GET is specced in auth.test.ts). */
describe('wxcomponent POST /admin/refresh-auth', function () {
  this.timeout(60_000);
  let h: WxHarness;

  before(async () => {
    h = await startWxHarness('wx_refresh_auth');
  });
  after(async () => {
    await h?.stop();
  });

  it('given a signed-in administrator, answers a new jwt that is accepted in its place', async () => {
    const jwt = await h.login();
    const res = await h.svc.request('POST', '/admin/refresh-auth', { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.code, 0, res.text);
    const fresh = res.body.data.jwt as string;
    assert.match(fresh, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.notEqual(fresh, jwt);
    assert.equal((await h.get('/admin/ticket', fresh)).status, 200);
  });

  it('without a token, or with a forged one, gives no jwt', async () => {
    const none = await h.svc.request('POST', '/admin/refresh-auth');
    assert.notEqual(none.body?.code, 0);
    assert.equal(none.body?.data?.jwt, undefined);
    const jwt = await h.login();
    const forged = `${jwt.slice(0, jwt.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    const res = await h.svc.request('POST', '/admin/refresh-auth', { headers: { authorization: `Bearer ${forged}` } });
    assert.notEqual(res.body?.code, 0);
    assert.equal(res.body?.data?.jwt, undefined);
  });
});
