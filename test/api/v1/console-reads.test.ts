import assert from 'node:assert/strict';
import { licenseClient } from '../../licenses/support';
import { newEvent } from '../../support/events';
import { eventually } from '../../support/eventually';
import { startTestService, type TestService } from '../../support/service';

describe('the console: pages, the queue board sign-in and the /v1 reads it uses', function () {
  this.timeout(60_000);
  let svc: TestService;
  let auth: Record<string, string>;
  const get = (path: string, headers = auth) => svc.request('GET', path, { headers });

  before(async () => {
    svc = await startTestService('v1_console_reads');
    auth = { authorization: `Bearer ${await svc.adminToken()}` };
  });
  after(async () => {
    await svc?.stop();
  });

  it('/ points to /console and /docs; both pages are served from our own files with a strict CSP', async () => {
    const home = await svc.request('GET', '/');
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type')!, /text\/html/);
    assert.ok(home.text.includes('href="/console"') && home.text.includes('href="/docs"'));
    for (const page of ['/console', '/docs']) {
      const res = await svc.request('GET', page);
      assert.equal(res.status, 200, page);
      const csp = res.headers.get('content-security-policy')!;
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.ok(!/https?:\/\//.test(res.text.replace(/<a [^>]*>/g, '')), `${page} loads nothing from another origin`);
    }
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/docs.js', '/console/app.js', '/console/vendor/preact.mjs', '/console/vendor/uplot.mjs']) {
      const res = await svc.request('GET', asset);
      assert.equal(res.status, 200, asset);
      assert.match(res.headers.get('content-type')!, /javascript/, asset);
    }
    assert.equal((await svc.request('GET', '/console/../package.json')).status, 404, 'only the listed files are served');
    assert.equal((await svc.request('POST', '/console')).status, 405);
  });

  it('/openapi.json puts every operation in one of the surface groups', async () => {
    const doc = (await svc.request('GET', '/openapi.json')).body;
    const groups: Array<{ name: string; tags: string[] }> = doc['x-tagGroups'];
    const names = groups.map((g) => g.name);
    assert.equal(names.length, 6, names.join(' | '));
    for (const [path, item] of Object.entries<Record<string, { 'x-group'?: string }>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) assert.ok(names.includes(op['x-group']!), `${method} ${path} is in a group`);
    }
  });

  it('the queue board answers only a browser that the console signed in', async () => {
    const anonymous = await svc.request('GET', '/console/queues/api/queues', { headers: { accept: 'application/json' } });
    assert.equal(anonymous.status, 401);
    const forged = await svc.request('GET', '/console/queues/api/queues', { headers: { accept: 'application/json', cookie: 'authledger_board=not.a.token' } });
    assert.equal(forged.status, 401);
    assert.equal((await svc.request('POST', '/v1/queue-board/session')).status, 401, 'the session needs an administrator token');
    const opened = await svc.request('POST', '/v1/queue-board/session', { headers: auth });
    assert.equal(opened.status, 204);
    const cookie = opened.headers.get('set-cookie')!;
    assert.match(cookie, /httponly/i);
    assert.match(cookie, /samesite=strict/i);
    assert.match(cookie, /path=\/console\/queues/i);
    const board = await svc.request('GET', '/console/queues/api/queues', { headers: { accept: 'application/json', cookie: cookie.split(';')[0]! } });
    assert.equal(board.status, 200);
    const queues = (board.body.queues as Array<{ name: string }>).map((q) => q.name);
    assert.ok(queues.includes('license-expiry'), queues.join(', '));
  });

  it('GET /v1/events filters on correlation and actor, reading on from `next`', async () => {
    for (let i = 0; i < 6; i++) {
      const e = newEvent('ConsoleProbe', { i });
      e.metadata.correlationId = i % 2 ? 'corr-odd' : 'corr-even';
      e.metadata.actor = { kind: 'admin', id: `actor-${i % 3}`, name: `name-${i % 3}` };
      await svc.deps.store.appendToStream(`console-probe-${i}`, [e]);
    }
    const odd = await eventually(async () => {
      const res = await get('/v1/events?correlationId=corr-odd&type=ConsoleProbe');
      return res.body.events.length === 3 && res;
    });
    assert.deepEqual(odd.body.events.map((e: { data: { i: number } }) => e.data.i), [1, 3, 5]);
    const byActor = await get('/v1/events?actor=name-1&type=ConsoleProbe');
    assert.deepEqual(byActor.body.events.map((e: { data: { i: number } }) => e.data.i), [1, 4]);
    const first = await get('/v1/events?actor=actor-0&type=ConsoleProbe&limit=1');
    const rest = await get(`/v1/events?actor=actor-0&type=ConsoleProbe&after=${first.body.next}`);
    assert.deepEqual([...first.body.events, ...rest.body.events].map((e: { data: { i: number } }) => e.data.i), [0, 3]);
    assert.equal((await get('/v1/events?correlationId=')).status, 422);
  });

  it('GET /v1/projections shows each read model, its checkpoint and no lag once caught up with the log', async () => {
    await svc.projector.catchUp();
    const res = await get('/v1/projections');
    assert.equal(res.status, 200);
    const names = res.body.items.map((p: { name: string }) => p.name);
    assert.ok(names.includes('users') && names.includes('licenses'), names.join(', '));
    const users = res.body.items.find((p: { name: string }) => p.name === 'users');
    assert.equal(users.state, 'active');
    assert.equal(users.lagEvents, 0);
    assert.match(res.body.head, /^\d+-\d+$/);
  });

  it('GET /v1/license-seats and /v1/licenses/{sn}/seats-over-time count the seats a login holds', async () => {
    const licenses = licenseClient(svc);
    const sn = await licenses.issue({ seats: 3 });
    assert.equal((await licenses.login(sn, 'console-m1')).status, 201);
    assert.equal((await licenses.login(sn, 'console-m2')).status, 201);
    await svc.projector.catchUp();
    const now = await get(`/v1/license-seats?sn=${sn}&sn=AAAAAAAAAAAAAAAA`);
    assert.deepEqual(now.body.items, [{ sn, inUse: 2 }, { sn: 'AAAAAAAAAAAAAAAA', inUse: 0 }]);
    const chart = await get(`/v1/licenses/${sn}/seats-over-time?hours=1`);
    assert.equal(chart.status, 200);
    assert.equal(chart.body.stepSeconds, 60);
    assert.equal(chart.body.items.at(-1).inUse, 2, 'now: two seats');
    assert.equal(chart.body.items[0].inUse, 0, 'an hour ago: none');
    assert.equal((await get('/v1/licenses/lower-case/seats-over-time')).status, 422);
  });

  it('GET /v1/wechat/* answer on a platform that has seen nothing yet, and show no secret', async () => {
    const status = await get('/v1/wechat/status');
    assert.equal(status.status, 200);
    assert.equal(status.body.ticketCreatedAt, null);
    assert.deepEqual(status.body.componentToken, { expiresAt: null, refreshedAt: null });
    assert.deepEqual((await get('/v1/wechat/callbacks/per-minute?minutes=5')).body.items, []);
    assert.deepEqual((await get('/v1/wechat/callbacks')).body.items, []);
    assert.equal((await get('/v1/wechat/status', {})).status, 401);
  });
});
