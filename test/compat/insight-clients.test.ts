import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startTestService, type TestService } from '../support/service';
import { createApp, createUser } from '../api/insight/insight-client';
import { adminHeaders } from '../api/insight/signed-in';
import { DesktopClient, FUNCTION_DTO, loginDto, LOOK_UP_MEMBER, MODULE_DTO, send, type Exchange } from './insight-desktop-client';

/**
 * Contract of the Insight clients (xuanbg/Utility desktop: TokenHelper, HttpClient, MainForm's
 * DataModel), each call sent as they send it and judged by what they read: HTTP 200 always (any other
 * status makes HttpWebRequest throw before the envelope is read), a Result Json.NET can read into the
 * C# classes, and the codes the retry loop acts on (421 sign in again, 422 refresh).
 * Grouped by caller: the sign-in dialog, the token upkeep, the main form, sign-out, lax input.
 */

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** The screen got an envelope it could read, and it said what `expected` says. */
function readable(exchange: Exchange, expected: { success: boolean; code?: number }) {
  assert.equal(exchange.status, 200, `HttpWebRequest throws on ${exchange.status}: ${exchange.text}`);
  assert.ok(exchange.result, exchange.error);
  assert.equal(exchange.result.success, expected.success, exchange.text);
  if (expected.code !== undefined) assert.equal(exchange.result.code, expected.code, exchange.text);
  if (!expected.success) assert.ok(exchange.result.message.length > 0, 'Messages.showError shows the message: it must say something');
  return exchange.result;
}

