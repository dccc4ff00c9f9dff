import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { registerUser } from '../../../src/commands/identity/handler';
import { signJwt } from '../../../src/secrets/jwt';
import { startTestService, TEST_ADMIN, type TestService } from '../../support/service';
import { testMetadata } from '../../support/events';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('POST /v1/login and administrator tokens', function () {
  this.timeout(30_000);
  let svc: TestService;
  const eventCount = async () => Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);

  before(async () => {
    svc = await startTestService('v1_login');
  });
  after(async () => {
    await svc?.stop();
  });

  it('gives the bootstrap administrator a bearer token that opens /v1', async () => {
    const res = await svc.request('POST', '/v1/login', { body: TEST_ADMIN });
    assert.equal(res.status, 200);
    assert.equal(res.body.tokenType, 'Bearer');
    assert.equal(res.body.expiresIn, 3600);
    const events = await svc.request('GET', '/v1/events?limit=1', { headers: { authorization: `Bearer ${res.body.token}` } });
    assert.equal(events.status, 200);
  });

  it('refuses a wrong password with a problem+json 401 and records the failure', async () => {
    const before = await eventCount();
    const res = await svc.request('POST', '/v1/login', { body: { account: TEST_ADMIN.account, password: 'nope-nope' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(res.body.code, 'invalid_credentials');
    assert.equal(await eventCount(), before + 1);
    assert.ok(!res.text.includes('nope-nope'));
  });

  it('refuses an unknown account the same way, and counts it the same way (one event), so answers do not tell accounts apart', async () => {
    const before = await eventCount();
    const res = await svc.request('POST', '/v1/login', { body: { account: 'ghost', password: 'whatever1' } });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'invalid_credentials');
    assert.equal(res.body.remainingAttempts, 4);
    assert.equal(await eventCount(), before + 1);
  });

  it('refuses a user who is not an administrator with 403, recorded as a refusal', async () => {
    await registerUser({ store: svc.deps.store, dataKey: svc.config.dataKey }, {
      profile: { account: 'plain-user', name: 'Plain', mobile: null, email: null, headImg: null, tenantId: null },
      password: 'plain-password',
    }, testMetadata());
    const res = await svc.request('POST', '/v1/login', { body: { account: 'plain-user', password: 'plain-password' } });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'forbidden');
    const last = await svc.db.knex('events').orderBy('global_position', 'desc').first();
    assert.deepEqual([last.type, last.data.reason], ['UserSignInFailed', 'not_permitted']);
  });

  for (const [name, body, raw, type] of [
    ['a missing password', { account: 'x' }, undefined, undefined],
    ['a password of the wrong type', { account: 'x', password: 12345678 }, undefined, undefined],
    ['an unknown field', { account: 'x', password: 'y', admin: true }, undefined, undefined],
    ['malformed JSON', undefined, '{"account": "x", ', 'application/json'],
    ['a body over the size limit', undefined, JSON.stringify({ account: 'x', password: 'y'.repeat(2 * 1024 * 1024) }), 'application/json'],
    ['a form-encoded body', undefined, 'account=x&password=y', 'application/x-www-form-urlencoded'],
  ] as const) {
    it(`answers ${name} with a problem+json error, no stack, and writes nothing`, async () => {
      const before = await eventCount();
      const res = await svc.request('POST', '/v1/login', { body, rawBody: raw, headers: type ? { 'content-type': type } : {} });
      assert.ok([400, 413, 415, 422].includes(res.status), `status ${res.status}`);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.ok(typeof res.body.code === 'string' && res.body.code !== 'internal', res.text);
      assert.ok(!/at .*\.ts:\d+/.test(res.text), 'stack trace leaked');
      assert.equal(await eventCount(), before);
    });
  }

  describe('a token that is not what we issued', () => {
    const header = { alg: 'HS256', typ: 'JWT' };
    const now = () => Math.floor(Date.now() / 1000);
    const claims = () => ({ sub: 'x', account: 'mallory', roles: ['admin'], iss: 'authledger', iat: now(), exp: now() + 600 });
    const cases: Array<[string, () => string | Promise<string>, string]> = [
      ['signed with another secret', () => signJwt(claims(), 'some-other-secret-of-32-characters'), 'unauthenticated'],
      ['with alg none', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`, 'unauthenticated'],
      ['with a tampered payload', () => 'TAMPER', 'unauthenticated'],
      ['truncated', () => 'TRUNCATE', 'unauthenticated'],
      ['expired', () => signJwt({ ...claims(), iat: now() - 7200, exp: now() - 3600 }, svc.config.jwtSecret), 'token_expired'],
      ['without the admin role', () => signJwt({ ...claims(), roles: ['user'] }, svc.config.jwtSecret), 'forbidden'],
      ['from another issuer', () => signJwt({ ...claims(), iss: 'wxcomponent' }, svc.config.jwtSecret), 'unauthenticated'],
      ['HS256 with the secret as an RSA-style confusion', () => {
        const h = b64url({ ...header, alg: 'RS256' });
        const p = b64url(claims());
        return `${h}.${p}.${createHmac('sha256', svc.config.jwtSecret).update(`${h}.${p}`).digest('base64url')}`;
      }, 'unauthenticated'],
    ];
    for (const [name, make, code] of cases) {
      it(`refuses a token ${name} (${code}), never a 500`, async () => {
        let token = await make();
        const good = await svc.adminToken();
        if (token === 'TAMPER') {
          const [h, p, s] = good.split('.') as [string, string, string];
          const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
          token = `${h}.${b64url({ ...payload, account: 'mallory' })}.${s}`;
        }
        if (token === 'TRUNCATE') token = good.slice(0, good.length - 10);
        const res = await svc.request('GET', '/v1/events', { headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.body.code, code, res.text);
        assert.equal(res.status, code === 'forbidden' ? 403 : 401);
      });
    }
  });

  it('locks the account after five wrong passwords sent at once, and refuses the right one during the lock', async () => {
    await registerUser({ store: svc.deps.store, dataKey: svc.config.dataKey }, {
      profile: { account: 'second-admin', name: 'Second', mobile: null, email: null, headImg: null, tenantId: null },
      password: 'second-password',
      roles: ['admin'],
    }, testMetadata());
    const wrong = await Promise.all(
      Array.from({ length: 12 }, () => svc.request('POST', '/v1/login', { body: { account: 'second-admin', password: 'wrong-password' } })),
    );
    const codes = wrong.map((r) => `${r.status} ${r.body.code}`);
    assert.equal(codes.filter((c) => c === '401 invalid_credentials').length, 4);
    assert.equal(codes.filter((c) => c === '429 account_locked').length, 8);
    const right = await svc.request('POST', '/v1/login', { body: { account: 'second-admin', password: 'second-password' } });
    assert.equal(right.status, 429, 'a lock ends by itself: 429 with Retry-After, as the OpenAPI says');
    assert.equal(right.body.code, 'account_locked');
    assert.ok(Number(right.headers.get('retry-after')) > 590);
    assert.match(right.body.detail, /try again in 10 minute/);
  });
});
