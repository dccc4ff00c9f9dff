import assert from 'node:assert/strict';
import { signJwt } from '../../src/secrets/jwt';
import { startTestService, TEST_ADMIN, type TestService } from '../support/service';
import { bearer, createLaravelUser, forgeToken, laravelLogin, signInAsAdmin, type LaravelSession } from './support';

describe('Laravel /api: sign-in, JWT and logout', function () {
  this.timeout(60_000);
  let svc: TestService;
  let admin: LaravelSession;
  const eventCount = async () => Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);

  before(async () => {
    svc = await startTestService('laravel_auth');
    admin = await signInAsAdmin(svc);
  });
  after(async () => {
    await svc?.stop();
  });

  describe('POST /api/login', () => {
    it('given the right password, answers {token, user: {name, username}} in the envelope with a 60-minute HS256 JWT', async () => {
      const res = await svc.request('POST', '/api/login', { body: { username: TEST_ADMIN.account, password: TEST_ADMIN.password } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json', 'exactly as Laravel sends it');
      assert.equal(res.body.status, 'ok');
      assert.equal(res.body.errors, null);
      assert.equal(res.body.code, 0);
      assert.deepEqual(res.body.data.user, { name: '系统管理员', username: TEST_ADMIN.account });
      const [header, claims] = (res.body.data.token as string).split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
      assert.equal(header.alg, 'HS256');
      assert.equal(claims.exp - claims.iat, 3600);
      const started = await svc.db.knex('events').where({ type: 'LaravelSessionStarted' }).whereRaw("data->>'sessionId' = ?", [claims.jti]).first();
      assert.ok(started, 'the session is an event');
      assert.ok(!JSON.stringify(started).includes(res.body.data.token), 'the token itself is not stored');
    });

    it('given a wrong password, answers HTTP 200 with status error 账号或者密码有误 (the page toasts it) and records the failure on the client address (surface laravel)', async () => {
      const res = await svc.request('POST', '/api/login', { body: { username: TEST_ADMIN.account, password: 'wrong-password' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(res.body, { status: 'error', message: '账号或者密码有误', data: null, errors: null, code: 0 });
      const failed = await svc.db.knex('events').where({ type: 'SignInAttemptFailed' }).orderBy('global_position', 'desc').first();
      assert.equal(failed.data.surface, 'laravel');
      assert.equal(failed.stream_id, 'sign-in-address-127.0.0.1');
      assert.ok(!JSON.stringify(failed).includes('wrong-password'));
    });

    it('given an unknown username, answers the same refusal and counts it the same way (one event), so answers do not tell accounts apart', async () => {
      const before = await eventCount();
      const res = await svc.request('POST', '/api/login', { body: { username: 'nobody-here', password: 'whatever-1' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'error');
      assert.equal(res.body.message, '账号或者密码有误');
      assert.equal(await eventCount(), before + 1);
    });

    it('given missing fields, answers the same refusal as a wrong password; a non-JSON body is a 400; neither writes anything', async () => {
      const before = await eventCount();
      for (const body of [{ username: TEST_ADMIN.account }, {}, { username: '', password: '' }, { username: null, password: 'x' }]) {
        const res = await svc.request('POST', '/api/login', { body });
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.deepEqual(res.body, { status: 'error', message: '账号或者密码有误', data: null, errors: null, code: 0 });
      }
      const wrongType = await svc.request('POST', '/api/login', { body: { username: ['root-admin'], password: 'x' } });
      assert.equal(wrongType.status, 422);
      const garbage = await svc.request('POST', '/api/login', { rawBody: '{nope', headers: { 'content-type': 'application/json' } });
      assert.equal(garbage.status, 400);
      assert.equal(garbage.body.status, 'error');
      assert.equal(await eventCount(), before);
    });

    it('given five wrong passwords, locks the account: the right one is refused too (HTTP 200, status error, the lock in the message)', async () => {
      const user = await createLaravelUser(svc, 'locky');
      for (let i = 0; i < 5; i++) await svc.request('POST', '/api/login', { body: { username: 'locky', password: 'nope-nope' } });
      const res = await svc.request('POST', '/api/login', { body: { username: 'locky', password: user.password } });
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'error');
      assert.match(res.body.message, /锁定/);
    });
  });

  describe('the bearer JWT', () => {
    const writeAttempt = (headers: Record<string, string>) => svc.request('POST', '/api/rbac/roles', { body: { name: 'should-not-exist' }, headers });

    it('without a token, answers 401 in the envelope', async () => {
      const res = await svc.request('GET', '/api/limits');
      assert.equal(res.status, 401);
      assert.deepEqual(Object.keys(res.body).sort(), ['code', 'data', 'errors', 'message', 'status']);
      assert.equal(res.body.status, 'error');
    });

    it('refuses forged, expired, alg-none, tampered, truncated and other surfaces\' tokens with 401, writing nothing', async () => {
      const { jwtSecret } = svc.config;
      const claims = JSON.parse(Buffer.from(admin.token.split('.')[1]!, 'base64url').toString('utf8'));
      const now = Math.floor(Date.now() / 1000);
      const bad: Record<string, string> = {
        forged: await signJwt({ ...claims }, 'another-secret-entirely'),
        expired: await signJwt({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, jwtSecret),
        algNone: `${forgeToken(admin.token, () => undefined, { alg: 'none', typ: 'JWT' }).split('.').slice(0, 2).join('.')}.`,
        algHs512: forgeToken(admin.token, () => undefined, { alg: 'HS512', typ: 'JWT' }),
        tampered: forgeToken(admin.token, (c) => (c.sub = '0'.repeat(32))),
        truncated: admin.token.slice(0, -5),
        v1Token: await svc.adminToken(),
        garbage: 'not-a-jwt',
      };
      const before = await eventCount();
      for (const [what, token] of Object.entries(bad)) {
        const res = await writeAttempt(bearer(token));
        assert.equal(res.status, 401, `${what}: ${res.text}`);
        assert.equal(res.body.status, 'error', what);
        assert.ok(!res.text.includes('stack'), what);
      }
      assert.equal(await eventCount(), before);
      const basic = await svc.request('GET', '/api/limits', { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
      assert.equal(basic.status, 401);
    });

    it('after POST /api/logout, the same token is refused on the very next request; another session is untouched', async () => {
      const first = await laravelLogin(svc, TEST_ADMIN.account, TEST_ADMIN.password);
      const second = await laravelLogin(svc, TEST_ADMIN.account, TEST_ADMIN.password);
      assert.equal((await svc.request('GET', '/api/limits', { headers: first.headers })).status, 200);
      const out = await svc.request('POST', '/api/logout', { headers: first.headers });
      assert.equal(out.status, 200);
      assert.equal(out.body.status, 'ok');
      const after = await svc.request('GET', '/api/limits', { headers: first.headers });
      assert.equal(after.status, 401);
      assert.equal((await svc.request('GET', '/api/limits', { headers: second.headers })).status, 200);
      assert.equal((await svc.request('POST', '/api/logout', { headers: first.headers })).status, 401);
    });

    it('given a user disabled through /v1, their live token is refused (403) on the very next request, and works again once enabled', async () => {
      const user = await createLaravelUser(svc, 'to-be-disabled');
      assert.equal((await svc.request('GET', '/api/limits', { headers: user.headers })).status, 200);
      const v1 = { authorization: `Bearer ${await svc.adminToken()}` };
      assert.equal((await svc.request('POST', `/v1/users/${user.userId}/disable`, { headers: v1 })).status, 204);
      const refused = await svc.request('GET', '/api/limits', { headers: user.headers });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.message, '账号已被禁用');
      assert.equal((await svc.request('POST', `/v1/users/${user.userId}/enable`, { headers: v1 })).status, 204);
      assert.equal((await svc.request('GET', '/api/limits', { headers: user.headers })).status, 200);
    });

    it('still refuses a logged-out token when Redis lost the session (rebuilt from its stream once)', async () => {
      const session = await laravelLogin(svc, TEST_ADMIN.account, TEST_ADMIN.password);
      const jti = JSON.parse(Buffer.from(session.token.split('.')[1]!, 'base64url').toString('utf8')).jti as string;
      await svc.request('POST', '/api/logout', { headers: session.headers });
      await svc.deps.redis.del(`laravel:sess:${jti}`);
      assert.equal((await svc.request('GET', '/api/limits', { headers: session.headers })).status, 401);
      const live = await laravelLogin(svc, TEST_ADMIN.account, TEST_ADMIN.password);
      const liveJti = JSON.parse(Buffer.from(live.token.split('.')[1]!, 'base64url').toString('utf8')).jti as string;
      await svc.deps.redis.del(`laravel:sess:${liveJti}`);
      assert.equal((await svc.request('GET', '/api/limits', { headers: live.headers })).status, 200);
      assert.match((await svc.deps.redis.get(`laravel:sess:${liveJti}`)) ?? '', /:live$/);
    });
  });

  describe('GET /api/limits', () => {
    it("answers the administrator's roles and every permission", async () => {
      const res = await svc.request('GET', '/api/limits', { headers: admin.headers });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data.roles, { suadmin: '超级管理员' });
      assert.deepEqual(Object.keys(res.body.data.perms).sort(), ['/departments/*', '/qrlogin/*', '/rbac/*', '/users/*']);
      assert.equal(res.body.data.perms['/users/*'], '/users/*');
    });

    it('answers a plain user role user and /qrlogin/* only', async () => {
      const plain = await createLaravelUser(svc, 'plain-limits');
      const res = await svc.request('GET', '/api/limits', { headers: plain.headers });
      assert.deepEqual(res.body.data, { roles: { user: '普通用户' }, perms: { '/qrlogin/*': '/qrlogin/*' } });
    });
  });
});
