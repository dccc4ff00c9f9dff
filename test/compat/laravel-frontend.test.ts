import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { TEST_ADMIN } from '../support/service';
import { WECOM } from '../laravel/fake-wecom';
import { eventually, startWecomHarness, type WecomHarness } from '../laravel/wecom-harness';
import { createLaravelUser } from '../laravel/support';
import { templateAllows, templateClient, type TemplateClient, type TemplateOutcome } from './template-client';

/**
 * Contract of the Laravel template's own front end (purocean/laravel-template, frontend/src): each
 * call is sent exactly as its page sends it, and each answer is judged by what the page reads.
 * Grouped by screen: desktop sign-in, the route guard, users, departments, phone sign-in, QR confirm.
 */

/** The answer reached the page's success callback as a parsed envelope (status 2xx, Content-Type exactly application/json). */
function envelope(outcome: TemplateOutcome, status: 'ok' | 'error') {
  assert.equal(outcome.kind, 'envelope', `the page got ${JSON.stringify({ ...outcome, response: outcome.response.status })}`);
  if (outcome.kind !== 'envelope') throw new Error('unreachable');
  assert.equal(outcome.status, status, `${outcome.status}: ${outcome.message}`);
  return outcome;
}

/** A refusal the page shows as a toast, a status line or an alert: a non-empty message in an error envelope. */
function shownMessage(outcome: TemplateOutcome, expected?: string | RegExp): string {
  const { message } = envelope(outcome, 'error');
  assert.equal(typeof message, 'string');
  assert.ok(message.length > 0, 'the page shows the message: it must say something');
  if (typeof expected === 'string') assert.equal(message, expected);
  else if (expected) assert.match(message, expected);
  return message;
}

/** The paginator DataTable binds: rows plus total, per_page, current_page and the rest of the __meta_ fields it copies. */
function assertPage(data: Record<string, unknown>, page: number, columns: string[]) {
  for (const key of ['total', 'per_page', 'current_page', 'last_page', 'next_page_url', 'prev_page_url', 'from', 'to']) assert.ok(key in data, `paginator has ${key}`);
  assert.equal(data.current_page, page);
  assert.equal(data.per_page, 15);
  assert.equal(typeof data.total, 'number');
  assert.ok(Array.isArray(data.data));
  for (const row of data.data as Record<string, unknown>[]) for (const column of columns) assert.ok(column in row, `row has ${column}`);
}