describe('Insight clients, unchanged, against this service', function () {
  this.timeout(120_000);
  let svc: TestService;
  let appId: string;
  const password = 'pw-' + randomBytes(4).toString('hex');
  const newAccount = () => `u${randomBytes(5).toString('hex')}`;
  const newUser = async () => {
    const account = newAccount();
    return { account, id: await createUser(svc, { account, password, name: `用户${account}` }) };
  };

  before(async () => {
    svc = await startTestService('insight-clients');
    appId = await createApp(svc, { tokenMode: 'shared' });
  });
  after(async () => {
    await svc?.stop();
  });

  describe('sign-in dialog (TokenHelper.getTokens)', () => {
    it('GET tokens/codes?account=… with no type, then POST tokens with the whole LoginDto (nulls included): the tokens and the user it keeps', async () => {
      const user = await newUser();
      const client = new DesktopClient(svc, appId, user.account, password);
      assert.equal(await client.getTokens(), true, JSON.stringify(client.log.map((l) => l.exchange.text)));
      const [code, token] = client.log;
      assert.match(readable(code!.exchange, { success: true, code: 200 }).data as string, /^[0-9a-f]{32}$/);
      readable(token!.exchange, { success: true, code: 200 });
      assert.equal(client.userInfo!.id, user.id);
      assert.equal(client.userInfo!.name, `用户${user.account}`);
      assert.ok('tenantId' in client.userInfo!);
      // Int32 milliseconds: the older client adds them to DateTime.Now for its refresh and re-sign-in times.
      assert.equal(client.expire, 7_200_000);
      assert.equal(client.failure, 86_400_000);
    });

    it('a wrong password: success false with a message the dialog shows, still HTTP 200', async () => {
      const user = await newUser();
      const client = new DesktopClient(svc, appId, user.account, 'not-the-password');
      assert.equal(await client.getTokens(), false);
      const token = client.log.at(-1)!;
      assert.equal(token.path, '/base/auth/v1.0/tokens');
      readable(token.exchange, { success: false, code: 420 });
    });

    it('an unknown account: a code all the same, then the same refusal as a wrong password', async () => {
      const client = new DesktopClient(svc, appId, newAccount(), password);
      assert.equal(await client.getTokens(), false);
      readable(client.log[0]!.exchange, { success: true, code: 200 });
      readable(client.log[1]!.exchange, { success: false, code: 420 });
    });

    it('the older client posts {account, signature, appId, tenantId, deptId} and reads expire/failure as Int32', async () => {
      const user = await newUser();
      const code = await send(svc, 'GET', '/base/auth/v1.0/tokens/codes', null, { account: user.account }, 'string');
      const signature = md5(md5(user.account + md5(password)) + readable(code, { success: true }).data);
      const token = await send(svc, 'POST', '/base/auth/v1.0/tokens', null, { account: user.account, signature, appId, tenantId: null, deptId: null }, { object: { expire: 'int', failure: 'int' } });
      const data = readable(token, { success: true, code: 200 }).data as { expire: number; failure: number };
      assert.ok(data.expire > 0 && data.failure > data.expire);
    });
  });

  describe('sign-in dialog with ShowTenant (MainForm DataModel.getTenants, a later API than the seed)', () => {
    it('GET {appId}/tenants?account= on entering the password: one row the dialog preselects; POST tokens with its id signs in to the tenant the user holds', async () => {
      const account = newAccount();
      const tenant = randomBytes(16).toString('hex');
      const created = await svc.request('POST', '/v1/users', { body: { account, password, name: account, tenantId: tenant }, headers: await adminHeaders(svc) });
      assert.equal(created.status, 201, created.text);
      const client = new DesktopClient(svc, appId, account, password);
      const rows = await client.pickTenant();
      assert.equal(rows?.length, 1, client.log[0]!.exchange.text);
      assert.equal(typeof rows![0]!.name, 'string');
      assert.ok(client.tenantId, 'preselected: 请选择登录的企业！ is not shown');
      assert.equal(await client.getTokens(), true, JSON.stringify(client.log.map((l) => l.exchange.text)));
      assert.equal(client.userInfo!.tenantId, tenant, 'the user\'s own tenant, not the picker\'s placeholder');
    });

    it('a known and an unknown account get the very same answer (no account oracle before a password); an unknown app gets [] and the dialog says so', async () => {
      const user = await newUser();
      const known = await send(svc, 'GET', `/base/auth/v1.0/${appId}/tenants`, null, { account: user.account }, { list: LOOK_UP_MEMBER });
      const unknown = await send(svc, 'GET', `/base/auth/v1.0/${appId}/tenants`, null, { account: newAccount() }, { list: LOOK_UP_MEMBER });
      readable(known, { success: true, code: 200 });
      assert.equal(known.text, unknown.text);
      const noApp = await send(svc, 'GET', `/base/auth/v1.0/${randomBytes(16).toString('hex')}/tenants`, null, { account: user.account }, { list: LOOK_UP_MEMBER });
      assert.deepEqual(readable(noApp, { success: true, code: 200 }).data, []);
    });

    it('without an account: a readable refusal, HTTP 200', async () => {
      readable(await send(svc, 'GET', `/base/auth/v1.0/${appId}/tenants`, null, null), { success: false });
    });
  });

  describe('submit token (BaseDataModel.getToken, a later API than the seed)', () => {
    it('GET tokens?key= signed in: a 32-hex token, the same for the same key within the hour, another for another key or another user', async () => {
      const [a, b] = await Promise.all([newUser(), newUser()]);
      const alice = new DesktopClient(svc, appId, a.account, password);
      const bob = new DesktopClient(svc, appId, b.account, password);
      const key = md5(`${a.id}:POST:/base/user/v1.0/users`);
      const first = await alice.request('GET', '/base/auth/v1.0/tokens', { key }, 'string');
      assert.equal(first?.success, true, JSON.stringify(alice.log.map((l) => l.exchange.text)));
      assert.match(first!.data as string, /^[0-9a-f]{32}$/);
      assert.equal((await alice.request('GET', '/base/auth/v1.0/tokens', { key }, 'string'))?.data, first!.data);
      assert.notEqual((await alice.request('GET', '/base/auth/v1.0/tokens', { key: md5('other') }, 'string'))?.data, first!.data);
      const bobs = await bob.request('GET', '/base/auth/v1.0/tokens', { key }, 'string');
      assert.equal(bobs?.success, true);
      assert.notEqual(bobs!.data, first!.data);
    });

    it('asked at the same moment by one user for one key: one token for all', async () => {
      const user = await newUser();
      const client = new DesktopClient(svc, appId, user.account, password);
      assert.equal(await client.getTokens(), true);
      const answers = await Promise.all(Array.from({ length: 8 }, () => send(svc, 'GET', '/base/auth/v1.0/tokens', client.accessToken, { key: 'same-form' }, 'string')));
      assert.equal(new Set(answers.map((x) => readable(x, { success: true }).data)).size, 1);
    });

    it('without a token: 421, so the client signs in and asks again; never a token for nobody', async () => {
      const user = await newUser();
      const client = new DesktopClient(svc, appId, user.account, password);
      const result = await client.request('GET', '/base/auth/v1.0/tokens', { key: 'k' }, 'string');
      assert.equal(result?.success, true);
      assert.deepEqual(client.log.map((l) => l.exchange.result?.code), [421, 200, 200, 200]);
    });
  });

  describe('token upkeep (HttpClient.request: 422 → refresh, 421 → sign in again)', () => {
    it('an expired access token answers 422; PUT tokens with the refresh token and an empty JSON body renews it; the call is repeated and succeeds', async () => {
      const quickApp = await createApp(svc, { tokenMode: 'shared', tokenLife: 1000 });
      const user = await newUser();
      const client = new DesktopClient(svc, quickApp, user.account, password);
      assert.equal(await client.getTokens(), true);
      const first = client.accessToken;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const result = await client.request('GET', '/base/auth/v1.0/tokens/status', null);
      assert.equal(result?.success, true, JSON.stringify(result));
      const calls = client.log.slice(2).map((l) => `${l.method} ${l.path} ${l.exchange.result?.code}`);
      assert.deepEqual(calls, ['GET /base/auth/v1.0/tokens/status 422', 'PUT /base/auth/v1.0/tokens 200', 'GET /base/auth/v1.0/tokens/status 200']);
      assert.notEqual(client.accessToken, first);
      assert.equal(client.expire, 1000);
    });

    it('a token the service no longer knows answers 421; the client signs in again and the call succeeds', async () => {
      const user = await newUser();
      const client = new DesktopClient(svc, appId, user.account, password);
      assert.equal(await client.getTokens(), true);
      const other = new DesktopClient(svc, appId, user.account, password);
      other.accessToken = client.accessToken;
      assert.equal(await other.deleteToken(), true);
      const result = await client.request('GET', '/base/auth/v1.0/navigators', null, { list: MODULE_DTO });
      assert.equal(result?.success, true, JSON.stringify(client.log.map((l) => l.exchange.text)));
      assert.deepEqual(client.log.slice(2).map((l) => `${l.method} ${l.path} ${l.exchange.result?.code}`), [
        'GET /base/auth/v1.0/navigators 421',
        'GET /base/auth/v1.0/tokens/codes 200',
        'POST /base/auth/v1.0/tokens 200',
        'GET /base/auth/v1.0/navigators 200',
      ]);
    });

    it('a client that never signed in gets 421 from navigators, signs in and gets the list (empty for a user without roles)', async () => {
      const user = await newUser();
      const client = new DesktopClient(svc, appId, user.account, password);
      const result = await client.request('GET', '/base/auth/v1.0/navigators', null, { list: MODULE_DTO });
      assert.equal(result?.success, true, JSON.stringify(client.log.map((l) => l.exchange.text)));
      assert.deepEqual(result!.data, []);
      assert.deepEqual(client.log.map((l) => l.exchange.result?.code), [421, 200, 200, 200]);
    });

    it('an exclusive app signed in on another machine: 400 用户已在其他设备登录, shown, not retried', async () => {
      const exclusive = await createApp(svc, { tokenMode: 'exclusive' });
      const user = await newUser();
      const office = new DesktopClient(svc, exclusive, user.account, password);
      const home = new DesktopClient(svc, exclusive, user.account, password);
      assert.equal(await office.getTokens(), true);
      assert.equal(await home.getTokens(), true);
      const result = await office.request('GET', '/base/auth/v1.0/tokens/status', null);
      assert.deepEqual([result?.success, result?.code, result?.message], [false, 400, '用户已在其他设备登录']);
      assert.equal(office.log.length, 3, 'no refresh, no new sign-in');
    });

    it('a user disabled meanwhile: 413 账户被禁止使用, shown, not retried', async () => {
      const user = await newUser();
      const client = new DesktopClient(svc, appId, user.account, password);
      assert.equal(await client.getTokens(), true);
      const disabled = await svc.request('POST', `/v1/users/${user.id}/disable`, { headers: await adminHeaders(svc) });
      assert.ok(disabled.status < 300, disabled.text);
      const result = await client.request('GET', '/base/auth/v1.0/navigators', null, { list: MODULE_DTO });
      assert.deepEqual([result?.success, result?.code, result?.message], [false, 413, '账户被禁止使用']);
      assert.equal(client.log.length, 3);
    });

    it('a refresh with a dead refresh token is a readable refusal (the client then signs in again)', async () => {
      const user = await newUser();
      const client = new DesktopClient(svc, appId, user.account, password);
      assert.equal(await client.getTokens(), true);
      client.refreshToken = Buffer.from(JSON.stringify({ id: randomBytes(16).toString('hex'), userId: user.id, secret: 'x' })).toString('base64');
      assert.equal(await client.refreshTokens(), false);
      readable(client.log.at(-1)!.exchange, { success: false, code: 421 });
    });
  });

  describe('main form (DataModel.getNavigators, getActions)', () => {
    it('GET navigators and GET navigators/{id}/functions read into ModuleDto and FunctionDto lists', async () => {
      const auth = await adminHeaders(svc);
      const v1 = async (method: string, path: string, body: unknown) => {
        const res = await svc.request(method, `/v1/apps/${appId}${path}`, { body, headers: auth });
        assert.ok(res.status < 300, res.text);
        return res.body?.id as string;
      };
      const group = await v1('POST', '/navigators', { type: 1, index: 1, name: '系统设置' });
      const module = await v1('POST', '/navigators', { parentId: group, type: 2, index: 1, name: '用户管理', moduleInfo: { iconUrl: 'icons/user.png', module: 'Users', file: 'Base.dll', autoLoad: true } });
      const fn = await v1('POST', '/functions', { navId: module, type: 0, index: 1, name: '刷新', authCodes: 'getUser', funcInfo: { method: 'refresh', iconUrl: 'icons/refresh.png', beginGroup: true, hideText: false } });
      await v1('POST', '/functions', { navId: module, type: 0, index: 2, name: '新增', authCodes: 'newUser' });
      const role = await v1('POST', '/roles', { name: `操作员-${randomBytes(3).toString('hex')}` });
      await v1('PUT', `/roles/${role}/permits`, { permits: [{ functionId: fn, permit: 1 }] });
      const user = await newUser();
      await v1('PUT', `/users/${user.id}/roles`, { roleIds: [role] });
      await svc.projector.catchUp({ timeoutMs: 10_000 });

      const client = new DesktopClient(svc, appId, user.account, password);
      assert.equal(await client.getTokens(), true);
      const navigators = await client.request('GET', '/base/auth/v1.0/navigators', null, { list: MODULE_DTO });
      assert.equal(navigators?.success, true, client.log.at(-1)!.exchange.error ?? client.log.at(-1)!.exchange.text);
      const modules = navigators!.data as { id: string; parentId: string | null; type: number; name: string; moduleInfo: Record<string, unknown> }[];
      assert.deepEqual(modules.map((m) => [m.name, m.type, m.parentId]), [['系统设置', 1, null], ['用户管理', 2, group]]);
      assert.deepEqual(modules[1]!.moduleInfo, { iconUrl: 'icons/user.png', module: 'Users', file: 'Base.dll', autoLoad: true });

      const actions = await client.request('GET', `/base/auth/v1.0/navigators/${module}/functions`, null, { list: FUNCTION_DTO });
      assert.equal(actions?.success, true, client.log.at(-1)!.exchange.error ?? client.log.at(-1)!.exchange.text);
      const functions = actions!.data as { name: string; authCodes: string; permit: boolean | null; funcInfo: Record<string, unknown> | null }[];
      assert.deepEqual(functions.map((f) => [f.name, f.authCodes, f.permit]), [['刷新', 'getUser', true], ['新增', 'newUser', null]]);
      assert.deepEqual(functions[0]!.funcInfo, { method: 'refresh', iconUrl: 'icons/refresh.png', beginGroup: true, hideText: false });
    });
  });

  describe('sign-out (TokenHelper.deleteToken)', () => {
    it('DELETE tokens with an empty JSON body: success, and the token is dead afterwards (421)', async () => {
      const user = await newUser();
      const client = new DesktopClient(svc, appId, user.account, password);
      assert.equal(await client.getTokens(), true);
      const token = client.accessToken!;
      assert.equal(await client.deleteToken(), true, client.log.at(-1)!.exchange.text);
      assert.equal(client.accessToken, null);
      readable(await send(svc, 'GET', '/base/auth/v1.0/tokens/status', token, null), { success: false, code: 421 });
    });
  });

  describe("insight_user's Feign AuthClient (after a password reset it signs the user in by mobile)", () => {
    it('GET tokens/codes?account=<mobile> and POST tokens {appId, tenantId, deptId, account, signature} with the forwarded fingerprint/requestId headers', async () => {
      const account = newAccount();
      const mobile = `139${String(Date.now()).slice(-8)}`;
      await createUser(svc, { account, password, name: account, mobile });
      const forwarded = { fingerprint: md5('10.0.0.1' + 'Windows Disktop App'), requestId: randomBytes(16).toString('hex'), 'content-type': 'application/json' };
      const code = await svc.request('GET', `/base/auth/v1.0/tokens/codes?account=${mobile}`, { headers: forwarded });
      assert.equal(code.status, 200);
      assert.deepEqual([code.body.success, typeof code.body.data], [true, 'string'], code.text);
      const signature = md5(md5(mobile + md5(password)) + code.body.data);
      const body = { appId, tenantId: null, deptId: null, account: mobile, signature };
      const token = await svc.request('POST', '/base/auth/v1.0/tokens', { body, headers: forwarded });
      assert.equal(token.status, 200);
      assert.equal(token.body.success, true, token.text);
      assert.equal(token.body.data.userInfo.mobile, mobile);
    });
  });

  describe('the gateway answers for the service (no interface config for the URL)', () => {
    it('an unknown URL under /base/auth/v1.0: HTTP 200, code 400 请求的URL不存在', async () => {
      const res = await send(svc, 'GET', '/base/auth/v1.0/no-such-thing', null, null);
      assert.deepEqual([res.status, res.result?.success, res.result?.code, res.result?.message], [200, false, 400, '请求的URL不存在']);
    });
  });

  describe('lax input the original accepted (Spring ignores unknown fields and parameters)', () => {
    it('tokens/codes with an unknown extra parameter and an empty type still gives a code', async () => {
      const user = await newUser();
      const res = await send(svc, 'GET', `/base/auth/v1.0/tokens/codes?account=${user.account}&type=&_=${Date.now()}`, null, null, 'string');
      assert.match(readable(res, { success: true, code: 200 }).data as string, /^[0-9a-f]{32}$/);
    });

    it('POST tokens with fields the DTO does not know (fingerprint header, deviceModel, extra keys) signs in', async () => {
      const user = await newUser();
      const code = await send(svc, 'GET', '/base/auth/v1.0/tokens/codes', null, { account: user.account }, 'string');
      const signature = md5(md5(user.account + md5(password)) + readable(code, { success: true }).data);
      const body = { ...loginDto({ appId, account: user.account, signature, deviceModel: 'PC' }), fingerprint: 'f', extra: { any: 1 } };
      readable(await send(svc, 'POST', '/base/auth/v1.0/tokens', null, body), { success: true, code: 200 });
    });

    it('POST tokens with numbers where the DTO has strings (a digits-only account, tenantId, deviceId), as Jackson coerced them', async () => {
      const account = String(13_000_000_000 + Math.floor(Math.random() * 999_999_999));
      await createUser(svc, { account, password, name: account });
      const code = await send(svc, 'GET', '/base/auth/v1.0/tokens/codes', null, { account }, 'string');
      const signature = md5(md5(account + md5(password)) + readable(code, { success: true }).data);
      const res = await send(svc, 'POST', '/base/auth/v1.0/tokens', null, { appId, account: Number(account), signature, tenantId: 1001, deviceId: 42 }, { object: { userInfo: { object: { account: 'string' } } } });
      const data = readable(res, { success: true, code: 200 }).data as { userInfo: { account: string } };
      assert.equal(data.userInfo.account, account);
    });
  });
});
