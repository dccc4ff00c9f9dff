import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { licenseClient } from '../licenses/support';
import { openBrowser, SCREENSHOTS, type TestBrowser } from '../support/browser';
import { newEvent } from '../support/events';
import { eventually } from '../support/eventually';
import { startTestService, TEST_ADMIN, type TestService } from '../support/service';

/** Attacker-controlled text as it could arrive in a callback body, a user agent or an account name. */
const HOSTILE = '<img src=x onerror="window.__xss=1">';

describe('the console in Chromium: sign-in, every page, a kick, a disable, a live event', function () {
  this.timeout(240_000);
  let svc: TestService;
  let browser: TestBrowser;
  let admin: Record<string, string>;
  /** Requests any page made to another origin: none is expected (the service must work offline). */
  const foreign: string[] = [];

  before(async () => {
    svc = await startTestService('console_browser');
    admin = { authorization: `Bearer ${await svc.adminToken()}` };
    browser = await openBrowser();
    browser.context.on('requestfinished', (request) => {
      if (!request.url().startsWith(svc.url) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
  });
  after(async () => {
    await browser?.close();
    await svc?.stop();
  });

  const page = () => browser.page;
  const open = async (hash: string) => {
    await page().goto(`${svc.url}/console${hash}`);
  };

  it('refuses a wrong password in the page, then signs in a /v1 administrator', async () => {
    await page().goto(`${svc.url}/`);
    await page().click('a[href="/console"]');
    await page().fill('input[name=account]', TEST_ADMIN.account);
    await page().fill('input[name=password]', 'not-the-password');
    await page().click('button[type=submit]');
    await page().getByRole('alert').waitFor();
    assert.match(await page().getByRole('alert').innerText(), /Wrong account or password/);
    await browser.screenshot('sign-in');
    await page().fill('input[name=password]', TEST_ADMIN.password);
    await page().click('button[type=submit]');
    await page().locator('nav a[data-page=audit].active').waitFor();
    assert.equal(await page().locator('nav .who').innerText(), TEST_ADMIN.account);
  });

  it('audit log: follows a new event live, shows hostile text as text, links to its correlation', async () => {
    await open('#/audit');
    await page().locator('[data-live=on]').waitFor();
    await page().evaluate(() => ((globalThis as unknown as { __xss?: number }).__xss = 0));
    const correlationId = `console-${randomUUID()}`;
    const hostile = newEvent('ConsoleHostileProbe', { note: HOSTILE });
    hostile.metadata = { ...hostile.metadata, correlationId, userAgent: HOSTILE, actor: { kind: 'anonymous', id: null, name: HOSTILE } };
    const sibling = newEvent('ConsoleSiblingProbe', { note: 'same request' });
    sibling.metadata = { ...sibling.metadata, correlationId };
    // Appended after the page is already showing the log: it must arrive by itself.
    await svc.deps.store.appendToStream(`console-probe-${randomUUID()}`, [hostile, sibling]);
    const row = page().locator('tr[data-type=ConsoleHostileProbe]');
    await row.waitFor({ timeout: 60_000 });
    await row.locator('button', { hasText: 'ConsoleHostileProbe' }).click();
    assert.ok((await row.innerText()).includes(HOSTILE), 'the payload, the user agent and the actor are shown as the text they are');
    assert.equal(await page().locator('table.events img').count(), 0, 'no element was made from the text');
    assert.equal(await page().evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), 0, 'no handler ran');
    await browser.screenshot('audit');

    // Every render from the moment the filter names the correlation: none may show another correlation's rows.
    // (A script in the page's own terms: this project's TypeScript has no DOM types.)
    await page().evaluate(`(() => {
      const wanted = ${JSON.stringify(correlationId)};
      const strays = (globalThis.__strays = []);
      new MutationObserver(() => {
        if (document.querySelector('form.filters input[name=correlationId]')?.value !== wanted) return;
        for (const a of document.querySelectorAll('table.events tbody a[data-correlation]')) if (a.dataset.correlation !== wanted) strays.push(a.dataset.correlation);
      }).observe(document.body, { childList: true, subtree: true, attributes: true });
    })()`);
    await row.locator(`a[data-correlation="${correlationId}"]`).click();
    await page().locator('tr[data-type=ConsoleSiblingProbe]').waitFor();
    await page().locator('[data-live=on]').waitFor();
    assert.deepEqual(await page().evaluate(() => (globalThis as unknown as { __strays: string[] }).__strays), [], 'the rows of the filter before were never shown under this one');
    assert.match(page().url(), /correlationId=console-/);
    const types = await page().locator('table.events tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    assert.deepEqual(types.sort(), ['ConsoleHostileProbe', 'ConsoleSiblingProbe']);
  });

  it('users: finds a user, disables them (their next sign-in is refused), shows their history', async () => {
    const account = `console-user-${Date.now()}`;
    const created = await svc.request('POST', '/v1/users', { body: { account, password: 'user-password-1', name: '控制台用户' }, headers: admin });
    assert.equal(created.status, 201);
    await svc.projector.catchUp(); // the list reads the users projection
    await open(`#/users?keyword=${account}`);
    const row = page().locator(`tr[data-user="${account}"]`);
    await row.waitFor();
    await row.locator('button[data-action=disable]').click();
    await row.locator('button[data-action=enable]').waitFor();
    assert.match(await row.innerText(), /disabled/);
    const refused = await svc.request('POST', '/v1/login', { body: { account, password: 'user-password-1' } });
    assert.equal(refused.status, 403, 'the disable took effect, not only on the page');
    await row.locator('button.link', { hasText: account }).click();
    await page().locator(`section.user-detail[data-user="${account}"] table.history tr[data-type=UserDisabled]`).waitFor();
    await page().locator('section.user-detail tr[data-type=UserSignInFailed]').waitFor();
    await browser.screenshot('users');
  });

  it('licenses: seats in use, the chart, and a kick that ends the session', async () => {
    const licenses = licenseClient(svc);
    const sn = await licenses.issue({ seats: 4 });
    const first = await licenses.login(sn, 'console-pc-1');
    assert.equal(first.status, 201);
    assert.equal((await licenses.login(sn, 'console-pc-2')).status, 201);
    await svc.projector.catchUp();
    await open('#/licenses');
    await page().locator(`tr[data-sn="${sn}"] button.link`).click();
    const sessions = page().locator(`section.sessions[data-sn="${sn}"]`);
    await sessions.locator('[data-in-use="2"]').waitFor();
    await sessions.locator('.chart canvas').waitFor();
    await browser.screenshot('licenses');
    const victim = sessions.locator('tr[data-session]').first();
    const sessionId = await victim.getAttribute('data-session');
    await victim.locator('button[data-action=kick]').click();
    await sessions.locator('[data-in-use="1"]').waitFor();
    const live = await svc.request('GET', `/v1/licenses/${sn}/sessions`, { headers: admin });
    assert.deepEqual(
      live.body.items.map((s: { sessionId: string }) => s.sessionId).includes(sessionId),
      false,
      'the kicked session is gone from the stream',
    );
    const ended = await eventually(async () => (await svc.request('GET', `/v1/events?type=LicenseSessionEnded&streamPrefix=license-${sn}`, { headers: admin })).body.events[0]);
    assert.equal(ended.data.status, 'kickOut');
  });

  it('WeChat platform: callbacks per minute by type and the recent records', async () => {
    const now = new Date();
    for (const [msgType, event] of [['event', 'subscribe'], ['event', 'subscribe'], ['text', '']] as const) {
      await svc.deps.store.appendToStream(`wxcallback-console-${randomUUID()}`, [
        newEvent('WxBizCallbackReceived', {
          appid: 'wx00000000000000c1',
          toUserName: 'gh_console',
          fromUserName: 'o-console',
          msgType,
          event,
          createTime: Math.floor(now.getTime() / 1000),
          msgId: null,
          receivedAt: now.toISOString(),
          postBody: JSON.stringify({ Content: HOSTILE }),
        }),
      ]);
    }
    await svc.projector.catchUp();
    await open('#/wechat');
    await page().locator('table.callbacks tbody tr').nth(2).waitFor();
    await page().locator('.chart canvas').waitFor();
    assert.match(await page().locator('[data-card=ticket]').innerText(), /no ticket yet/);
    await browser.screenshot('wechat');
  });

  it('projections and queues: every read model with its lag, and the BullMQ board behind the same sign-in', async () => {
    await svc.projector.catchUp();
    await open('#/projections');
    await page().locator('tr[data-projection=users]').waitFor();
    const names = await page().locator('tr[data-projection]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-projection')));
    assert.ok(names.includes('licenses') && names.includes('wxcomponent'), names.join(', '));
    await browser.screenshot('projections');
    await page().click('a[data-link=queues]');
    await page().getByText('license-expiry').first().waitFor({ timeout: 60_000 });
    await browser.screenshot('queues');

    const stranger = await browser.context.browser()?.newContext();
    if (stranger) {
      const other = await stranger.newPage();
      await other.goto(`${svc.url}/console/queues/`);
      assert.match(other.url(), /\/console(#\/queues)?$/, 'a browser that did not sign in is sent to the sign-in');
      await stranger.close();
    } else {
      const res = await fetch(`${svc.url}/console/queues/`, { redirect: 'manual' });
      assert.equal(res.status, 302, 'a browser that did not sign in is sent to the sign-in');
    }
  });

  it('/docs renders every operation of /openapi.json, grouped by surface', async () => {
    const doc = (await svc.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>>; 'x-tagGroups': Array<{ name: string }> };
    const documented = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).filter((m) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(m)).length, 0);
    await page().goto(`${svc.url}/docs`);
    await page().locator('.opblock').first().waitFor({ timeout: 60_000 });
    // Swagger UI keeps only the operations near the viewport in the DOM (a virtual list): walk the
    // page a screen at a time and collect every operation element that appears.
    const seen = new Set<string>();
    let lastY = -1;
    for (let screen = 0; screen < 1000; screen++) {
      const { ids, y } = await page().evaluate(() => {
        const g = globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ id: string }> }; scrollY: number; innerHeight: number; scrollBy(x: number, y: number): void };
        const found = Array.from(g.document.querySelectorAll('.opblock[id^=operations-]'), (el) => el.id);
        const at = g.scrollY;
        g.scrollBy(0, g.innerHeight * 0.7);
        return { ids: found, y: at };
      });
      for (const id of ids) seen.add(id);
      if (y === lastY) break;
      lastY = y;
      await page().waitForTimeout(100); // lets the virtual list render the new window; the loop ends on the page's bottom, not on time
    }
    assert.equal(seen.size, documented, 'every documented operation was rendered');
    // Swagger UI names each operation element after its section: `operations-<section>-<operationId>`.
    const sectionOf = (id: string) => doc['x-tagGroups'].find((g) => id.replace(/\\/g, '').startsWith(`operations-${g.name.replace(/\s/g, '_')}-`))?.name;
    const unsectioned = [...seen].filter((id) => !sectionOf(id));
    assert.deepEqual(unsectioned, [], 'every operation is under a surface');
    assert.equal(new Set([...seen].map(sectionOf)).size, doc['x-tagGroups'].length, 'every surface has its section');
    await page().evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page().screenshot({ path: `${SCREENSHOTS}/docs.png` });
  });

  it('no page, the queue board included, fetched anything from another origin', () => {
    assert.deepEqual(foreign, []);
  });
});
