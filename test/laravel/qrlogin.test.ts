import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { expireQrLogin } from '../../src/commands/qrlogin/handler';
import { QR_EXPIRY_QUEUE, qrExpiryJobId } from '../../src/commands/qrlogin/expiry';
import { systemMetadata } from '../../src/commands/system-metadata';
import { startTestService, type TestService } from '../support/service';
import { bearer, createLaravelUser, type LaravelSession } from './support';

const EXPIRED = '二维码已失效，请刷新页面';
const hashOf = (nonce: string) => createHash('sha256').update(nonce).digest('hex');

function qrClient(svc: TestService) {
  return {
    async qrcode(): Promise<string> {
      const res = await svc.request('GET', '/api/qrcode');
      assert.equal(res.status, 200, res.text);
      return res.body.data.nonce as string;
    },
    poll: (nonce: string) => svc.request('POST', '/api/qrlogin', { body: { nonce } }),
    answer: (nonce: string, who: LaravelSession, login: boolean) => svc.request('POST', '/api/confirmqrlogin', { body: { nonce, login }, headers: who.headers }),
    events: async (nonce: string) => (await svc.db.knex('events').where({ stream_id: `qrlogin-${hashOf(nonce)}` }).orderBy('stream_revision')).map((e) => e.type as string),
  };
}

/** HTTP 200 with status "error" and this message: how the template tells its desktop to keep polling. */
function assertNotYet(res: { status: number; body: any }, message: string) {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, { status: 'error', message, data: null, errors: null, code: 0 });
}

