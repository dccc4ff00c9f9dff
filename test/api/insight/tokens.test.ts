import assert from 'node:assert/strict';
import { systemMetadata } from '../../../src/commands/system-metadata';
import { tokenKey, userKey } from '../../../src/commands/tokens/token-cache';
import { renameAccount } from '../../../src/commands/wxcomponent/credentials';
import { startTestService, type TestService } from '../../support/service';
import { createApp, createUser, decodeToken, encodeToken, freshDevice, getCode, login, loginOk, md5, postToken, refresh, revoke, sign, status } from './insight-client';

describe('Insight tokens: codes, sign-in, status, refresh and logout', function () {
  this.timeout(60_000);
  let svc: TestService;
  let sharedApp: string;
  const eventCount = async () => Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);
  const eventsOf = async (type: string) => Number((await svc.db.knex('events').where({ type }).count<{ count: string }[]>('* as count'))[0]!.count);

  before(async () => {
    svc = await startTestService('insight_tokens', { INSIGHT_CODE_TTL_SECONDS: '1' });
    sharedApp = await createApp(svc, { tokenMode: 'shared' });
    await createUser(svc, { account: 'alice', password: 'alice-pass', name: '爱丽丝', mobile: '13800000001', email: 'alice@example.com' });
  });
  after(async () => {
    await svc?.stop();
  });

  describe('GET tokens/codes', () => {
    it('given an account, answers a fresh 32-hex code each time', async () => {
      const [a, b] = [await getCode(svc, 'alice'), await getCode(svc, 'alice')];
      assert.match(a, /^[0-9a-f]{32}$/);
      assert.notEqual(a, b);
    });

    it('given an unknown account, still answers a code, and the sign-in fails like a wrong password, counted the same way (one event)', async () => {
      const code = await getCode(svc, 'nobody-here');
      assert.match(code, /^[0-9a-f]{32}$/);
      const before = await eventCount();
      const res = await postToken(svc, { appId: sharedApp, account: 'nobody-here', signature: sign('nobody-here', md5('x'), code) });
      assert.equal(res.body.success, false);
      assert.equal(res.body.code, 420);
      assert.equal(await eventCount(), before + 1);
    });

    it('refuses a missing account with 430', async () => {
      const res = await svc.request('GET', '/base/auth/v1.0/tokens/codes', { headers: freshDevice() });
      assert.equal(res.status, 200);
      assert.equal(res.body.code, 430);
    });
  });

  describe('POST tokens', () => {
    it('given the right signature, answers the seed’s token package, and the access token is Base64 JSON {id, userId, userName, secret}', async () => {
      const data = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      assert.deepEqual(Object.keys(data), ['accessToken', 'refreshToken', 'expire', 'failure', 'userInfo']);
      assert.equal(data.expire, 7_200_000);
      assert.equal(data.failure, 86_400_000);
      const access = decodeToken(data.accessToken);
      const refreshToken = decodeToken(data.refreshToken);
      assert.deepEqual(Object.keys(access), ['id', 'userId', 'userName', 'secret']);
      assert.equal(access.id, refreshToken.id);
      assert.notEqual(access.secret, refreshToken.secret);
      assert.equal(access.userName, '爱丽丝');
      assert.equal(data.userInfo.account, 'alice');
      assert.equal(data.userInfo.mobile, '13800000001');
      assert.match(String(data.userInfo.createdTime), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.equal((await status(svc, data.accessToken)).body.code, 200);
    });

    it('given an account renamed and its old name registered again, the old name signs in its new holder only', async () => {
      const first = await createUser(svc, { account: 'dora', password: 'dora-pass' });
      await loginOk(svc, sharedApp, 'dora', 'dora-pass');
      await renameAccount({ store: svc.deps.store }, { userId: first, account: 'dora-renamed' }, systemMetadata('test'));
      const second = await createUser(svc, { account: 'dora', password: 'second-pass' });

      const refused = await login(svc, sharedApp, 'dora', 'dora-pass');
      assert.equal(refused.body.code, 420);
      assert.equal(decodeToken((await loginOk(svc, sharedApp, 'dora', 'second-pass')).accessToken).userId, second);
      assert.equal(decodeToken((await loginOk(svc, sharedApp, 'dora-renamed', 'dora-pass')).accessToken).userId, first);
    });

    it('signs in by mobile or email too', async () => {
      await loginOk(svc, sharedApp, '13800000001', 'alice-pass');
      await loginOk(svc, sharedApp, 'alice@example.com', 'alice-pass');
    });

    it('never stores a secret in the clear: events and Redis hold only hashes', async () => {
      const data = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      const { id, secret } = decodeToken(data.accessToken);
      const rows = await svc.db.knex('events').where({ stream_id: `token-${id}` }).select('data');
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(secret));
      assert.ok(!JSON.stringify(rows).includes(decodeToken(data.refreshToken).secret));
      const cached = await svc.deps.redis.hgetall(tokenKey(id));
      assert.ok(!JSON.stringify(cached).includes(secret));
    });

    it('a code works once: the same signature a second time is refused', async () => {
      const code = await getCode(svc, 'alice');
      const body = { appId: sharedApp, account: 'alice', signature: sign('alice', md5('alice-pass'), code) };
      assert.equal((await postToken(svc, body)).body.code, 200);
      const again = await postToken(svc, body);
      assert.equal(again.body.code, 420);
    });

    it('a code expires (INSIGHT_CODE_TTL_SECONDS=1 here)', async () => {
      const code = await getCode(svc, 'alice');
      await new Promise((r) => setTimeout(r, 1_300));
      const res = await postToken(svc, { appId: sharedApp, account: 'alice', signature: sign('alice', md5('alice-pass'), code) });
      assert.equal(res.body.code, 420);
    });

    it('given an unknown appId, answers 430 and does not consume the signature', async () => {
      const code = await getCode(svc, 'alice');
      const body = { appId: 'f'.repeat(32), account: 'alice', signature: sign('alice', md5('alice-pass'), code) };
      const before = await eventCount();
      const res = await postToken(svc, body);
      assert.equal(res.body.code, 430);
      assert.equal(await eventCount(), before);
      assert.equal((await postToken(svc, { ...body, appId: sharedApp })).body.code, 200);
    });

    for (const [name, body] of [
      ['no signature', { appId: 'a'.repeat(32), account: 'alice' }],
      ['a signature that is not 32 hex', { appId: 'a'.repeat(32), account: 'alice', signature: 'xyz' }],
      ['a numeric account', { appId: 'a'.repeat(32), account: 42, signature: 'a'.repeat(32) }],
      ['an appId that is not 32 hex', { appId: 'app', account: 'alice', signature: 'a'.repeat(32) }],
    ] as const) {
      it(`refuses ${name} with 430 and writes nothing`, async () => {
        const before = await eventCount();
        const res = await postToken(svc, body);
        assert.equal(res.status, 200);
        assert.equal(res.body.code, 430);
        assert.equal(await eventCount(), before);
      });
    }

    it('refuses a body that is not JSON with 430, writing nothing', async () => {
      const before = await eventCount();
      const res = await svc.request('POST', '/base/auth/v1.0/tokens', { rawBody: '{"appId": ', headers: { 'content-type': 'application/json', ...freshDevice() } });
      assert.equal(res.body.code, 430);
      assert.equal(await eventCount(), before);
    });
  });

  describe('lockout', () => {
    it('five wrong signatures lock the account for 10 minutes; a right signature during the lock is refused; all are events', async () => {
      await createUser(svc, { account: 'bob', password: 'bob-pass' });
      for (let i = 1; i <= 4; i++) {
        const res = await login(svc, sharedApp, 'bob', 'wrong-pass');
        assert.equal(res.body.code, 420, `attempt ${i}`);
      }
      const fifth = await login(svc, sharedApp, 'bob', 'wrong-pass');
      assert.equal(fifth.body.code, 400);
      assert.match(fifth.body.message, /锁定/);
      const right = await login(svc, sharedApp, 'bob', 'bob-pass');
      assert.equal(right.body.success, false);
      assert.equal(right.body.code, 400);
      assert.match(right.body.message, /锁定/);
      assert.equal(await eventsOf('SignInLoginLocked'), 1);
      assert.ok((await eventsOf('SignInAttemptFailed')) >= 6);
    });
  });

  describe('GET tokens/status', () => {
    const tamper = (token: string, change: (t: ReturnType<typeof decodeToken>) => unknown) => encodeToken(change(decodeToken(token)));
    it('answers 421 — never 500 — for tokens that are not what we issued', async () => {
      const { accessToken } = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      const flip = (s: string) => (s[0] === 'a' ? 'b' : 'a') + s.slice(1);
      const cases: Record<string, string | undefined> = {
        missing: undefined,
        empty: '',
        garbage: '!!!not base64!!!',
        truncated: accessToken.slice(0, 40),
        'base64 of text': Buffer.from('hello').toString('base64'),
        'base64 of an array': encodeToken([1, 2]),
        'a tampered secret': tamper(accessToken, (t) => ({ ...t, secret: flip(t.secret) })),
        'another user id': tamper(accessToken, (t) => ({ ...t, userId: flip(t.userId) })),
        'a foreign token id': tamper(accessToken, (t) => ({ ...t, id: 'c'.repeat(32) })),
        'the seed example token': 'eyJpZCI6IjUyZmFlYWI5OWUxMTQwNzBhOTliZDk2YTI0MmM3YWE2IiwidXNlcklkIjoiMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAiLCJ1c2VyTmFtZSI6bnVsbCwic2VjcmV0IjoiMWQyNWY3MDEwYzVhNDFhNGJiMGE2OTE0ZDA4OWZlNzQifQ==',
        'a huge header': 'A'.repeat(6000),
        'a Bearer prefix': `Bearer ${accessToken}`,
      };
      for (const [name, token] of Object.entries(cases)) {
        const res = await svc.request('GET', '/base/auth/v1.0/tokens/status', { headers: { ...(token === undefined ? {} : { authorization: token }), ...freshDevice() } });
        assert.equal(res.status, 200, name);
        assert.equal(res.body.code, 421, `${name}: ${res.text}`);
        assert.equal(res.body.success, false);
      }
      assert.equal((await status(svc, accessToken)).body.code, 200);
    });

    it('refuses the refresh token where an access token belongs', async () => {
      const { refreshToken } = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      assert.equal((await status(svc, refreshToken)).body.code, 421);
    });

    it('survives a Redis miss: the state is rebuilt from the token stream', async () => {
      const { accessToken } = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      await svc.deps.redis.del(tokenKey(decodeToken(accessToken).id));
      assert.equal((await status(svc, accessToken)).body.code, 200);
      assert.equal((await svc.deps.redis.exists(tokenKey(decodeToken(accessToken).id))), 1);
    });
  });

  describe('PUT tokens (refresh) and DELETE tokens (logout)', () => {
    it('refresh gives a new access token; the old one is dead on the very next status', async () => {
      const first = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      const res = await refresh(svc, first.refreshToken);
      assert.equal(res.body.code, 200, res.text);
      assert.notEqual(res.body.data.accessToken, first.accessToken);
      assert.equal(decodeToken(res.body.data.accessToken).id, decodeToken(first.accessToken).id);
      assert.equal(res.body.data.refreshToken, first.refreshToken);
      assert.equal((await status(svc, first.accessToken)).body.code, 421);
      assert.equal((await status(svc, res.body.data.accessToken)).body.code, 200);
    });

    it('refuses to refresh with the access token', async () => {
      const { accessToken } = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      assert.equal((await refresh(svc, accessToken)).body.code, 421);
    });

    it('allows 12 refreshes, then the 13th is refused', async () => {
      const { refreshToken } = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      for (let i = 1; i <= 12; i++) assert.equal((await refresh(svc, refreshToken)).body.code, 200, `refresh ${i}`);
      const thirteenth = await refresh(svc, refreshToken);
      assert.equal(thirteenth.body.code, 421);
      assert.match(thirteenth.body.message, /刷新次数/);
    });

    it('logout kills the access and the refresh token, seen by the very next request', async () => {
      const { accessToken, refreshToken } = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      const res = await revoke(svc, accessToken);
      assert.equal(res.body.code, 200);
      assert.equal((await status(svc, accessToken)).body.code, 421);
      assert.equal((await refresh(svc, refreshToken)).body.code, 421);
      assert.equal((await revoke(svc, accessToken)).body.code, 421);
      // Even after Redis forgets, the stream still says revoked.
      await svc.deps.redis.del(tokenKey(decodeToken(accessToken).id));
      assert.equal((await status(svc, accessToken)).body.code, 421);
    });

    it('a logout that finds Redis stale (it lost a write-through) refuses with 421 and puts the truth back', async () => {
      const { accessToken } = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      assert.equal((await revoke(svc, accessToken)).body.code, 200);
      await svc.deps.redis.hset(tokenKey(decodeToken(accessToken).id), 'k', '0'); // as if the revoke never reached Redis
      assert.equal((await revoke(svc, accessToken)).body.code, 421);
      assert.equal((await status(svc, accessToken)).body.code, 421);
    });

    it('concurrent refreshes of one token each give a different access token, and only the last written stays valid', async () => {
      const { refreshToken } = await loginOk(svc, sharedApp, 'alice', 'alice-pass');
      const answers = await Promise.all(Array.from({ length: 5 }, () => refresh(svc, refreshToken)));
      const tokens = answers.filter((r) => r.body.code === 200).map((r) => r.body.data.accessToken as string);
      assert.equal(tokens.length, 5);
      const valid = (await Promise.all(tokens.map((t) => status(svc, t)))).filter((r) => r.body.code === 200);
      assert.equal(valid.length, 1);
    });
  });

  describe('expiry', () => {
    it('past its expire time the access token is 422; a refresh brings it back', async () => {
      const quickApp = await createApp(svc, { tokenMode: 'shared', tokenLife: 1000 });
      const data = await loginOk(svc, quickApp, 'alice', 'alice-pass');
      assert.equal(data.expire, 1000);
      assert.equal(data.failure, 12_000);
      await new Promise((r) => setTimeout(r, 1_100));
      const expired = await status(svc, data.accessToken);
      assert.equal(expired.body.code, 422);
      const renewed = await refresh(svc, data.refreshToken);
      assert.equal(renewed.body.code, 200);
      assert.equal((await status(svc, renewed.body.data.accessToken)).body.code, 200);
    });
  });

  describe('disabled users', () => {
    it('disabling a user makes their token answer 413 on the next request; enabling brings it back', async () => {
      const userId = await createUser(svc, { account: 'carol', password: 'carol-pass' });
      const { accessToken, refreshToken } = await loginOk(svc, sharedApp, 'carol', 'carol-pass');
      const admin = { authorization: `Bearer ${await svc.adminToken()}` };
      assert.equal((await svc.request('POST', `/v1/users/${userId}/disable`, { headers: admin })).status, 204);
      assert.equal((await status(svc, accessToken)).body.code, 413);
      assert.equal((await refresh(svc, refreshToken)).body.code, 413);
      assert.equal((await login(svc, sharedApp, 'carol', 'carol-pass')).body.code, 413);
      await svc.deps.redis.del(userKey(userId)); // a Redis miss folds the user's stream: still disabled
      assert.equal((await status(svc, accessToken)).body.code, 413);
      assert.equal((await svc.request('POST', `/v1/users/${userId}/enable`, { headers: admin })).status, 204);
      assert.equal((await status(svc, accessToken)).body.code, 200);
    });
  });
});
