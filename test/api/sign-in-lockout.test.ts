import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { registerUser } from '../../src/commands/identity/handler';
import { MAX_ADDRESS_FAILURES, MAX_LOGIN_FAILURES } from '../../src/commands/sign-in-attempts/decider';
import { md5Hex } from '../../src/secrets/digest';
import { testMetadata } from '../support/events';
import { startTestService, TEST_ADMIN, type TestService } from '../support/service';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * Sign-in lockout as clients on different machines see it: every client binds its own loopback
 * address (127.0.0.x), so the service sees a different socket peer for each.
 */
describe('sign-in lockout: counted per account and client address, the same for unknown accounts', function () {
  this.timeout(120_000);
  let svc: TestService;
  const password = 'owner-password-1';

  const post = (from: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const url = new URL(path, svc.url);
      const payload = JSON.stringify(body);
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: from, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const v1Login = (from: string, account: string, pw: string, headers?: Record<string, string>) => post(from, '/v1/login', { account, password: pw }, headers);
  const admin = async (account: string) =>
    registerUser({ store: svc.deps.store, dataKey: svc.config.dataKey }, { profile: { account, name: account, mobile: null, email: null, headImg: null, tenantId: null }, password, roles: ['admin'] }, testMetadata());
  const events = async (type: string, where: Record<string, string> = {}) => {
    const q = svc.db.knex('events').where({ type });
    for (const [k, v] of Object.entries(where)) q.whereRaw(`data->>? = ?`, [k, v]);
    return (await q.select('stream_id', 'data', 'metadata')) as Array<{ stream_id: string; data: Record<string, unknown>; metadata: Record<string, unknown> }>;
  };
  /** What a caller can tell apart: status, code, the words, what is left, and how long to wait (whole minutes). */
  const visible = (a: Answer) => ({
    status: a.status,
    code: a.body.code,
    detail: a.body.detail,
    remaining: a.body.remainingAttempts,
    retryAfter: a.headers['retry-after'] === undefined ? undefined : Math.round(Number(a.headers['retry-after']) / 60),
  });

  before(async () => {
    svc = await startTestService('sign_in_lockout');
  });
  after(async () => {
    await svc?.stop();
  });

  it('given five wrong passwords from 127.0.0.2, the account is locked for 127.0.0.2 only (429 with Retry-After), while its owner on 127.0.0.3 signs in', async () => {
    await admin('owner-one');
    for (let i = 1; i < MAX_LOGIN_FAILURES; i++) {
      const wrong = await v1Login('127.0.0.2', 'owner-one', 'guess-guess');
      assert.deepEqual([wrong.status, wrong.body.code, wrong.body.remainingAttempts], [401, 'invalid_credentials', MAX_LOGIN_FAILURES - i]);
    }
    const fifth = await v1Login('127.0.0.2', 'owner-one', 'guess-guess');
    assert.equal(fifth.status, 429);
    assert.equal(fifth.body.code, 'account_locked');
    assert.equal(fifth.headers['retry-after'], '600');
    // The right password from the locking address, spelled differently or claiming another address, is still refused.
    for (const [account, headers] of [['owner-one', {}], [' OWNER-ONE ', {}], ['owner-one', { 'x-forwarded-for': '127.0.0.3', 'x-real-ip': '127.0.0.3' }]] as const) {
      const right = await v1Login('127.0.0.2', account, password, headers);
      assert.equal(right.status, 429, `${account} ${JSON.stringify(headers)}`);
      assert.equal(right.body.code, 'account_locked');
      assert.ok(Number(right.headers['retry-after']) > 590);
    }
    const owner = await v1Login('127.0.0.3', 'owner-one', password);
    assert.equal(owner.status, 200, JSON.stringify(owner.body));
    assert.equal((await post('127.0.0.3', '/api/login', { username: 'owner-one', password })).status, 200, 'and on the Laravel surface');
    const [lock] = await events('SignInLoginLocked', { address: '127.0.0.2' });
    assert.equal(lock!.stream_id, 'sign-in-address-127.0.0.2', 'the lock is an event on the address stream');
    assert.ok(!JSON.stringify(lock).includes('owner-one'), 'the login is kept as a digest');
  });

  it('given the same flood against an unknown account, every answer is the same as for a known one, and so are the events', async () => {
    await admin('owner-two');
    const flood = async (from: string, account: string) => {
      const before = (await events('SignInAttemptFailed', { address: from })).length;
      const answers = [];
      for (let i = 0; i < MAX_LOGIN_FAILURES + 2; i++) answers.push(visible(await v1Login(from, account, 'guess-guess')));
      answers.push(visible(await v1Login(from, account, password)));
      const recorded = (await events('SignInAttemptFailed', { address: from })).length - before;
      return { answers, recorded, locks: (await events('SignInLoginLocked', { address: from })).length };
    };
    const known = await flood('127.0.0.4', 'owner-two');
    const unknown = await flood('127.0.0.5', 'nobody-at-all');
    assert.deepEqual(unknown, known);
    assert.deepEqual(known.answers.map((a) => a.status), [401, 401, 401, 401, 429, 429, 429, 429]);
    // The same on Laravel's surface: the unknown username is counted and locked like a real one.
    const laravel = async (from: string, username: string) => {
      const out = [];
      for (let i = 0; i < MAX_LOGIN_FAILURES + 1; i++) {
        const a = await post(from, '/api/login', { username, password: 'guess-guess' });
        out.push([a.status, a.body.message]);
      }
      return out;
    };
    assert.deepEqual(await laravel('127.0.0.6', 'nobody-at-all'), await laravel('127.0.0.7', 'owner-two'));
  });

  it(`given ${MAX_ADDRESS_FAILURES} failures from one address across accounts, that address is refused everywhere, even with a right password, while others are not`, async () => {
    await admin('owner-three');
    const from = '127.0.0.8';
    for (let i = 0; i < MAX_ADDRESS_FAILURES; i++) {
      const a = await v1Login(from, `sprayed-${i % 7}`, 'guess-guess');
      assert.ok([401, 429].includes(a.status), JSON.stringify(a.body));
    }
    const v1 = await v1Login(from, 'owner-three', password);
    assert.deepEqual([v1.status, v1.body.code], [429, 'rate_limited']);
    assert.ok(Number(v1.headers['retry-after']) > 590);
    // The template's sign-in page toasts refusals: HTTP 200 with status "error" (any other status sends it to its error screen).
    const laravel = await post(from, '/api/login', { username: 'owner-three', password });
    assert.deepEqual([laravel.status, laravel.body.status, laravel.body.message], [200, 'error', '登录失败次数过多，请稍后再试']);
    const wx = await post(from, '/auth', { username: 'owner-three', password: md5Hex(password) });
    assert.equal(wx.body.code, 1011);
    assert.equal((await v1Login('127.0.0.9', 'owner-three', password)).status, 200, 'another address is not affected');
    assert.equal((await events('SignInAddressThrottled', { address: from })).length, 1);
  });

  it('given a user who is not an administrator, a right password on /v1/login and on the wxcomponent /auth is recorded as a refusal, never as UserSignedIn', async () => {
    const { userId } = await registerUser(
      { store: svc.deps.store, dataKey: svc.config.dataKey },
      { profile: { account: 'plain-person', name: 'Plain', mobile: null, email: null, headImg: null, tenantId: null }, password },
      testMetadata(),
    );
    const v1 = await v1Login('127.0.0.10', 'plain-person', password);
    assert.deepEqual([v1.status, v1.body.code], [403, 'forbidden']);
    const wx = await post('127.0.0.10', '/auth', { username: 'plain-person', password: md5Hex(password) });
    assert.equal(wx.body.code, 1006, 'answered like a wrong password, as the original did');
    const refusals = await events('UserSignInFailed', { userId });
    assert.deepEqual(refusals.map((e) => [e.data.surface, e.data.reason]).sort(), [['v1', 'not_permitted'], ['wxcomponent', 'not_permitted']]);
    assert.equal((await events('UserSignedIn', { userId })).length, 0);
    // Their own surface (Laravel) lets them in.
    assert.equal((await post('127.0.0.10', '/api/login', { username: 'plain-person', password })).status, 200);
    assert.equal((await events('UserSignedIn', { userId })).length, 1);
  });

  it('given twelve wrong passwords sent at once from one address, exactly four are wrong-password answers and eight are locks, each counted once', async () => {
    await admin('owner-four');
    const from = '127.0.0.11';
    const answers = await Promise.all(Array.from({ length: 12 }, () => v1Login(from, 'owner-four', 'guess-guess')));
    const codes = answers.map((a) => `${a.status} ${a.body.code}`).sort();
    assert.deepEqual(codes, [...Array(4).fill('401 invalid_credentials'), ...Array(8).fill('429 account_locked')]);
    const failed = await events('SignInAttemptFailed', { address: from });
    assert.deepEqual(failed.map((e) => e.data.addressFailures).sort((a, b) => Number(a) - Number(b)), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.equal(failed.filter((e) => e.data.reason === 'bad_password').length, MAX_LOGIN_FAILURES);
    assert.equal((await events('SignInLoginLocked', { address: from })).length, 1);
    assert.equal((await v1Login('127.0.0.12', 'owner-four', password)).status, 200);
  });

  it(`given ${MAX_ADDRESS_FAILURES + 6} wrong passwords for different accounts sent at once from one address, exactly ${MAX_ADDRESS_FAILURES} are counted before the address is refused`, async () => {
    const from = '127.0.0.13';
    const answers = await Promise.all(Array.from({ length: MAX_ADDRESS_FAILURES + 6 }, (_, i) => v1Login(from, `parallel-${i}`, 'guess-guess')));
    const codes = answers.map((a) => `${a.status} ${a.body.code}`).sort();
    assert.deepEqual(codes, [...Array(MAX_ADDRESS_FAILURES).fill('401 invalid_credentials'), ...Array(6).fill('429 rate_limited')]);
    assert.equal((await events('SignInAttemptFailed', { address: from })).length, MAX_ADDRESS_FAILURES);
    assert.equal((await events('SignInAddressThrottled', { address: from })).length, 1);
  });

  it('the bootstrap administrator is untouched by all of the above from 127.0.0.1', async () => {
    assert.equal((await v1Login('127.0.0.1', TEST_ADMIN.account, TEST_ADMIN.password)).status, 200);
  });
});
