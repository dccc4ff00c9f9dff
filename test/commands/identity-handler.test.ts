import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { DomainError } from '../../src/commands/domain-error';
import { registerUser, signInWithPassword } from '../../src/commands/identity/handler';
import { signInAddressStream } from '../../src/commands/sign-in-attempts/events';
import { userStream } from '../../src/commands/identity/events';
import { UniqueClaimConflictError } from '../../src/eventstore/errors';
import { PostgresEventStore } from '../../src/eventstore/postgres';
import { md5Hex } from '../../src/secrets/digest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testMetadata } from '../support/events';

describe('identity command handling against PostgreSQL', function () {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const dataKey = randomBytes(32);
  const deps = () => ({ store, dataKey });
  const profile = (account: string, extra: { mobile?: string; email?: string } = {}) => ({
    account,
    name: account,
    mobile: extra.mobile ?? null,
    email: extra.email ?? null,
    headImg: null,
    tenantId: null,
  });

  before(async () => {
    db = await createTestDatabase('identity');
    store = new PostgresEventStore(db.knex);
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  it('registers a user whose password appears in no event in the clear', async () => {
    const { userId } = await registerUser(deps(), { profile: profile('carol'), password: 'S3cret-pass!' }, testMetadata());
    const events = await store.readStream(userStream(userId));
    const raw = JSON.stringify(events.map((e) => [e.data, e.metadata]));
    assert.equal(events[0]?.type, 'UserRegistered');
    assert.ok(!raw.includes('S3cret-pass!'));
    assert.ok(!raw.includes(md5Hex('S3cret-pass!')), 'not even the MD5 in the clear');
  });

  it('gives an account, case-insensitively, to exactly one of 20 concurrent registrations', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        registerUser(deps(), { profile: profile(i % 2 ? 'Dave' : 'dave', { mobile: `1380000${String(i).padStart(4, '0')}` }), password: 'pw-123456' }, testMetadata()),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof UniqueClaimConflictError);
    // The losers' mobiles were not claimed either: the claim and the append are one.
    const claimedMobiles = await db.knex('unique_claims').where({ scope: 'mobile' }).andWhere('value', 'like', '1380000%');
    assert.equal(claimedMobiles.length, 1);
  });

  it('refuses a second user with a mobile already bound to another', async () => {
    await registerUser(deps(), { profile: profile('erin', { mobile: '13900000001' }), password: 'pw-123456' }, testMetadata());
    await assert.rejects(
      registerUser(deps(), { profile: profile('frank', { mobile: '13900000001' }), password: 'pw-123456' }, testMetadata()),
      (err: unknown) => err instanceof UniqueClaimConflictError && err.claim.scope === 'mobile',
    );
  });

  it('signs in by account, mobile or email with MD5(password)', async () => {
    const { userId } = await registerUser(deps(), { profile: profile('grace', { mobile: '13700000001', email: 'Grace@Example.com' }), password: 'pw-grace-1' }, testMetadata());
    for (const login of ['GRACE', '13700000001', 'grace@example.com']) {
      const signedIn = await signInWithPassword(deps(), { login, passwordMd5: md5Hex('pw-grace-1'), surface: 'v1' }, testMetadata());
      assert.equal(signedIn.userId, userId);
    }
  });

  it('counts 8 concurrent wrong passwords from one address exactly, locks the login there at the fifth, refuses the right one there, and lets it in from elsewhere', async () => {
    const { userId } = await registerUser(deps(), { profile: profile('heidi'), password: 'right-password' }, testMetadata());
    const from = testMetadata({ clientIp: '10.0.0.8' });
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () => signInWithPassword(deps(), { login: 'heidi', passwordMd5: md5Hex('wrong'), surface: 'v1' }, { ...from, correlationId: randomUUID() })),
    );
    const codes = attempts.map((a) => (a.status === 'rejected' ? (a.reason as DomainError).code : 'ok')).sort();
    assert.deepEqual(codes, ['account_locked', 'account_locked', 'account_locked', 'account_locked', 'invalid_credentials', 'invalid_credentials', 'invalid_credentials', 'invalid_credentials']);
    await assert.rejects(
      signInWithPassword(deps(), { login: 'heidi', passwordMd5: md5Hex('right-password'), surface: 'v1' }, testMetadata({ clientIp: '10.0.0.8' })),
      (err: unknown) => err instanceof DomainError && err.code === 'account_locked',
    );
    const types = (await store.readStream(signInAddressStream('10.0.0.8'))).map((e) => e.type);
    assert.equal(types.filter((t) => t === 'SignInLoginLocked').length, 1);
    assert.equal(types.filter((t) => t === 'SignInAttemptFailed').length, 9);
    assert.deepEqual((await store.readStream(userStream(userId))).map((e) => e.type), ['UserRegistered'], 'nothing on the user: the lock is not theirs everywhere');
    await signInWithPassword(deps(), { login: 'heidi', passwordMd5: md5Hex('right-password'), surface: 'v1' }, testMetadata({ clientIp: '10.0.0.9' }));
  });

  it('refuses an unknown login like a wrong password', async () => {
    await assert.rejects(
      signInWithPassword(deps(), { login: 'nobody', passwordMd5: md5Hex('x'), surface: 'v1' }, testMetadata()),
      (err: unknown) => err instanceof DomainError && err.code === 'invalid_credentials',
    );
  });
});
