import { api, query } from '../api.js';
import { ErrorLine, age, html, label, time, useLoad } from '../ui.js';
import { TimeChart } from './licenses.js';

const TICKET_STALE_S = 20 * 60;

function Expiry({ token, now }) {
  if (!token.expiresAt) return html`<span class="small">never refreshed · 未刷新</span>`;
  const left = new Date(token.expiresAt).getTime() - now;
  return html`<span class=${left > 0 ? '' : 'error'}>${time(token.expiresAt)} (${age(token.expiresAt, now)})</span><br /><span class="small">refreshed · 刷新于 ${time(token.refreshedAt)}</span>`;
}

export function WechatPage() {
  const status = useLoad(() => api('/wechat/status'), []);
  const perMinute = useLoad(() => api(`/wechat/callbacks/per-minute${query({ minutes: 60 })}`), []);
  const recent = useLoad(() => api(`/wechat/callbacks${query({ limit: 50 })}`), []);
  const s = status.data;
  const now = s ? new Date(s.now).getTime() : Date.now();
  const ticketAge = s?.ticketCreatedAt ? (now - new Date(s.ticketCreatedAt).getTime()) / 1000 : null;

  // One series per source:type, one point per minute of the last hour (absent minutes are 0).
  let chart = null;
  if (perMinute.data) {
    const start = Date.parse(perMinute.data.since);
    const xs = Array.from({ length: 61 }, (_, i) => (start + i * 60_000) / 1000);
    const byType = new Map();
    for (const row of perMinute.data.items) {
      const key = `${row.source}:${row.type}`;
      if (!byType.has(key)) byType.set(key, new Array(xs.length).fill(0));
      const i = Math.round((Date.parse(row.minute) - start) / 60_000);
      if (i >= 0 && i < xs.length) byType.get(key)[i] = row.count;
    }
    const series = [...byType].map(([key, values]) => ({ label: key, values }));
    chart = series.length ? html`<${TimeChart} xs=${xs} series=${series} stepped=${false} />` : html`<p class="small">No callback in the last hour · 近一小时无回调</p>`;
  }

  return html`<section>
    <${ErrorLine} error=${status.error} />
    <div class="cards">
      <div class="card" data-card="ticket">${label('Verify ticket age', '票据时长')}<div class="value">${ticketAge === null ? '—' : `${Math.round(ticketAge / 60)} min`}</div>
        <span class=${ticketAge !== null && ticketAge > TICKET_STALE_S ? 'error' : 'small'}>${s?.ticketCreatedAt ? time(s.ticketCreatedAt) : 'no ticket yet · 尚未收到票据'}</span></div>
      <div class="card" data-card="component-token">${label('Component token', '第三方平台令牌')}<div>${s ? html`<${Expiry} token=${s.componentToken} now=${now} />` : '…'}</div></div>
      <div class="card">${label('Authorizers', '授权方')}<div class="value">${s ? s.authorizers.length : '…'}</div></div>
    </div>
    <h2>${label('Authorizer tokens', '授权方令牌')}</h2>
    <table class="authorizers"><thead><tr><th>Appid</th><th>${label('Name', '名称')}</th><th>${label('Authorized', '授权状态')}</th><th>${label('Token expiry / last refresh', '令牌到期 / 最近刷新')}</th></tr></thead><tbody>
      ${(s?.authorizers || []).map((a) => html`<tr><td class="mono">${a.appid}</td><td>${a.nickName}</td>
        <td>${a.authorized ? html`<span class="badge ok">authorized · 已授权</span>` : html`<span class="badge bad">revoked · 已取消</span>`}</td>
        <td class="mono"><${Expiry} token=${a.token} now=${now} /></td></tr>`)}
    </tbody></table>
    <h2>${label('Callbacks per minute, by type', '每分钟回调（按类型）')}</h2>
    <${ErrorLine} error=${perMinute.error} />
    ${chart}
    <h2>${label('Recent callbacks', '最近回调')}</h2>
    <${ErrorLine} error=${recent.error} />
    <table class="callbacks"><thead><tr><th>${label('Received', '接收时间')}</th><th>${label('Source', '来源')}</th><th>${label('Type', '类型')}</th><th>Appid</th><th>Event</th></tr></thead><tbody>
      ${(recent.data?.items || []).map((r) => html`<tr><td class="mono">${time(r.receivedAt)}</td><td>${r.source}</td><td>${r.type}</td><td class="mono">${r.appid || ''}</td><td>${r.event || ''}</td></tr>`)}
    </tbody></table>
  </section>`;
}