describe('Laravel /api QR-code scan login', function () {
  this.timeout(60_000);
  let svc: TestService;
  let qr: ReturnType<typeof qrClient>;
  let phone: LaravelSession;
  let other: LaravelSession;
  const eventCount = async () => Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);

  before(async () => {
    svc = await startTestService('laravel_qrlogin');
    qr = qrClient(svc);
    phone = await createLaravelUser(svc, 'qr-phone', { name: '扫码用户' });
    other = await createLaravelUser(svc, 'qr-other');
  });
  after(async () => {
    await svc?.stop();
  });

  it('GET /api/qrcode answers {expires: 60, nonce, url} and records the request without the nonce itself', async () => {
    const res = await svc.request('GET', '/api/qrcode');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    const { expires, nonce, url } = res.body.data;
    assert.equal(expires, 60);
    assert.match(nonce, /^[A-Za-z0-9]{32}$/);
    assert.equal(url, `${svc.url}/mobile.html#/qrlogin?nonce=${nonce}`);
    assert.deepEqual(await qr.events(nonce), ['QrLoginRequested']);
    const stored = await svc.db.knex('events').where({ stream_id: `qrlogin-${hashOf(nonce)}` });
    assert.ok(!JSON.stringify(stored).includes(nonce), 'the nonce is a credential: only its hash is stored');
    const job = await svc.deps.queues.get(QR_EXPIRY_QUEUE).getJob(qrExpiryJobId(hashOf(nonce)));
    assert.ok(job && (await job.isDelayed()), 'a delayed expiry job with a deterministic id waits for it');
  });

  it('given a nonce, the desktop hears 请扫码, then 请确认登录 after the scan, then gets the token once, and never again', async () => {
    const nonce = await qr.qrcode();
    assertNotYet(await qr.poll(nonce), '请扫码');

    const scanned = await qr.answer(nonce, phone, false);
    assert.equal(scanned.status, 200, scanned.text);
    assert.equal(scanned.body.status, 'ok');
    assertNotYet(await qr.poll(nonce), '请确认登录');

    const confirmed = await qr.answer(nonce, phone, true);
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.equal(confirmed.body.status, 'ok');

    const signedIn = await qr.poll(nonce);
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.equal(signedIn.body.status, 'ok');
    assert.deepEqual(signedIn.body.data.user, { name: '扫码用户', username: 'qr-phone' });
    const limits = await svc.request('GET', '/api/limits', { headers: bearer(signedIn.body.data.token) });
    assert.equal(limits.status, 200, 'the token signs the desktop in as the phone\'s account');

    assertNotYet(await qr.poll(nonce), EXPIRED);
    assertNotYet(await qr.answer(nonce, phone, true), EXPIRED);
    assert.deepEqual(await qr.events(nonce), ['QrLoginRequested', 'QrLoginScanned', 'QrLoginConfirmed', 'QrLoginTokenIssued', 'QrLoginRefused']);
    const all = JSON.stringify(await svc.db.knex('events').select('data', 'metadata'));
    assert.ok(!all.includes(signedIn.body.data.token), 'the token is never in an event');
    const session = await svc.db.knex('events').where({ type: 'LaravelSessionStarted' }).whereRaw("data->>'via' = 'qrcode'").first();
    assert.equal(session.data.userId, phone.userId);
  });

  it('given a confirmed nonce, when 20 desktops poll at once, then exactly one gets a token', async () => {
    const nonce = await qr.qrcode();
    assert.equal((await qr.answer(nonce, phone, true)).status, 200, 'confirming without a scan first is allowed, as in the template');
    const answers = await Promise.all(Array.from({ length: 20 }, () => qr.poll(nonce)));
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200));
    const winners = answers.filter((a) => a.body.status === 'ok');
    assert.equal(winners.length, 1);
    for (const loser of answers.filter((a) => a.body.status !== 'ok')) assertNotYet(loser, EXPIRED);
    const types = await qr.events(nonce);
    assert.equal(types.filter((t) => t === 'QrLoginTokenIssued').length, 1);
    assert.ok(types.filter((t) => t === 'QrLoginRefused').length <= 10, 'refusals are recorded, up to a bound');
  });

  it('given a nonce confirmed by one account, another account can neither scan nor confirm it', async () => {
    const nonce = await qr.qrcode();
    assert.equal((await qr.answer(nonce, phone, true)).status, 200);
    assertNotYet(await qr.answer(nonce, other, true), '该二维码已被其他账号确认');
    assertNotYet(await qr.answer(nonce, other, false), '该二维码已被其他账号确认');
    const signedIn = await qr.poll(nonce);
    assert.equal(signedIn.body.data.user.username, 'qr-phone');
  });

  it('refuses an unauthenticated confirm with 401, writing nothing', async () => {
    const nonce = await qr.qrcode();
    const before = await eventCount();
    const res = await svc.request('POST', '/api/confirmqrlogin', { body: { nonce, login: true } });
    assert.equal(res.status, 401);
    assert.equal(res.body.status, 'error');
    assert.equal(await eventCount(), before);
    assertNotYet(await qr.poll(nonce), '请扫码');
  });

  it('answers 二维码已失效 for an unknown, malformed or missing nonce (未提供nonce to the phone), 422 for a nonce of the wrong JSON type, writing nothing', async () => {
    const before = await eventCount();
    assertNotYet(await qr.poll('A'.repeat(32)), EXPIRED);
    assertNotYet(await qr.poll('../../etc/passwd'), EXPIRED);
    assertNotYet(await qr.answer('B'.repeat(32), phone, true), EXPIRED);
    assertNotYet(await svc.request('POST', '/api/qrlogin', { body: {} }), EXPIRED);
    assertNotYet(await svc.request('POST', '/api/confirmqrlogin', { body: { login: true }, headers: phone.headers }), '未提供nonce');
    const wrongType = await svc.request('POST', '/api/qrlogin', { body: { nonce: { $ne: null } } });
    assert.equal(wrongType.status, 422);
    assert.deepEqual(Object.keys(wrongType.body.errors), ['nonce']);
    assert.equal(await eventCount(), before);
  });

  it('given Redis lost a live nonce, the poll reads its stream and goes on', async () => {
    const nonce = await qr.qrcode();
    await svc.deps.redis.del(`qrlogin:${hashOf(nonce)}`);
    assertNotYet(await qr.poll(nonce), '请扫码');
    await qr.answer(nonce, phone, false);
    await svc.deps.redis.del(`qrlogin:${hashOf(nonce)}`);
    assertNotYet(await qr.poll(nonce), '请确认登录');
  });

  // Last: it spends this address's allowance for the minute.
  it('given one address asking for 130 codes at once, at most 120 a minute get one, the rest are 429 with Retry-After and write no event or job', async () => {
    const requested = async () => Number((await svc.db.knex('events').where({ type: 'QrLoginRequested' }).count<{ count: string }[]>('* as count'))[0]!.count);
    const expiries = () => svc.deps.queues.get(QR_EXPIRY_QUEUE).getDelayedCount();
    const before = { events: await requested(), jobs: await expiries() };
    const answers = await Promise.all(Array.from({ length: 130 }, () => svc.request('GET', '/api/qrcode')));
    const allowed = answers.filter((r) => r.status === 200).length;
    const refused = answers.filter((r) => r.status === 429);
    assert.ok(allowed <= 120 && refused.length >= 10, `${allowed} codes given`);
    assert.equal(allowed + refused.length, 130);
    assert.equal(refused[0]!.body.status, 'error');
    const retryAfter = Number(refused[0]!.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    assert.equal((await requested()) - before.events, allowed);
    assert.equal((await expiries()) - before.jobs, allowed);
  });
});

