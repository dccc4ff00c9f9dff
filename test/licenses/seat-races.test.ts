import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../support/service';
import { licenseClient } from './support';

/**
 * The seat invariants under real parallel requests (logins are raced in sessions.test.ts):
 * checkouts never exceed the seats, priority kicks take each seat once, and one machine holds one
 * checkout however many it sends at once. Each spec counts what the log and the read model hold.
 */
describe('license seats under parallel checkouts and kicks', function () {
  this.timeout(60_000);
  let svc: TestService;
  let c: ReturnType<typeof licenseClient>;
  const until = () => new Date(Date.now() + 3_600_000);
  const ended = async (sn: string, status: string) =>
    Number((await svc.db.knex('events').where({ type: 'LicenseSessionEnded' }).whereRaw("data->>'sn' = ? and data->>'status' = ?", [sn, status]).count<{ n: string }[]>('* as n'))[0]!.n);

  before(async () => {
    svc = await startTestService('license_seat_races');
    c = licenseClient(svc);
  });
  after(async () => {
    await svc?.stop();
  });

  it('given 40 checkouts from distinct machines at once on a 4-seat SN, then 4 borrow a seat and 36 are refused and logged with errorCode 1001', async () => {
    const sn = await c.issue({ seats: 4 });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => c.checkout(sn, `borrower-${i}`, until())));
    assert.equal(answers.filter((a) => a.status === 201).length, 4);
    const refused = answers.filter((a) => a.status === 409);
    assert.equal(refused.length, 36);
    assert.ok(refused.every((a) => a.body.errorCode === 1001));
    assert.equal(await c.live(sn), 4);
    const rows = await c.logs(sn);
    assert.equal(rows.filter((r) => r.live && r.error_code === 0).length, 4);
    assert.equal(rows.filter((r) => !r.live && r.error_code === 1001).length, 36);
    assert.deepEqual(new Set(rows.filter((r) => r.live).map((r) => r.number)), new Set([0, 1, 2, 3]));
  });

  it('given 3 seats held at priority 1, when 15 logins at priority 9 arrive at once, then each seat is taken once: 3 kicks, 12 refusals', async () => {
    const sn = await c.issue({ seats: 3 });
    const low = await Promise.all([0, 1, 2].map((i) => c.login(sn, `low-${i}`, { priority: 1 })));
    assert.deepEqual(low.map((l) => l.status), [201, 201, 201]);
    const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => c.login(sn, `high-${i}`, { priority: 9 })));
    assert.equal(answers.filter((a) => a.status === 201).length, 3, answers.map((a) => a.text).join('\n'));
    assert.equal(answers.filter((a) => a.status === 409 && a.body.errorCode === 1001).length, 12);
    assert.equal(await ended(sn, 'highPriorityKick'), 3, 'each low session was kicked once');
    const rows = await c.logs(sn);
    assert.deepEqual(rows.filter((r) => r.live).map((r) => r.machine_id).sort(), answers.flatMap((a, i) => (a.status === 201 ? [`high-${i}`] : [])).sort());
    assert.deepEqual(rows.filter((r) => r.status === 'highPriorityKick').map((r) => r.machine_id).sort(), ['low-0', 'low-1', 'low-2']);
    assert.equal(await c.live(sn), 3);
    for (const l of low) assert.equal((await c.call('heartbeat', sn, l.body.sessionId)).status, 404);
  });

  it('given 10 checkouts from one machine at once on a 2-seat SN, then that machine ends with one checkout, every other one covered, and a seat to spare', async () => {
    const sn = await c.issue({ seats: 2 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => c.checkout(sn, 'one-laptop', until())));
    assert.deepEqual(answers.map((a) => a.status), Array(10).fill(201), 'a cover frees the seat it takes: none is refused');
    assert.equal(await c.live(sn), 1, 'one machine holds one seat');
    assert.equal(await ended(sn, 'checkoutCover'), 9, 'every checkout but the one left was covered once');
    const rows = await c.logs(sn);
    const live = rows.filter((r) => r.live);
    assert.equal(live.length, 1);
    assert.ok(answers.some((a) => a.body.sessionId === live[0]!.session_id), 'the live row is one of the answered checkouts');
    assert.equal(rows.filter((r) => r.status === 'checkoutCover').length, 9);
    assert.equal((await c.checkout(sn, 'another-laptop', until())).status, 201, 'the second seat was never taken by the covered ones');
  });
});
