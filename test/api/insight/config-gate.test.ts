import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { findLiveConfig, forgetLiveConfigs } from '../../../src/gateway/live-configs';
import { startTestService, type TestService } from '../../support/service';
import { adminHeaders, grantConfigAdmin, newApp, signedIn, type SignedIn } from './signed-in';

const BASE = '/base/auth/v1.0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The configs are live: once loaded into Redis they govern every request of the Insight surface,
 * and the gateway endpoint applies the same check to the requests a gateway forwards.
 */
describe('Insight configs in force: rate limits, verify and authCode', function () {
  this.timeout(60_000);
  let svc: TestService;
  let appId: string;
  let admin: SignedIn;
  let permitted: SignedIn;
  let stranger: SignedIn;
  const as = (user: SignedIn, over: Record<string, string> = {}) => ({ authorization: user.token, ...over });
  const configure = async (config: Record<string, unknown>): Promise<string> => {
    const res = await svc.request('POST', `${BASE}/configs`, {
      body: { name: 'test', authCode: null, limitGap: null, limitCycle: null, limitMax: null, message: null, remark: null, verify: false, limit: false, ...config },
      headers: as(admin),
    });
    assert.equal(res.body.code, 200, res.text);
    return res.body.data as string;
  };
  const load = async () => assert.equal((await svc.request('GET', `${BASE}/configs/load`, { headers: as(admin) })).body.code, 200);
  const codes = (deviceId: string) => svc.request('GET', `${BASE}/tokens/codes?account=nobody`, { headers: { 'x-device-id': deviceId } });

  before(async () => {
    // As `npm start` does: the seeded limits are loaded at start.
    svc = await startTestService('config_gate', { LOAD_INTERFACE_CONFIGS: 'true' });
    assert.ok(await findLiveConfig(svc.deps.redis, 'GET', `${BASE}/tokens/codes`), 'the seeded limits were loaded at start');
    appId = await newApp(svc);
    admin = await signedIn(svc, appId, '管理员');
    permitted = await signedIn(svc, appId, '张三');
    stranger = await signedIn(svc, appId, '李四');
    await grantConfigAdmin(svc, appId, admin.userId);
    // 张三 holds a role granting the function with the codes `viewNav`, `Gateway.Read` and `getConfigLog`.
    const v1 = async (method: string, path: string, body: unknown) => {
      const res = await svc.request(method, `/v1/apps/${appId}${path}`, { body, headers: await adminHeaders(svc) });
      assert.ok(res.status < 300, res.text);
      return res.body?.id as string;
    };
    const group = await v1('POST', '/navigators', { type: 1, index: 1, name: '组' });
    const module = await v1('POST', '/navigators', { parentId: group, type: 2, index: 1, name: '模块' });
    const fn = await v1('POST', '/functions', { navId: module, type: 0, index: 1, name: '查看', authCodes: 'VIEWNAV,Gateway.Read,getConfigLog' });
    const role = await v1('POST', '/roles', { name: '查看者' });
    await v1('PUT', `/roles/${role}/permits`, { permits: [{ functionId: fn, permit: 1 }] });
    await v1('PUT', `/users/${permitted.userId}/roles`, { roleIds: [role] });
    await svc.projector.catchUp({ timeoutMs: 10_000 });
  });
  after(async () => {
    await svc?.stop();
  });

  it('the seeded limit of tokens/codes (3 s apart per device) refuses all but one of 6 parallel calls with its message, from one device only', async () => {
    const device = randomBytes(6).toString('hex');
    const answers = await Promise.all(Array.from({ length: 6 }, () => codes(device)));
    const refused = answers.filter((a) => a.body.code === 490);
    assert.equal(refused.length, 5, answers.map((a) => a.text).join('\n'));
    assert.equal(refused[0]!.body.message, '获取Code接口每24小时调用次数为200次,请合理使用');
    assert.notEqual((await codes(randomBytes(6).toString('hex'))).body.code, 490, 'another device is not limited');
  });

  it('a device falls back to the client address when it sends no deviceId, and a deviceId in the JSON body counts', async () => {
    const first = await svc.request('GET', `${BASE}/tokens/codes?account=nobody`);
    const second = await svc.request('GET', `${BASE}/tokens/codes?account=nobody`);
    assert.deepEqual([first.body.code === 490, second.body.code], [false, 490]);
    const device = randomBytes(6).toString('hex');
    const post = () => svc.request('POST', `${BASE}/tokens`, { body: { appId, account: 'nobody', signature: '0'.repeat(32), deviceId: device } });
    const [a, b] = await Promise.all([post(), post()]);
    assert.deepEqual([a.body.code, b.body.code].filter((c) => c === 490).length, 1, `${a.text}\n${b.text}`);
  });

  it('limitGap: the call inside the gap is refused, the one after it passes', async () => {
    await configure({ method: 'GET', url: `${BASE}/navigators`, limit: true, limitGap: 3, message: '导航请求太快了' });
    await load();
    const first = await svc.request('GET', `${BASE}/navigators`, { headers: as(stranger) });
    const second = await svc.request('GET', `${BASE}/navigators`, { headers: as(stranger) });
    assert.equal(first.body.code, 200, first.text);
    assert.deepEqual({ code: second.body.code, message: second.body.message }, { code: 490, message: '导航请求太快了' });
    await sleep(3100);
    assert.equal((await svc.request('GET', `${BASE}/navigators`, { headers: as(stranger) })).body.code, 200);
  });

  it('limitCycle/limitMax: exactly the call that crosses the maximum is refused, sequentially and in parallel', async () => {
    await configure({ method: 'GET', url: `${BASE}/configs/logs`, limit: true, limitCycle: 60, limitMax: 3 });
    await load();
    const logs = (device: string) => svc.request('GET', `${BASE}/configs/logs?size=1`, { headers: as(admin, { deviceId: device }) });
    const device = randomBytes(6).toString('hex');
    const sequence = [];
    for (let i = 0; i < 5; i++) sequence.push((await logs(device)).body.code);
    assert.deepEqual(sequence, [200, 200, 200, 490, 490]);
    assert.equal((await logs(device)).body.message, '您请求过于频繁，请稍后重试！', 'no message configured: the standard one');
    const parallelDevice = randomBytes(6).toString('hex');
    const parallel = await Promise.all(Array.from({ length: 12 }, () => logs(parallelDevice)));
    assert.equal(parallel.filter((a) => a.body.code === 200).length, 3);
    assert.equal(parallel.filter((a) => a.body.code === 490).length, 9);
  });

  it('verify: a public endpoint configured to need a token refuses callers without one (421), and lets token holders through', async () => {
    const configId = await configure({ method: 'GET', url: `${BASE}/gateway/auth`, verify: true });
    await load();
    const anonymous = await svc.request('GET', `${BASE}/gateway/auth`);
    assert.equal(anonymous.body.code, 421, anonymous.text);
    assert.equal(anonymous.status, 401, 'a refusal of the gateway check itself never travels with 200, which nginx reads as "allowed"');
    const tampered = await svc.request('GET', `${BASE}/gateway/auth`, { headers: { authorization: `${stranger.token.slice(0, -6)}AAAA==` } });
    assert.equal(tampered.body.code, 421, tampered.text);
    const holder = await svc.request('GET', `${BASE}/gateway/auth`, { headers: as(stranger) });
    assert.notEqual(holder.body.code, 421, 'the token passed the gate (the gateway itself then answers for its missing headers)');
    await svc.request('DELETE', `${BASE}/configs`, { body: configId, headers: as(admin) });
    await load();
  });

  it('authCode: matched through a {x} pattern, case-insensitively against the permitted codes; others get 403', async () => {
    await configure({ method: 'GET', url: `${BASE}/navigators/{id}/functions`, verify: true, authCode: 'viewnav' });
    await load();
    const path = `${BASE}/navigators/${'9'.repeat(32)}/functions`;
    const denied = await svc.request('GET', path, { headers: as(stranger) });
    assert.deepEqual({ code: denied.body.code, message: denied.body.message }, { code: 403, message: '未授权' });
    const allowed = await svc.request('GET', path, { headers: as(permitted) });
    assert.equal(allowed.body.code, 400, 'past the gate: the route itself answers that there is no such module');
    assert.equal((await svc.request('GET', path)).body.code, 421);
  });

  it('authCode: a permit granted or taken away is seen by the very next request once the read model has it', async () => {
    await configure({ method: 'GET', url: `${BASE}/configs/logs/{id}`, verify: true, authCode: 'gateway.read' });
    await load();
    const path = `${BASE}/configs/logs/${'9'.repeat(32)}`;
    assert.equal((await svc.request('GET', path, { headers: as(permitted) })).body.code, 400, 'allowed: no such log');
    const roles = await svc.request('GET', `/v1/apps/${appId}/users/${permitted.userId}/roles`, { headers: await adminHeaders(svc) });
    await svc.request('PUT', `/v1/apps/${appId}/users/${permitted.userId}/roles`, { body: { roleIds: [] }, headers: await adminHeaders(svc) });
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    assert.equal((await svc.request('GET', path, { headers: as(permitted) })).body.code, 403, 'the cached codes were dropped with the change');
    await svc.request('PUT', `/v1/apps/${appId}/users/${permitted.userId}/roles`, { body: { roleIds: roles.body.roleIds }, headers: await adminHeaders(svc) });
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    assert.equal((await svc.request('GET', path, { headers: as(permitted) })).body.code, 400);
  });

  describe('the gateway endpoint (nginx auth_request)', () => {
    const gateway = (method: string, uri: string, headers: Record<string, string> = {}) =>
      svc.request('GET', `${BASE}/gateway/auth`, { headers: { 'x-original-method': method, 'x-original-uri': uri, ...headers } });

    before(async () => {
      await configure({ method: 'GET', url: '/base/user/v1.0/users/{id}', verify: true });
      await configure({ method: 'POST', url: '/base/user/v1.0/users', verify: true, authCode: 'Gateway.Read' });
      await configure({ method: 'GET', url: '/base/message/v1.0/codes', limit: true, limitGap: 60, message: '短信太频繁' });
      await load();
    });

    it('200 with loginInfo (Base64 JSON of the app, tenant, user id and name) for a valid token', async () => {
      const res = await gateway('GET', `/base/user/v1.0/users/${permitted.userId}?x=1`, as(permitted));
      assert.equal(res.status, 200, res.text);
      const info = JSON.parse(Buffer.from(res.headers.get('loginInfo') ?? '', 'base64').toString('utf8'));
      assert.deepEqual(info, { appId, tenantId: null, deptId: null, userId: permitted.userId, userName: '张三' });
      assert.equal(res.headers.get('x-auth-code'), '200');
    });

    it('401 without a token, or with a tampered or foreign one', async () => {
      assert.equal((await gateway('GET', '/base/user/v1.0/users/1')).status, 401);
      const forged = Buffer.from(JSON.stringify({ id: 'a'.repeat(32), userId: permitted.userId, userName: null, secret: 'b'.repeat(32) })).toString('base64');
      const res = await gateway('GET', '/base/user/v1.0/users/1', { authorization: forged });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('x-auth-code'), '421');
      assert.equal(res.headers.get('loginInfo'), null);
      assert.equal((await gateway('GET', '/base/user/v1.0/users/1', { authorization: 'not base64 at all!' })).status, 401);
    });

    it('403 without the permit the config names, and 403 for an endpoint no config knows', async () => {
      assert.equal((await gateway('POST', '/base/user/v1.0/users', as(stranger))).status, 403);
      assert.equal((await gateway('POST', '/base/user/v1.0/users', as(permitted))).status, 200);
      const unknown = await gateway('GET', '/base/unknown/v1.0/things', as(permitted));
      assert.equal(unknown.status, 403);
      assert.equal(unknown.body.message, '请求的URL不存在');
    });

    it('429 on the call that crosses a limit, per deviceId in the original query (or the X-Real-IP the gateway passes)', async () => {
      const device = randomBytes(6).toString('hex');
      const answers = await Promise.all(Array.from({ length: 4 }, () => gateway('GET', `/base/message/v1.0/codes?deviceId=${device}`)));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 429, 429, 429]);
      assert.equal(answers.find((a) => a.status === 429)!.body.message, '短信太频繁');
      assert.equal((await gateway('GET', `/base/message/v1.0/codes?deviceId=${randomBytes(6).toString('hex')}`)).status, 200);
      assert.equal((await gateway('GET', '/base/message/v1.0/codes', { 'x-real-ip': '10.0.0.7' })).status, 200);
      assert.equal((await gateway('GET', '/base/message/v1.0/codes', { 'x-real-ip': '10.0.0.7' })).status, 429);
      assert.equal((await gateway('GET', '/base/message/v1.0/codes', { 'x-real-ip': '10.0.0.8' })).status, 200);
    });

    it('503, never 200, when the check itself cannot be made (Redis gone): the gateway fails closed', async () => {
      svc.deps.redis.disconnect();
      try {
        const res = await gateway('GET', `/base/user/v1.0/users/${permitted.userId}`, as(permitted));
        assert.equal(res.status, 503, res.text);
        assert.equal(res.headers.get('loginInfo'), null);
      } finally {
        await svc.deps.redis.connect();
      }
      assert.equal((await gateway('GET', `/base/user/v1.0/users/${permitted.userId}`, as(permitted))).status, 200);
    });

    it('an unreachable Redis is never read as "no configs": neither the gateway nor the Insight surface opens', async () => {
      const guarded = `${BASE}/navigators/${'9'.repeat(32)}/functions`;
      assert.equal((await svc.request('GET', guarded, { headers: as(stranger) })).body.code, 403, 'the authCode config is in force');
      forgetLiveConfigs(svc.deps.redis);
      svc.deps.redis.disconnect();
      try {
        assert.equal((await gateway('POST', '/base/user/v1.0/users', as(stranger))).status, 503);
        const surface = await svc.request('GET', guarded, { headers: as(stranger) });
        assert.equal(surface.body.success, false, surface.text);
        assert.notEqual(surface.body.code, 400, 'not past the gate');
      } finally {
        await svc.deps.redis.connect();
      }
    });

    it('400 when the gateway forgets the original method or URI', async () => {
      assert.equal((await svc.request('GET', `${BASE}/gateway/auth`)).status, 400);
      assert.equal((await gateway('GET', 'http://evil.example/x')).status, 400);
    });
  });
});