describe('Laravel template front end, unchanged, against this service', function () {
  this.timeout(120_000);
  let h: WecomHarness;
  let desktopUrl: string;
  let phoneUrl: string;
  /** The admin's desktop, signed in with the password form. */
  let desk: TemplateClient;

  before(async () => {
    h = await startWecomHarness('compat-laravel-frontend');
    desktopUrl = `${h.svc.url}/`;
    phoneUrl = `${h.svc.url}/mobile.html`;
    await h.syncSettled(() => h.post('/api/users/sync', {}));
  });
  after(async () => {
    await h?.stop();
  });

  describe('desktop 登录 (desktop/Login.vue)', () => {
    it('password form: POST /api/login {username, password} → status ok, data.user and data.token stored, message 登录成功 toasted', async () => {
      desk = templateClient(desktopUrl);
      const res = envelope(await desk.call('/api/login', { method: 'post', body: { username: TEST_ADMIN.account, password: TEST_ADMIN.password } }), 'ok');
      assert.equal(res.message, '登录成功');
      assert.deepEqual(Object.keys(res.data.user).sort(), ['name', 'username']);
      assert.equal(res.data.user.username, TEST_ADMIN.account);
      assert.match(res.data.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      desk.token = res.data.token;
    });

    it('a wrong password, an unknown user or an empty form field is a toast on the sign-in page (HTTP 200, status error), never the error screen', async () => {
      const page = templateClient(desktopUrl);
      shownMessage(await page.call('/api/login', { method: 'post', body: { username: TEST_ADMIN.account, password: 'not-the-password' } }), '账号或者密码有误');
      shownMessage(await page.call('/api/login', { method: 'post', body: { username: 'nobody-at-all', password: 'whatever' } }), '账号或者密码有误');
      shownMessage(await page.call('/api/login', { method: 'post', body: { username: TEST_ADMIN.account, password: '' } }), '账号或者密码有误');
    });

    it('repeated wrong passwords stay toasts, locked or not: the page can always show why', async () => {
      await createLaravelUser(h.svc, 'desk-typo', { password: 'right-password-1' });
      const page = templateClient(desktopUrl);
      for (let i = 0; i < 7; i++) shownMessage(await page.call('/api/login', { method: 'post', body: { username: 'desk-typo', password: `wrong-${i}` } }));
    });

    it('the username is trimmed as Laravel trims input; the password is not', async () => {
      const page = templateClient(desktopUrl);
      envelope(await page.call('/api/login', { method: 'post', body: { username: ` ${TEST_ADMIN.account} `, password: TEST_ADMIN.password } }), 'ok');
      shownMessage(await page.call('/api/login', { method: 'post', body: { username: TEST_ADMIN.account, password: ` ${TEST_ADMIN.password}` } }));
    });

    it('QR panel on mount: GET /api/qrcode (signed out: "Authorization: Bearer") → data.nonce, data.url for the QR image, data.expires in seconds for the refresh timer', async () => {
      const page = templateClient(desktopUrl);
      const res = envelope(await page.call('/api/qrcode'), 'ok');
      assert.match(res.data.nonce, /^\S+$/);
      assert.equal(res.data.url, `${h.svc.url}/mobile.html#/qrlogin?nonce=${encodeURIComponent(res.data.nonce)}`);
      assert.equal(typeof res.data.expires, 'number');
      assert.ok(res.data.expires * 1000 >= 30_000, 'the page waits expires × 1000 ms before asking for a new code');
    });

    it('QR polling: POST /api/qrlogin {nonce} shows 请扫码, then 请确认登录 after the scan, then signs the desktop in with the phone\'s account', async () => {
      const page = templateClient(desktopUrl);
      const { nonce } = envelope(await page.call('/api/qrcode'), 'ok').data;
      const poll = () => page.call('/api/qrlogin', { method: 'post', body: { nonce } });
      shownMessage(await poll(), '请扫码');

      const phone = templateClient(phoneUrl, (await createLaravelUser(h.svc, 'qr-desk-phone', { name: '扫码人' })).token);
      envelope(await phone.call('/api/confirmqrlogin', { method: 'post', body: { nonce, login: false } }), 'ok');
      shownMessage(await poll(), '请确认登录');
      envelope(await phone.call('/api/confirmqrlogin', { method: 'post', body: { nonce, login: { isTrusted: true } } }), 'ok');

      const signedIn = envelope(await poll(), 'ok');
      assert.equal(signedIn.message, '登录成功');
      assert.deepEqual(signedIn.data.user, { name: '扫码人', username: 'qr-desk-phone' });
      page.token = signedIn.data.token;
      envelope(await page.call('/api/limits'), 'ok');
      // Ours: a nonce yields one token. A poll still in flight after the page moved on reads as a status line, not an error screen.
      shownMessage(await poll(), '二维码已失效，请刷新页面');
    });

    it('an unknown or expired nonce reads 二维码已失效，请刷新页面 in the status line', async () => {
      const page = templateClient(desktopUrl);
      shownMessage(await page.call('/api/qrlogin', { method: 'post', body: { nonce: 'A'.repeat(32) } }), '二维码已失效，请刷新页面');
      shownMessage(await page.call('/api/qrlogin', { method: 'post', body: { nonce: '' } }), '二维码已失效，请刷新页面');
    });
  });

  describe('route guard and header (auth/Auth.js, layouts/Desktop.vue)', () => {
    it('GET /api/limits → data.roles (name → display name) and data.perms (name → name): the admin may open /users and /departments', async () => {
      const res = envelope(await desk.call('/api/limits'), 'ok');
      assert.equal(res.data.roles.suadmin, '超级管理员');
      for (const path of ['/users', '/users/admin', '/departments']) assert.ok(templateAllows(res.data.perms, path), path);
    });

    it('a plain user is kept out by the guard (403 screen from the answer itself) and the header hides the role 普通用户', async () => {
      const plain = templateClient(desktopUrl, (await createLaravelUser(h.svc, 'desk-plain')).token);
      const res = envelope(await plain.call('/api/limits'), 'ok');
      assert.deepEqual(Object.values(res.data.roles).filter((name) => name !== '普通用户'), []);
      assert.equal(templateAllows(res.data.perms, '/users'), false);
      const refused = await plain.call('api/users?page=1');
      assert.deepEqual({ kind: refused.kind, status: refused.response.status }, { kind: 'error-screen', status: 403 });
    });

    it('signed out ("Authorization: Bearer" with no token) on a guarded call: 401, so the page wipes its session and reloads to sign in', async () => {
      const signedOut = templateClient(desktopUrl);
      assert.equal((await signedOut.call('api/users?page=1')).kind, 'signed-out');
      assert.equal((await signedOut.call('/api/limits')).kind, 'signed-out');
    });
  });

  describe('用户管理 (desktop/Users.vue, components/DataTable.vue)', () => {
    it('on mount: GET /api/rbac/roles → data, each {id, name, display_name} for the side menu and the roles dialog', async () => {
      const res = envelope(await desk.call('/api/rbac/roles'), 'ok');
      assert.ok(Array.isArray(res.data));
      for (const role of res.data) for (const key of ['id', 'name', 'display_name']) assert.ok(key in role, key);
      assert.deepEqual(res.data.map((r: { name: string }) => r.name).filter((n: string) => ['suadmin', 'admin', 'user'].includes(n)).sort(), ['admin', 'suadmin', 'user']);
    });

    it('the table: GET api/users?page=1 → a paginator of {id, username, name, email, updated_at}; page 2 of a short list is empty, not an error', async () => {
      const first = envelope(await desk.call('api/users?page=1'), 'ok');
      assertPage(first.data, 1, ['id', 'username', 'name', 'email', 'updated_at']);
      assert.ok(first.data.data.some((u: { username: string }) => u.username === 'zhangsan'));
      const second = envelope(await desk.call('api/users?page=2'), 'ok');
      assertPage(second.data, 2, []);
    });

    it('search: api/users?search=<typed text, not encoded by the page>&page=1&_t=<time>; an empty box lists everyone', async () => {
      const found = envelope(await desk.call(`api/users?search=张三&page=1&_t=${Date.now()}`), 'ok');
      assert.deepEqual(found.data.data.map((u: { username: string }) => u.username), ['zhangsan']);
      const everyone = envelope(await desk.call(`api/users?search=&page=1&_t=${Date.now()}`), 'ok');
      assert.equal(everyone.data.total, envelope(await desk.call('api/users?page=1'), 'ok').data.total);
      const long = envelope(await desk.call(`api/users?search=${'长'.repeat(300)}&page=1&_t=${Date.now()}`), 'ok');
      assert.equal(long.data.total, 0);
    });

    it('a role in the side menu: GET api/rbac/roles/users/<role, URI-encoded>?page=1 lists its holders; WeCom members hold role user', async () => {
      const res = envelope(await desk.call(`api/rbac/roles/users/${encodeURIComponent('user')}?page=1`), 'ok');
      assertPage(res.data, 1, ['id', 'username', 'name', 'email', 'updated_at']);
      const names = res.data.data.map((u: { username: string }) => u.username);
      for (const member of ['zhangsan', 'lisi', 'wangwu']) assert.ok(names.includes(member), member);
    });

    it('the roles dialog: GET /api/rbac/roles/<username> ticks data[].name; POST /api/rbac/roles/attach {username, rolenames} toasts 操作成功', async () => {
      const ticked = envelope(await desk.call('/api/rbac/roles/zhangsan'), 'ok');
      assert.deepEqual(ticked.data.map((r: { name: string }) => r.name), ['user']);
      const saved = envelope(await desk.call('/api/rbac/roles/attach', { method: 'post', body: { username: 'zhangsan', rolenames: ['user', 'admin'] } }), 'ok');
      assert.equal(saved.message, '操作成功');
      assert.deepEqual(envelope(await desk.call('/api/rbac/roles/zhangsan'), 'ok').data.map((r: { name: string }) => r.name).sort(), ['admin', 'user']);
      envelope(await desk.call('/api/rbac/roles/attach', { method: 'post', body: { username: 'zhangsan', rolenames: [] } }), 'ok');
      assert.deepEqual(envelope(await desk.call('/api/rbac/roles/zhangsan'), 'ok').data, []);
      envelope(await desk.call('/api/rbac/roles/attach', { method: 'post', body: { username: 'zhangsan', rolenames: ['user'] } }), 'ok');
      shownMessage(await desk.call('/api/rbac/roles/attach', { method: 'post', body: { username: 'zhangsan', rolenames: ['no-such-role'] } }), /no-such-role/);
    });

    it('the message dialog: POST /api/users/sendmessage/<username> {message} toasts 发送消息成功 and WeCom delivers it', async () => {
      const sent = envelope(await desk.call('/api/users/sendmessage/lisi', { method: 'post', body: { message: '明天开会' } }), 'ok');
      assert.equal(sent.message, '发送消息成功');
      await eventually(async () => h.wecom.delivered.some((m) => m.touser === 'lisi' && m.content === '明天开会'));
    });

    it('the message dialog refuses as toasts: an empty message, a user outside WeCom', async () => {
      shownMessage(await desk.call('/api/users/sendmessage/lisi', { method: 'post', body: { message: '' } }));
      shownMessage(await desk.call(`/api/users/sendmessage/${TEST_ADMIN.account}`, { method: 'post', body: { message: 'hi' } }), /企业微信/);
    });

    it('从企业号同步: POST /api/users/sync with no body toasts the original words and the table reloads', async () => {
      let res: TemplateOutcome | undefined;
      await h.syncSettled(async () => (res = await desk.call('/api/users/sync', { method: 'post' })));
      assert.equal(envelope(res!, 'ok').message, '已经开始同步，请稍后刷新页面查看同步结果');
      envelope(await desk.call('api/users?page=1'), 'ok');
    });
  });

  describe('部门管理 (desktop/Departments.vue)', () => {
    it('the table: GET api/departments?page=1 → a paginator of {id, name, updated_at}', async () => {
      const res = envelope(await desk.call('api/departments?page=1'), 'ok');
      assertPage(res.data, 1, ['id', 'name', 'updated_at']);
      assert.deepEqual(res.data.data.map((d: { name: string }) => d.name), ['总部', '研发部', '市场部']);
    });

    it('从企业号同步: POST /api/departments/sync with no body toasts the original words', async () => {
      let res: TemplateOutcome | undefined;
      await h.syncSettled(async () => (res = await desk.call('/api/departments/sync', { method: 'post' })));
      assert.equal(envelope(res!, 'ok').message, '已经开始同步，请稍后刷新页面查看同步结果');
    });
  });

  describe('phone 登录 through WeCom (mobile.html, mobile/Login.vue)', () => {
    const next = '/qrlogin?nonce=abc123';

    it('<script src="api/wxjs">: JavaScript that calls wx.config with the corp id and a valid JS-SDK signature for mobile.html, then hides the menu', async () => {
      const res = await fetch(new URL('api/wxjs', phoneUrl));
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/javascript/);
      const calls: string[] = [];
      let config: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
      const wx = { config: (c: typeof config) => (config = c), ready: (fn: () => void) => fn(), hideOptionMenu: () => calls.push('hideOptionMenu') };
      runInNewContext(await res.text(), { wx });
      assert.equal(config.appId, WECOM.corpId);
      assert.equal(config.debug, false);
      const ticketCall = h.wecom.callsTo('get_jsapi_ticket').at(-1);
      assert.ok(ticketCall, 'the ticket comes from WeCom');
      const ticket = `jsapi-ticket-for-${ticketCall.query.access_token}`;
      const expected = createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${config.nonceStr}&timestamp=${config.timestamp}&url=${h.svc.url}/mobile.html`).digest('hex');
      assert.equal(config.signature, expected);
      for (const api of ['previewImage', 'hideOptionMenu', 'closeWindow']) assert.ok(config.jsApiList.includes(api), api);
      assert.deepEqual(calls, ['hideOptionMenu']);
    });

    it('no code yet: location.href = /api/wxcode?next=<encoded> → 302 to WeCom\'s OAuth page, coming back to this very URL', async () => {
      const start = new URL(`/api/wxcode?next=${encodeURIComponent(next)}`, phoneUrl);
      const res = await fetch(start, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const to = new URL(res.headers.get('location')!);
      assert.equal(`${to.origin}${to.pathname}`, 'https://open.weixin.qq.com/connect/oauth2/authorize');
      assert.equal(to.hash, '#wechat_redirect');
      assert.equal(to.searchParams.get('appid'), WECOM.corpId);
      assert.equal(to.searchParams.get('redirect_uri'), start.href);
      assert.equal(to.searchParams.get('response_type'), 'code');
      assert.equal(to.searchParams.get('scope'), 'snsapi_base');
      assert.equal(to.searchParams.get('state'), 'WechatOAuth');
    });

    it('back from WeCom with code and state: 302 to mobile.html#/login/ whose query gives the page its code and next', async () => {
      const back = new URL(`/api/wxcode?next=${encodeURIComponent(next)}&code=CODE-1&state=WechatOAuth`, phoneUrl);
      const res = await fetch(back, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const to = new URL(res.headers.get('location')!, phoneUrl);
      assert.equal(to.pathname, '/mobile.html');
      const [route, query] = to.hash.slice(1).split('?') as [string, string];
      assert.equal(route, '/login/');
      const params = new URLSearchParams(query);
      assert.equal(params.get('code'), 'CODE-1');
      assert.equal(params.get('next'), next);
    });

    it('hostile next or code cannot steer the way back anywhere but this service\'s phone page, nor add to its query', async () => {
      for (const [hostileNext, hostileCode] of [['//evil.example/x', 'c#/evil'], ['https://evil.example', 'c&next=//evil.example'], ['javascript:alert(1)', '\r\nLocation: //evil']]) {
        const back = new URL(`/api/wxcode?next=${encodeURIComponent(hostileNext!)}&code=${encodeURIComponent(hostileCode!)}&state=WechatOAuth`, phoneUrl);
        const res = await fetch(back, { redirect: 'manual' });
        assert.equal(res.status, 302);
        const to = new URL(res.headers.get('location')!, phoneUrl);
        assert.equal(`${to.origin}${to.pathname}`, phoneUrl);
        const params = new URLSearchParams(to.hash.slice(1).split('?')[1]);
        assert.deepEqual([...params.keys()], ['code', 'next']);
        assert.deepEqual([params.get('code'), params.get('next')], [hostileCode, hostileNext]);
      }
    });

    it('POST /api/codelogin {code} → status ok, data.user and data.token, message 登录成功', async () => {
      h.wecom.codes.set('phone-code-zhangsan', 'zhangsan');
      const phone = templateClient(phoneUrl);
      const res = envelope(await phone.call('/api/codelogin', { method: 'post', body: { code: 'phone-code-zhangsan' } }), 'ok');
      assert.equal(res.message, '登录成功');
      assert.deepEqual(res.data.user, { name: '张三', username: 'zhangsan' });
      phone.token = res.data.token;
      envelope(await phone.call('/api/limits'), 'ok');
    });

    it('a used code, an outsider or a member not synced yet: the page shows the message instead of 登录成功', async () => {
      const phone = templateClient(phoneUrl);
      shownMessage(await phone.call('/api/codelogin', { method: 'post', body: { code: 'phone-code-zhangsan' } }));
      h.wecom.codes.set('phone-code-outsider', { openId: 'o-visitor' });
      shownMessage(await phone.call('/api/codelogin', { method: 'post', body: { code: 'phone-code-outsider' } }));
      h.wecom.members.push({ userid: 'zhaoliu', name: '赵六', department: [2], status: 1 });
      h.wecom.codes.set('phone-code-zhaoliu', 'zhaoliu');
      await h.syncSettled(async () => shownMessage(await phone.call('/api/codelogin', { method: 'post', body: { code: 'phone-code-zhaoliu' } }), /稍后重试/));
    });
  });

  describe('扫码登录 on the phone (mobile/Qrlogin.vue)', () => {
    let phone: TemplateClient;
    before(async () => {
      h.wecom.codes.set('phone-code-zhaoliu-2', 'zhaoliu');
      phone = templateClient(phoneUrl);
      phone.token = envelope(await phone.call('/api/codelogin', { method: 'post', body: { code: 'phone-code-zhaoliu-2' } }), 'ok').data.token;
    });

    it('the guard lets a member new from WeCom open /qrlogin: GET /api/limits grants /qrlogin/*', async () => {
      const res = envelope(await phone.call('/api/limits'), 'ok');
      assert.ok(templateAllows(res.data.perms, '/qrlogin'));
    });

    it('on mount {nonce, login: false}, on the button {nonce, login: <click event>}: both status ok (no alert), and the desktop is signed in as the member', async () => {
      const desktop = templateClient(desktopUrl);
      const { nonce } = envelope(await desktop.call('/api/qrcode'), 'ok').data;
      envelope(await phone.call('/api/confirmqrlogin', { method: 'post', body: { nonce, login: false } }), 'ok');
      envelope(await phone.call('/api/confirmqrlogin', { method: 'post', body: { nonce, login: { isTrusted: true } } }), 'ok');
      const signedIn = envelope(await desktop.call('/api/qrlogin', { method: 'post', body: { nonce } }), 'ok');
      assert.deepEqual(signedIn.data.user, { name: '赵六', username: 'zhaoliu' });
    });

    it('opened without a nonce, or with a dead one: status error, so the page alerts the message and closes', async () => {
      shownMessage(await phone.call('/api/confirmqrlogin', { method: 'post', body: { nonce: undefined, login: false } }), '未提供nonce');
      shownMessage(await phone.call('/api/confirmqrlogin', { method: 'post', body: { nonce: 'B'.repeat(32), login: false } }), '二维码已失效，请刷新页面');
    });
  });

  describe("every paged table reads ?page= as Laravel's paginator did", () => {
    const lists = ['api/users', `api/rbac/roles/users/${encodeURIComponent('user')}`, 'api/departments'];

    it('a page that is not a whole number of at least 1 (0, -2, abc, 1.5, 01, empty) is page 1, not a 422 that would send the table to its error screen', async () => {
      for (const list of lists) {
        const first = envelope(await desk.call(`${list}?page=1`), 'ok');
        assert.ok(first.data.data.length > 0, `${list} has rows to compare`);
        for (const page of ['0', '-2', 'abc', '1.5', '01', '', '%20']) {
          const res = envelope(await desk.call(`${list}?page=${page}`), 'ok');
          assertPage(res.data, 1, []);
          assert.deepEqual(res.data.data, first.data.data, `${list}?page=${page}`);
          assert.equal(res.data.prev_page_url, null);
        }
      }
    });

    it('spaces and a plus sign around a number are read as PHP reads them, the last of repeated pages counts, and a page past the last is an empty page', async () => {
      const first = envelope(await desk.call('api/users?page=1'), 'ok');
      for (const page of ['%201%20', '%2B1', '9&page=1']) assert.deepEqual(envelope(await desk.call(`api/users?page=${page}`), 'ok').data.data, first.data.data, page);
      const far = envelope(await desk.call('api/users?page=99999999999'), 'ok');
      assert.deepEqual([far.data.data, far.data.from, far.data.next_page_url], [[], null, null]);
      assert.ok(far.data.current_page > far.data.last_page);
    });
  });
});
