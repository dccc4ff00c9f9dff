import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, session, signIn, signOut } from './api.js';
import { html, label } from './ui.js';
import { AuditPage } from './pages/audit.js';
import { UsersPage } from './pages/users.js';
import { LicensesPage } from './pages/licenses.js';
import { WechatPage } from './pages/wechat.js';
import { ProjectionsPage } from './pages/projections.js';

const PAGES = [
  { id: 'audit', en: 'Audit log', zh: '审计日志', page: AuditPage },
  { id: 'users', en: 'Users and apps', zh: '用户与应用', page: UsersPage },
  { id: 'licenses', en: 'Licenses', zh: '授权', page: LicensesPage },
  { id: 'wechat', en: 'WeChat platform', zh: '微信第三方平台', page: WechatPage },
  { id: 'projections', en: 'Projections and queues', zh: '投影与队列', page: ProjectionsPage },
];

/** `#/users?keyword=x` → { id: 'users', params: URLSearchParams }. */
function route() {
  const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
  const id = PAGES.some((p) => p.id === path) ? path : path === 'queues' ? 'projections' : 'audit';
  return { id, params: new URLSearchParams(search || '') };
}

function SignIn({ onDone }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get('account')), String(form.get('password')));
      onDone();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'Wrong account or password · 账号或密码错误' : err.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<main class="signin">
    <form onSubmit=${submit} aria-label="sign in">
      <h1>authledger ${label('console', '控制台')}</h1>
      <p class="small">Sign in with a /v1 administrator · 使用管理员账号登录</p>
      <label>${label('Account', '账号')}<input name="account" autocomplete="username" required /></label>
      <label>${label('Password', '密码')}<input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit" disabled=${busy}>${label('Sign in', '登录')}</button>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <p class="small"><a href="/docs">API reference · 接口文档</a></p>
    </form>
  </main>`;
}

function Shell() {
  const [signedIn, setSignedIn] = useState(Boolean(session.token()));
  const [where, setWhere] = useState(route());
  useEffect(() => {
    session.signedOut = () => setSignedIn(false);
    const onHash = () => setWhere(route());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  if (!signedIn) return html`<${SignIn} onDone=${() => setSignedIn(true)} />`;
  const current = PAGES.find((p) => p.id === where.id);
  const Page = current.page;
  return html`<div class="shell">
    <nav>
      <strong class="brand">authledger</strong>
      ${PAGES.map((p) => html`<a href=${`#/${p.id}`} class=${p.id === where.id ? 'active' : ''} data-page=${p.id}>${label(p.en, p.zh)}</a>`)}
      <a href="/console/queues/" data-page="queues">${label('Queues', '队列')}</a>
      <a href="/docs" target="_blank" rel="noopener">${label('API', '接口')}</a>
      <span class="who">${session.account()}</span>
      <button class="link" onClick=${signOut}>${label('Sign out', '退出')}</button>
    </nav>
    <main class="page" data-page=${current.id}>
      <h1>${label(current.en, current.zh)}</h1>
      <${Page} params=${where.params} />
    </main>
  </div>`;
}

const root = document.getElementById('app');
root.textContent = ''; // the "Loading…" line: Preact renders beside what is there
render(html`<${Shell} />`, root);
