import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, query } from '../api.js';
import { ErrorLine, html, label, time, useLoad } from '../ui.js';

/** A uPlot chart of one or more series over time; `series` = [{ label, values }], `xs` in Unix seconds. */
export function TimeChart({ xs, series, height = 220, stepped = true }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current) return undefined;
    const colours = ['#0b63c5', '#c55a0b', '#1b7f3b', '#8a3ffc', '#b3261e', '#0e7c86', '#6f6f6f'];
    const chart = new uPlot(
      {
        width: Math.max(300, box.current.clientWidth - 16),
        height,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colours[i % colours.length], width: 2, ...(stepped ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}) }))],
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) }],
      },
      [xs, ...series.map((s) => s.values)],
      box.current,
    );
    return () => chart.destroy();
  }, [JSON.stringify(xs), JSON.stringify(series)]);
  return html`<div class="chart" ref=${box}></div>`;
}

function Sessions({ sn, onChange }) {
  const sessions = useLoad(() => api(`/licenses/${sn}/sessions`), [sn]);
  const chart = useLoad(() => api(`/licenses/${sn}/seats-over-time${query({ hours: 24 })}`), [sn, sessions.data]);
  const [error, setError] = useState(null);
  async function kick(s) {
    setError(null);
    try {
      await api('/license-sessions/kick', { method: 'POST', body: { sn, sessionId: s.sessionId } });
      sessions.reload();
      onChange();
    } catch (err) {
      setError(err);
    }
  }
  const items = sessions.data?.items || [];
  const points = chart.data?.items || [];
  return html`<section class="sessions" data-sn=${sn}>
    <h2>${sn} · ${label('live sessions', '在线会话')} <span class="badge" data-in-use=${items.length}>${items.length} / ${sessions.data?.seats ?? '…'}</span></h2>
    <${ErrorLine} error=${sessions.error || error} />
    <table><thead><tr><th>Seat</th><th>${label('Kind', '类型')}</th><th>${label('Machine', '机器')}</th><th>${label('Started', '开始')}</th><th>${label('Deadline', '到期')}</th><th></th></tr></thead><tbody>
      ${items.map((s) => html`<tr data-session=${s.sessionId}>
        <td>${s.seat}</td><td>${s.kind}</td><td class="mono">${s.machineId}</td><td class="mono">${time(s.startedAt)}</td><td class="mono">${time(s.deadline)}</td>
        <td><button class="danger" data-action="kick" onClick=${() => kick(s)}>${label('Kick', '踢出')}</button></td>
      </tr>`)}
    </tbody></table>
    ${items.length === 0 && html`<p class="small">No live session · 无在线会话</p>`}
    <h2>${label('Seats in use, last 24 h', '近 24 小时占用席位')}</h2>
    <${ErrorLine} error=${chart.error} />
    ${points.length > 0 && html`<${TimeChart} xs=${points.map((p) => Date.parse(p.at) / 1000)} series=${[{ label: 'seats in use · 占用', values: points.map((p) => p.inUse) }]} />`}
    <p><a href=${`#/audit?streamPrefix=${encodeURIComponent(`license-${sn}`)}&all=1`}>${label('Events of this serial number', '该序列号的事件')}</a></p>
  </section>`;
}

export function LicensesPage({ params }) {
  const [selected, setSelected] = useState(params.get('sn') || null);
  const [round, setRound] = useState(0);
  const licenses = useLoad(async () => {
    const page = await api(`/licenses${query({ limit: 200 })}`);
    const sns = page.items.map((l) => l.sn);
    const seats = sns.length ? await api(`/license-seats${query({ sn: sns })}`) : { items: [] };
    const inUse = new Map(seats.items.map((s) => [s.sn, s.inUse]));
    return { ...page, items: page.items.map((l) => ({ ...l, inUse: inUse.get(l.sn) ?? 0 })) };
  }, [round]);
  return html`<section>
    <${ErrorLine} error=${licenses.error} />
    <div class="split">
      <div>
        <p class="small">${licenses.data ? `${licenses.data.total} serial numbers · 个序列号` : 'Loading… · 加载中'}</p>
        <table class="licenses"><thead><tr><th>SN</th><th>${label('Type', '类型')}</th><th>${label('In use / seats', '占用 / 席位')}</th><th>${label('Valid until', '有效期至')}</th><th>${label('Status', '状态')}</th></tr></thead><tbody>
          ${(licenses.data?.items || []).map((l) => html`<tr class=${selected === l.sn ? 'selected' : ''} data-sn=${l.sn}>
            <td class="mono"><button class="link" onClick=${() => setSelected(l.sn)}>${l.sn}</button></td>
            <td>${l.type}</td><td>${l.inUse} / ${l.seats}</td><td class="mono">${time(l.validUntil)}</td>
            <td>${l.status === 'active' ? html`<span class="badge ok">active · 有效</span>` : html`<span class="badge bad">disabled · 已禁用</span>`}</td>
          </tr>`)}
        </tbody></table>
      </div>
      <div>${selected ? html`<${Sessions} key=${selected} sn=${selected} onChange=${() => setRound((r) => r + 1)} />` : html`<p class="small">Pick a serial number · 选择序列号</p>`}</div>
    </div>
  </section>`;
}
