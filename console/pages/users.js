import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { ErrorLine, html, label, time, useLoad } from '../ui.js';

const SIGN_IN_TYPES = new Set(['UserSignedIn', 'UserSignInFailed', 'UserLocked', 'UserDisabled', 'UserEnabled']);

/** A user's sign-ins, refusals, locks and status changes, newest first, from their stream. */
function UserDetail({ user, apps }) {
  const history = useLoad(() => api(`/streams/user-${user.id}/events${query({ direction: 'backwards', limit: 200 })}`), [user.id, user.disabled]);
  const seats = useLoad(
    () =>
      Promise.all(
        (apps || []).map((app) =>
          api(`/streams/${encodeURIComponent(`seat-${user.id}-${app.id}`)}/events${query({ direction: 'backwards', limit: 1 })}`).then((r) => ({ app, last: r.events[0] || null })),
        ),
      ),
    [user.id, (apps || []).length],
  );
  const events = (history.data?.events || []).filter((e) => SIGN_IN_TYPES.has(e.type));
  const now = Date.now();
  const locks = events.filter((e) => e.type === 'UserLocked' && new Date(e.data.until).getTime() > now);
  const held = (seats.data || []).filter((s) => s.last);
  return html`<section class="user-detail" data-user=${user.account}>
    <h2>${user.account} <span class="small">${user.name}</span></h2>
    <h3>${label('Locks now', '当前锁定')}</h3>
    ${locks.length
      ? html`<ul>${locks.map((e) => html`<li class="mono">until ${time(e.data.until)} after ${e.data.failures} failures (${e.metadata.clientIp || '—'})</li>`)}</ul>`
      : html`<p class="small">No lock on the account · 账号未锁定 (per-address locks are in the log as refusals)</p>`}
    <h3>${label('Tokens (current seat per app)', '令牌（每个应用的当前席位）')}</h3>
    <${ErrorLine} error=${seats.error} />
    ${held.length
      ? html`<table><thead><tr><th>App</th><th>Token</th><th>${label('Taken', '签发')}</th></tr></thead><tbody>
          ${held.map((s) => html`<tr><td>${s.app.name}</td><td class="mono"><a href=${`#/audit?streamPrefix=${encodeURIComponent(`token-${s.last.data.tokenId}`)}&all=1`}>${s.last.data.tokenId}</a></td><td class="mono">${time(s.last.created)}</td></tr>`)}
        </tbody></table>`
      : html`<p class="small">No token seat · 无令牌</p>`}
    <h3>${label('Sign-in history', '登录记录')}</h3>
    <${ErrorLine} error=${history.error} />
    <table class="history"><thead><tr><th>${label('Time', '时间')}</th><th>${label('What', '事件')}</th><th>Surface</th><th>${label('Address / agent', '地址 / 客户端')}</th></tr></thead><tbody>
      ${events.map((e) => html`<tr data-type=${e.type}>
        <td class="mono">${time(e.created)}</td>
        <td>${e.type}${e.data.reason ? html` <span class="badge bad">${e.data.reason}</span>` : ''}</td>
        <td>${e.data.surface || ''}</td>
        <td class="mono">${e.metadata.clientIp || '—'} <span class="small">${e.metadata.userAgent || ''}</span></td>
      </tr>`)}
    </tbody></table>
  </section>`;
}

export function UsersPage({ params }) {
  const [keyword, setKeyword] = useState(params.get('keyword') || '');
  const [selected, setSelected] = useState(null);
  const [error, setError] = useState(null);
  const users = useLoad(() => api(`/users${query({ keyword, size: 50 })}`), [keyword]);
  const apps = useLoad(() => api('/apps').catch(() => ({ items: [] })), []);
  async function toggle(user) {
    setError(null);
    try {
      await api(`/users/${user.id}/${user.disabled ? 'enable' : 'disable'}`, { method: 'POST' });
      const wanted = !user.disabled;
      // The list is a projection: wait (bounded) until it shows the change.
      for (let i = 0; i < 50; i++) {
        const again = await api(`/users${query({ keyword: user.account, size: 50 })}`);
        if (again.items.some((u) => u.id === user.id && u.disabled === wanted)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (selected?.id === user.id) setSelected({ ...user, disabled: wanted });
      users.reload();
    } catch (err) {
      setError(err);
    }
  }
  const appItems = apps.data ? apps.data.items || apps.data : [];
  return html`<section>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setKeyword(String(new FormData(e.target).get('keyword') || '')); }}>
      <label>${label('Search', '搜索')}<input name="keyword" placeholder="account, name, mobile, email" value=${keyword} /></label>
      <button type="submit">${label('Search', '搜索')}</button>
      <a href="#/audit?type=UserSignInFailed">${label('Failed sign-ins', '失败的登录')}</a>
    </form>
    <${ErrorLine} error=${users.error || error} />
    <div class="split">
      <div>
        <p class="small">${users.data ? `${users.data.total} users · 位用户` : 'Loading… · 加载中'}</p>
        <table class="users"><thead><tr><th>${label('Account', '账号')}</th><th>${label('Name', '姓名')}</th><th>${label('Mobile / email', '手机 / 邮箱')}</th><th>${label('Status', '状态')}</th><th></th></tr></thead><tbody>
          ${(users.data?.items || []).map((u) => html`<tr class=${selected?.id === u.id ? 'selected' : ''} data-user=${u.account}>
            <td><button class="link" onClick=${() => setSelected(u)}>${u.account}</button></td>
            <td>${u.name}</td>
            <td class="mono">${u.mobile || ''} ${u.email || ''}</td>
            <td>${u.disabled ? html`<span class="badge bad">disabled · 已禁用</span>` : html`<span class="badge ok">active · 正常</span>`}</td>
            <td>${u.builtin ? '' : html`<button class=${u.disabled ? 'secondary' : 'danger'} data-action=${u.disabled ? 'enable' : 'disable'} onClick=${() => toggle(u)}>${u.disabled ? label('Enable', '启用') : label('Disable', '禁用')}</button>`}</td>
          </tr>`)}
        </tbody></table>
        <h2>${label('Applications', '应用')}</h2>
        <table class="apps"><thead><tr><th>${label('Name', '名称')}</th><th>Id</th></tr></thead><tbody>
          ${appItems.map((a) => html`<tr><td>${a.name}</td><td class="mono">${a.id}</td></tr>`)}
        </tbody></table>
      </div>
      <div>${selected ? html`<${UserDetail} key=${selected.id} user=${selected} apps=${appItems} />` : html`<p class="small">Pick a user to see their sign-ins, locks and tokens · 选择用户查看登录记录、锁定与令牌</p>`}</div>
    </div>
  </section>`;
}