describe('Laravel /api QR-code scan login: expiry', function () {
  this.timeout(60_000);
  let svc: TestService;
  let qr: ReturnType<typeof qrClient>;
  let phone: LaravelSession;

  before(async () => {
    svc = await startTestService('laravel_qrlogin_expiry', { QR_LOGIN_TTL_SECONDS: '1' });
    qr = qrClient(svc);
    phone = await createLaravelUser(svc, 'qr-late');
  });
  after(async () => {
    await svc?.stop();
  });

  async function waitForEvent(nonce: string, type: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await qr.events(nonce)).includes(type)) {
      if (Date.now() > deadline) throw new Error(`no ${type} on the nonce's stream`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('given a nonce scanned and confirmed, when its life ends, then the expiry job records it and no poll gets a token', async () => {
    const nonce = await qr.qrcode();
    const res = await svc.request('GET', '/api/qrcode');
    assert.equal(res.body.data.expires, 1);
    assert.equal((await qr.answer(nonce, phone, true)).status, 200);
    await waitForEvent(nonce, 'QrLoginExpired');
    assertNotYet(await qr.poll(nonce), EXPIRED);
    assertNotYet(await qr.answer(nonce, phone, true), EXPIRED);
    assert.equal((await qr.events(nonce)).filter((t) => t === 'QrLoginExpired').length, 1);
    assert.equal((await qr.events(nonce)).includes('QrLoginTokenIssued'), false);
  });

  it('expiring again appends nothing (the job is idempotent)', async () => {
    const nonce = await qr.qrcode();
    await waitForEvent(nonce, 'QrLoginExpired');
    const before = await qr.events(nonce);
    const again = await expireQrLogin(svc.deps, hashOf(nonce), systemMetadata('test'));
    assert.equal(again.dueAt, null);
    assert.deepEqual(await qr.events(nonce), before);
  });

  it('given a nonce nobody scanned, the desktop hears 二维码已失效 once its life is over', async () => {
    const nonce = await qr.qrcode();
    assertNotYet(await qr.poll(nonce), '请扫码');
    await new Promise((r) => setTimeout(r, 1_100));
    assertNotYet(await qr.poll(nonce), EXPIRED);
  });

});

describe('Laravel /api/qrcode limits per client address', function () {
  this.timeout(60_000);
  let svc: TestService;
  const requested = async () => Number((await svc.db.knex('events').where({ type: 'QrLoginRequested' }).count<{ count: string }[]>('* as count'))[0]!.count);
  const from = (address: string, n: number) =>
    Promise.all(Array.from({ length: n }, () => svc.request('GET', '/api/qrcode', { headers: { 'x-forwarded-for': address } })));
  const statuses = (answers: Array<{ status: number }>) => answers.map((a) => a.status).sort();

  before(async () => {
    svc = await startTestService('laravel_qrcode_limits', { TRUST_PROXY: 'true', QR_CODE_PER_MINUTE: '5', QR_CODE_OUTSTANDING: '3', QR_LOGIN_TTL_SECONDS: '2' });
  });
  after(async () => {
    await svc?.stop();
  });

  it('given 3 codes alive for an address, 10 parallel calls get exactly 3; a refused call writes nothing; other addresses are unaffected', async () => {
    const before = await requested();
    const [a, b] = await Promise.all([from('203.0.113.7', 10), from('198.51.100.9', 10)]);
    assert.deepEqual(statuses(a), [...Array(3).fill(200), ...Array(7).fill(429)]);
    assert.deepEqual(statuses(b), [...Array(3).fill(200), ...Array(7).fill(429)]);
    const refused = a.find((r) => r.status === 429)!;
    assert.deepEqual(refused.body, { status: 'error', message: '获取二维码过于频繁，请稍后再试', data: null, errors: null, code: 0 });
    assert.ok(['1', '2'].includes(refused.headers.get('retry-after')!), `Retry-After ${refused.headers.get('retry-after')}: until the oldest code expires`);
    assert.equal((await requested()) - before, 6);
  });

  it('counts an IPv6 client by its /64: hosts of one subscriber share the bound', async () => {
    const answers = (await Promise.all([from('2001:db8:1:2::1', 4), from('2001:db8:1:2:ffff:0:0:9', 4), from('2001:db8:1:3::1', 1)])).flat();
    assert.deepEqual(statuses(answers), [...Array(4).fill(200), ...Array(5).fill(429)]);
  });

  it('once its codes expire an address gets more, up to 5 a minute, then Retry-After points to the end of the minute', async () => {
    await new Promise((r) => setTimeout(r, 2_100));
    assert.deepEqual(statuses(await from('203.0.113.7', 3)), [200, 200, 429]);
    const refused = (await from('203.0.113.7', 1))[0]!;
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 2, `Retry-After ${refused.headers.get('retry-after')}`);
  });
});
