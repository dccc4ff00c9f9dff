import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../../support/service';

/** Unique mobile and email under real parallel registrations: the claims, the log and the read model agree. */
describe('/v1 registrations racing for one mobile or email', function () {
  this.timeout(60_000);
  let svc: TestService;
  let admin: Record<string, string>;

  before(async () => {
    svc = await startTestService('v1_registration_races');
    admin = { authorization: `Bearer ${await svc.adminToken()}` };
  });
  after(async () => {
    await svc?.stop();
  });

  const register = (body: Record<string, string>) => svc.request('POST', '/v1/users', { body, headers: admin });
  const claims = async (scope: string, value: string) => svc.db.knex('unique_claims').where({ scope, value }).select('stream_id');
  const registered = async () => Number((await svc.db.knex('events').where({ type: 'UserRegistered' }).count<{ n: string }[]>('* as n'))[0]!.n);

  for (const [field, value, column, scope] of [
    ['mobile', '13812345678', 'mobile', 'mobile'],
    ['email', 'Race@Example.com', 'email', 'email'],
  ] as const) {
    it(`given 12 registrations with one ${field} and distinct accounts at once, then one user holds it in the claims, the log and the read model`, async () => {
      const before = await registered();
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => register({ account: `${field}-racer-${i}`, password: 'racer-pass', name: `R${i}`, [field]: i % 2 ? value : value.toUpperCase() })),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, ...Array(11).fill(409)], answers.map((a) => a.text).join('\n'));
      const winner = answers.find((a) => a.status === 201)!.body.id as string;
      assert.equal((await registered()) - before, 1, 'one UserRegistered');
      const claimed = await claims(scope, field === 'email' ? value.toLowerCase() : value);
      assert.deepEqual(claimed.map((c) => c.stream_id), [`user-${winner}`]);
      await svc.projector.catchUp();
      const rows = await svc.db.knex('users').whereRaw(`lower(${column}) = lower(?)`, [value]).select('id');
      assert.deepEqual(rows.map((r) => r.id), [winner]);
      const accounts = await svc.db.knex('unique_claims').where({ scope: 'account' }).andWhere('value', 'like', `${field}-racer-%`);
      assert.equal(accounts.length, 1, 'the losers claimed no account either');
    });
  }
});
