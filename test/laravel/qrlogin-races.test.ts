import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestService, type TestService } from '../support/service';
import { createLaravelUser, type LaravelSession } from './support';

const hashOf = (nonce: string) => createHash('sha256').update(nonce).digest('hex');

/** A QR-code nonce signs in one account, also when several phones confirm it at the same moment. */
describe('Laravel /api/confirmqrlogin from several accounts at once', function () {
  this.timeout(90_000);
  let svc: TestService;
  let phones: LaravelSession[];

  before(async () => {
    svc = await startTestService('laravel_qrlogin_races');
    phones = [];
    for (let i = 0; i < 4; i++) phones.push(await createLaravelUser(svc, `qr-racer-${i}`));
  });
  after(async () => {
    await svc?.stop();
  });

  const nonce = async () => (await svc.request('GET', '/api/qrcode')).body.data.nonce as string;
  const confirm = (n: string, who: LaravelSession, login: boolean) => svc.request('POST', '/api/confirmqrlogin', { body: { nonce: n, login }, headers: who.headers });
  const events = async (n: string) => svc.db.knex('events').where({ stream_id: `qrlogin-${hashOf(n)}` }).orderBy('stream_revision').select('type', 'data');

  // Scans do not hold a nonce (the template lets a later scan replace an earlier one); a confirmation does.
  for (const scannedFirst of [false, true]) {
    it(`given one nonce${scannedFirst ? ' scanned by 4 accounts' : ''}, when the 4 confirm it at once, then one account holds it and the desktop signs in as that one`, async () => {
      const n = await nonce();
      if (scannedFirst) for (const p of phones) assert.equal((await confirm(n, p, false)).body.status, 'ok');
      const answers = await Promise.all(phones.map((p) => confirm(n, p, true)));
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200]);
      const winners = phones.filter((_, i) => answers[i]!.body.status === 'ok');
      assert.equal(winners.length, 1, answers.map((a) => a.text).join('\n'));
      for (const a of answers.filter((x) => x.body.status !== 'ok')) assert.equal(a.body.message, '该二维码已被其他账号确认');
      const confirmed = (await events(n)).filter((e) => e.type === 'QrLoginConfirmed');
      assert.equal(confirmed.length, 1);
      assert.equal(confirmed[0]!.data.userId, winners[0]!.userId);
      const polled = await svc.request('POST', '/api/qrlogin', { body: { nonce: n } });
      assert.equal(polled.body.status, 'ok', polled.text);
      assert.equal(polled.body.data.user.username, winners[0]!.username);
      const session = await svc.db.knex('events').where({ type: 'LaravelSessionStarted' }).whereRaw("data->>'via' = 'qrcode'").orderBy('global_position', 'desc').first();
      assert.equal(session.data.userId, winners[0]!.userId);
    });
  }
});
