import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { ErrorLine, html, label, time } from '../ui.js';

const FIELDS = ['type', 'streamPrefix', 'actor', 'correlationId', 'since', 'until'];
const PAGE = 500;
const SHOWN = 1000;
const POLL_MS = 2000;

const hourAgo = () => new Date(Date.now() - 3600_000).toISOString();

/** The filter of the address bar: `#/audit?type=UserSignedIn&correlationId=…`. Without a window, the last hour. */
function filterOf(params) {
  const f = Object.fromEntries(FIELDS.map((k) => [k, params.get(k) || '']));
  if (!f.since && !f.correlationId && !params.has('all')) f.since = hourAgo();
  return f;
}

function linkTo(filter) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
  if (!filter.since) q.set('all', '1');
  return `#/audit?${q}`;
}

function request(filter, after) {
  const type = filter.type ? filter.type.split(',').map((t) => t.trim()).filter(Boolean) : [];
  return api(`/events${query({ type, streamPrefix: filter.streamPrefix, actor: filter.actor, correlationId: filter.correlationId, since: filter.since, until: filter.until, after, limit: PAGE })}`);
}

/** Reads on from `after` until the log has nothing more (bounded), oldest first. */
async function readOn(filter, after) {
  const events = [];
  let next = after;
  for (let round = 0; round < 20; round++) {
    const page = await request(filter, next);
    events.push(...page.events);
    const moved = page.next !== next;
    next = page.next;
    if (!moved || (page.events.length < PAGE && !filter.actor && !filter.correlationId)) break;
  }
  return { events, next };
}

function EventRow({ e }) {
  const [open, setOpen] = useState(false);
  const m = e.metadata || {};
  const actor = m.actor || {};
  const around = new Date(new Date(e.created).getTime() - 3600_000).toISOString();
  return html`<tr data-event=${e.eventId} data-type=${e.type}>
    <td class="mono">${time(e.created)}<br /><span class="small">${e.position}</span></td>
    <td><button class="link" onClick=${() => setOpen(!open)} title="show the data">${e.type}</button>
      ${open && html`<pre class="data">${JSON.stringify(e.data, null, 2)}</pre>`}</td>
    <td class="mono"><a href=${linkTo({ streamPrefix: e.streamId, since: '' })}>${e.streamId}</a> <span class="small">#${e.revision}</span></td>
    <td>${actor.kind}${actor.name ? html`: <a href=${linkTo({ actor: actor.name, since: around })}>${actor.name}</a>` : ''}</td>
    <td class="mono">${m.clientIp || '—'}<br /><span class="small">${m.userAgent || ''}</span></td>
    <td class="mono"><a href=${linkTo({ correlationId: m.correlationId, since: '' })} title="every event of this correlation" data-correlation=${m.correlationId}>${m.correlationId}</a>
      ${m.causationId ? html`<br /><span class="small">← ${m.causationId}</span>` : ''}</td>
  </tr>`;
}

export function AuditPage({ params }) {
  // The default window is fixed when the address changes, not at every render.
  const address = params.toString();
  const filter = useMemo(() => filterOf(params), [address]);
  const key = JSON.stringify(filter);
  // The rows are kept with the filter they were read for: the effect that reads the new filter runs
  // after the first render under it, and that render must not show the old filter's rows.
  const [shown, setShown] = useState({ key, events: [] });
  const current = shown.key === key;
  const events = current ? shown.events : [];
  const [error, setError] = useState(null);
  const [live, setLive] = useState(true);
  const [loading, setLoading] = useState(true);
  const next = useRef(null);

  useEffect(() => {
    let stopped = false;
    let timer = null;
    setShown({ key, events: [] });
    setError(null);
    setLoading(true);
    next.current = null;
    const poll = async () => {
      try {
        const page = await readOn(filter, next.current ?? undefined);
        if (stopped) return;
        next.current = page.next;
        if (page.events.length) setShown((old) => ({ key, events: [...page.events.reverse(), ...(old.key === key ? old.events : [])].slice(0, SHOWN) }));
        setError(null);
      } catch (err) {
        if (!stopped) setError(err);
      }
      if (!stopped) setLoading(false);
      if (!stopped && live) timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, live]);

  function apply(e) {
    e.preventDefault();
    const form = Object.fromEntries(new FormData(e.target));
    const f = { ...form };
    // The inputs show UTC (the log's times are UTC): read them back as UTC, not as the browser's zone.
    for (const k of ['since', 'until']) f[k] = form[k] ? new Date(`${form[k]}Z`).toISOString() : '';
    location.hash = linkTo(f);
  }
  const local = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16) : '');

  return html`<section>
    <form class="filters" onSubmit=${apply} key=${key}>
      <label>${label('Event types', '事件类型')}<input name="type" placeholder="UserSignedIn, TokenIssued" value=${filter.type} /></label>
      <label>${label('Stream prefix', '流前缀')}<input name="streamPrefix" placeholder="user-" value=${filter.streamPrefix} /></label>
      <label>${label('Actor', '操作者')}<input name="actor" placeholder="id or name" value=${filter.actor} /></label>
      <label>${label('Correlation', '关联 ID')}<input name="correlationId" value=${filter.correlationId} /></label>
      <label>${label('Since (UTC)', '开始')}<input name="since" type="datetime-local" value=${local(filter.since)} /></label>
      <label>${label('Until (UTC)', '结束')}<input name="until" type="datetime-local" value=${local(filter.until)} /></label>
      <button type="submit">${label('Filter', '筛选')}</button>
      <a href="#/audit">${label('Reset', '重置')}</a>
      <label class="live-toggle"><span><input type="checkbox" name="live-toggle" checked=${live} onChange=${(e) => setLive(e.target.checked)} /> ${label('Follow live', '实时跟随')}</span></label>
    </form>
    <p class="small">
      ${loading || !current ? 'Loading… · 加载中' : html`${events.length} events · 条事件${events.length >= SHOWN ? ` (newest ${SHOWN})` : ''}`}
      ${live && !loading && current ? html` · <span class="live" data-live="on">● live · 实时</span>` : ''}
    </p>
    <${ErrorLine} error=${error} />
    <table class="events">
      <thead><tr><th>${label('Time', '时间')}</th><th>${label('Type', '类型')}</th><th>${label('Stream', '流')}</th><th>${label('Actor', '操作者')}</th><th>${label('Address / agent', '地址 / 客户端')}</th><th>${label('Correlation ← causation', '关联 ← 起因')}</th></tr></thead>
      <tbody>${events.map((e) => html`<${EventRow} key=${e.eventId} e=${e} />`)}</tbody>
    </table>
  </section>`;
}
