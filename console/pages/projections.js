import { useEffect } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorLine, html, label, time, useLoad } from '../ui.js';

export function ProjectionsPage() {
  const status = useLoad(() => api('/projections'), []);
  useEffect(() => {
    const timer = setInterval(status.reload, 5000);
    return () => clearInterval(timer);
  }, []);
  const items = status.data?.items || [];
  return html`<section>
    <${ErrorLine} error=${status.error} />
    <p class="small">Log head · 日志末尾: <span class="mono">${status.data?.head ?? '—'}</span> · refreshed every 5 s · 每 5 秒刷新</p>
    <table class="projections"><thead><tr><th>${label('Projection', '投影')}</th><th>${label('Version', '版本')}</th><th>${label('State', '状态')}</th><th>${label('Checkpoint', '检查点')}</th><th>${label('Lag (events)', '落后（事件）')}</th><th>${label('Applied', '已应用')}</th><th>${label('Last applied', '最近应用')}</th></tr></thead><tbody>
      ${items.map((p) => html`<tr data-projection=${p.name}>
        <td>${p.name}</td><td>v${p.version}</td>
        <td>${p.state === 'active' ? html`<span class="badge ok">active · 生效</span>` : html`<span class="badge">rebuilding · 重建中</span>`}</td>
        <td class="mono">${p.checkpoint}</td>
        <td class=${p.lagEvents ? 'error' : ''}>${p.lagEvents === null ? '—' : `${p.lagCapped ? '≥ ' : ''}${p.lagEvents}`}</td>
        <td>${p.eventsApplied}</td><td class="mono">${time(p.lastAppliedAt)}</td>
      </tr>`)}
    </tbody></table>
    <h2>${label('Queues', '队列')}</h2>
    <p><a href="/console/queues/" data-link="queues">${label('Open the BullMQ board', '打开 BullMQ 面板')}</a> <span class="small">(license expiry, WeChat token refresh, QR-code expiry, WeCom sync)</span></p>
  </section>`;
}
