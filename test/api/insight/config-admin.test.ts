import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startTestService, TEST_ADMIN, type TestService } from '../../support/service';
import { adminHeaders, grantConfigAdmin, newApp, signedIn, type SignedIn } from './signed-in';

const BASE = '/base/auth/v1.0';
const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** Interface configs switch rate limits and authCodes on and off: only configuration administrators may touch them. */
describe('Insight configs: only configuration administrators manage them', function () {
  this.timeout(60_000);
  let svc: TestService;
  let appId: string;
  let ordinary: SignedIn;
  let reader: SignedIn;
  let configAdmin: SignedIn;
  let platformAdminToken: string;
  let existing: string;
  let logId: string;
  const eventCount = async () => Number((await svc.deps.knex('events').count<{ n: string }[]>('* as n'))[0]!.n);
  const call = (token: string, method: string, path: string, body?: unknown) => svc.request(method, `${BASE}${path}`, { body, headers: { authorization: token } });
  const config = (over: Record<string, unknown> = {}) => ({
    name: '获取订单', method: 'GET', url: `/base/order/v1.0/orders/${randomBytes(3).toString('hex')}`,
    authCode: null, limitGap: null, limitCycle: null, limitMax: null, message: null, remark: null, verify: false, limit: false, ...over,
  });

  before(async () => {
    svc = await startTestService('insight_config_admin');
    appId = await newApp(svc);
    ordinary = await signedIn(svc, appId, '普通用户');
    reader = await signedIn(svc, appId, '只读');
    configAdmin = await signedIn(svc, appId, '配置管理员');
    await grantConfigAdmin(svc, appId, configAdmin.userId);
    // A role that permits only reading the configs.
    const v1 = async (method: string, path: string, body: unknown) => (await svc.request(method, `/v1/apps/${appId}${path}`, { body, headers: await adminHeaders(svc) })).body?.id as string;
    const group = await v1('POST', '/navigators', { type: 1, index: 1, name: '查看' });
    const module = await v1('POST', '/navigators', { parentId: group, type: 2, index: 1, name: '配置' });
    const fn = await v1('POST', '/functions', { navId: module, type: 0, index: 1, name: '查看配置', authCodes: 'GETCONFIG' });
    const role = await v1('POST', '/roles', { name: '配置查看者' });
    await v1('PUT', `/roles/${role}/permits`, { permits: [{ functionId: fn, permit: 1 }] });
    await v1('PUT', `/users/${reader.userId}/roles`, { roleIds: [role] });
    await svc.projector.catchUp({ timeoutMs: 10_000 });

    // The platform administrator (ADMIN_ACCOUNT) signs in to the app as an Insight client does.
    const device = randomBytes(6).toString('hex');
    const code = await svc.request('GET', `${BASE}/tokens/codes?account=${TEST_ADMIN.account}`, { headers: { 'x-device-id': device } });
    const signature = md5(md5(TEST_ADMIN.account + md5(TEST_ADMIN.password)) + code.body.data);
    const token = await svc.request('POST', `${BASE}/tokens`, { body: { appId, account: TEST_ADMIN.account, signature, deviceId: device } });
    assert.equal(token.body.code, 200, token.text);
    platformAdminToken = token.body.data.accessToken;

    const created = await call(configAdmin.token, 'POST', '/configs', config());
    assert.equal(created.body.code, 200, created.text);
    existing = created.body.data;
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    logId = (await call(configAdmin.token, 'GET', `/configs/logs?keyword=${existing}`)).body.data[0].id;
  });
  after(async () => {
    await svc?.stop();
  });

  const everyRoute = () => [
    ['create', 'POST', '/configs', config()],
    ['edit', 'PUT', '/configs', { id: existing, ...config({ verify: true }) }],
    ['delete', 'DELETE', '/configs', existing],
    ['load', 'GET', '/configs/load', undefined],
    ['list', 'GET', '/configs', undefined],
    ['read one', 'GET', `/configs/${existing}`, undefined],
    ['list the log', 'GET', '/configs/logs', undefined],
    ['read a log entry', 'GET', `/configs/logs/${logId}`, undefined],
  ] as const;

  it('given an ordinary signed-in user, every config route (create, edit, delete, load and the reads) answers 403 未授权 in the Insight envelope and appends nothing', async () => {
    for (const [what, method, path, body] of everyRoute()) {
      const before = await eventCount();
      const res = await call(ordinary.token, method, path, body);
      assert.equal(res.status, 200, what);
      assert.deepEqual({ success: res.body.success, code: res.body.code, message: res.body.message }, { success: false, code: 403, message: '未授权' }, `${what}: ${res.text}`);
      assert.equal(await eventCount(), before, `${what} appended nothing`);
    }
    const still = await call(configAdmin.token, 'GET', `/configs/${existing}`);
    assert.equal(still.body.data.verify, false, 'the config was not edited');
  });

  it('given hostile spellings of the config paths, an ordinary user is still refused and nothing is appended', async () => {
    const variants: Array<[string, string, unknown]> = [
      ['POST', '/configs/', config()],
      ['GET', '/configs/load/', undefined],
      ['HEAD', '/configs/load', undefined],
      ['GET', '/Configs/load', undefined],
      ['GET', '/configs/%6coad', undefined],
      ['GET', '//configs/load', undefined],
      ['GET', '/configs/./load', undefined],
      ['GET', '/configs/load?size=1', undefined],
      ['DELETE', '/configs/', existing],
    ];
    for (const [method, path, body] of variants) {
      const before = await eventCount();
      const res = await call(ordinary.token, method, path, body);
      if (method !== 'HEAD') assert.ok(res.body.success === false && res.body.code !== 200, `${method} ${path}: ${res.text}`);
      assert.equal(await eventCount(), before, `${method} ${path} appended nothing`);
    }
    assert.equal((await call(configAdmin.token, 'GET', `/configs/${existing}`)).body.code, 200, 'the config is still there');
  });

  it('refuses an ordinary user before looking at the body: a malformed config is 403, not 430', async () => {
    const res = await call(ordinary.token, 'POST', '/configs', { name: '' });
    assert.equal(res.body.code, 403);
  });

  it('given a user holding only getConfig, reads are allowed and changes refused', async () => {
    assert.equal((await call(reader.token, 'GET', '/configs')).body.code, 200);
    assert.equal((await call(reader.token, 'GET', `/configs/${existing}`)).body.code, 200);
    assert.equal((await call(reader.token, 'GET', '/configs/logs')).body.code, 403, 'the change log needs getConfigLog');
    const before = await eventCount();
    assert.equal((await call(reader.token, 'POST', '/configs', config())).body.code, 403);
    assert.equal((await call(reader.token, 'GET', '/configs/load')).body.code, 403);
    assert.equal(await eventCount(), before);
  });

  it('given a configuration administrator (codes granted through roles), create, edit, load and delete succeed', async () => {
    const created = await call(configAdmin.token, 'POST', '/configs', config());
    assert.equal(created.body.code, 200, created.text);
    assert.equal((await call(configAdmin.token, 'PUT', '/configs', { id: created.body.data, ...config({ name: '改名' }) })).body.code, 200);
    assert.equal((await call(configAdmin.token, 'GET', '/configs/load')).body.code, 200);
    assert.equal((await call(configAdmin.token, 'DELETE', '/configs', created.body.data)).body.code, 200);
  });

  it('given the platform administrator, config management works without any grant', async () => {
    const created = await call(platformAdminToken, 'POST', '/configs', config());
    assert.equal(created.body.code, 200, created.text);
    assert.equal((await call(platformAdminToken, 'GET', '/configs/load')).body.code, 200);
  });

  it('given the role taken away again, the very next change is refused', async () => {
    await svc.request('PUT', `/v1/apps/${appId}/users/${configAdmin.userId}/roles`, { body: { roleIds: [] }, headers: await adminHeaders(svc) });
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    assert.equal((await call(configAdmin.token, 'POST', '/configs', config())).body.code, 403);
  });

  it('refuses a request without a token as 421, not 403', async () => {
    assert.equal((await svc.request('GET', `${BASE}/configs`)).body.code, 421);
  });
});
