import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DomainError } from '../../src/commands/domain-error';
import { registerUser, signInWithPassword } from '../../src/commands/identity/handler';
import { usersProjection } from '../../src/projections/identity/users';
import { rebuildProjection } from '../../src/projections/rebuild';
import { ProjectionRunner } from '../../src/projections/runner';
import { md5Hex } from '../../src/secrets/digest';
import { testMetadata } from '../support/events';
import { projectionFixture, type ProjectionFixture } from './support';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('users read model', function () {
  this.timeout(60_000);
  let f: ProjectionFixture;
  let runner: ProjectionRunner;
  const dataKey = randomBytes(32);
  const deps = () => ({ store: f.store, dataKey });
  const profile = (account: string, mobile: string | null = null) => ({ account, name: `名${account}`, mobile, email: null, headImg: null, tenantId: null });

  before(async () => {
    f = await projectionFixture('users_rm');
    runner = new ProjectionRunner({ store: f.store, knex: f.knex, projections: [usersProjection], logger: quiet, batchSize: 7 });
    await runner.start();
  });
  after(async () => {
    await runner.stop();
    await f.teardown();
  });

  it('shows registered users and their last sign-in through the plain-named view; wrong passwords are counted per client address, not on the user', async () => {
    const { userId } = await registerUser(deps(), { profile: profile('ivy', '13600000001'), password: 'ivy-password', roles: ['admin'] }, testMetadata());
    await signInWithPassword(deps(), { login: 'ivy', passwordMd5: md5Hex('ivy-password'), surface: 'v1' }, testMetadata());
    for (let i = 0; i < 5; i++) {
      await signInWithPassword(deps(), { login: 'ivy', passwordMd5: md5Hex('wrong'), surface: 'v1' }, testMetadata()).catch((e: DomainError) => e);
    }
    await runner.catchUp({ timeoutMs: 10_000 });
    const row = await f.knex('users').where({ id: userId }).first();
    assert.equal(row.account, 'ivy');
    assert.equal(row.mobile, '13600000001');
    assert.deepEqual(row.roles, ['admin']);
    assert.ok(row.last_sign_in_at);
    assert.deepEqual({ failed: row.failed_sign_ins, locked: row.locked_until }, { failed: 0, locked: null });
    assert.equal(row.revision, 1, 'registered, then signed in: the failures and the lock are on the address stream');
    assert.ok(!JSON.stringify(row).includes(md5Hex('ivy-password')), 'no password material in the read model');
  });

  it('ends equal when rebuilt from zero, after many users were built in small batches while tailing', async () => {
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await registerUser(deps(), { profile: profile(`bulk-${i}`, `1350000${String(i).padStart(4, '0')}`), password: `pw-${i}-xyz` }, testMetadata());
        await signInWithPassword(deps(), { login: `bulk-${i}`, passwordMd5: md5Hex(i % 3 ? `pw-${i}-xyz` : 'wrong'), surface: 'v1' }, testMetadata()).catch(() => undefined);
      }),
    );
    await runner.catchUp({ timeoutMs: 10_000 });
    assert.equal(Number((await f.knex('users').count<{ n: string }[]>('* as n'))[0]!.n), 41);
    const report = await rebuildProjection({ store: f.store, knex: f.knex, projection: usersProjection, swap: false });
    assert.equal(report.tables[0]!.live.rows, 41);
    assert.equal(report.checksumLive, report.checksumRebuilt);
    assert.equal(report.equal, true);
  });
});
