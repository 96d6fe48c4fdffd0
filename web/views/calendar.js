// The live calendar (#/calendar): upcoming and running lives of the next 14 days, by day, from
// GET /api/v1/lives/calendar (at most 31 days per request), with a region filter, and the
// "notify me" button (POST/DELETE /api/v1/lives/{id}/subscription) also used by the live page.
import { regionPicker, regionText } from './regions.js';
import { h, mount } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { time } from '../format.js';
import { get, post, del, qs, items, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { withStates, emptyState, toast, statusBadge } from './ui.js';

const DAYS = 14;
const DAY_MS = 86400e3;

// The "notify me" toggle of one live (SCHEDULED or LIVE): for an anonymous viewer it leads to the
// login page; the label shows the subscriber count. Returns the button element.
export function notifyButton(live) {
  let on = !!live.subscribed, count = Number(live.subscribers) || 0, busy = false;
  const btn = h('button', { class: 'btn btn-small notify-btn', type: 'button', id: `notify-${live.id}` });
  const draw = () => {
    btn.textContent = `${on ? t('live.notifyOn') : t('live.notifyMe')} · ${count}`;
    btn.classList.toggle('btn-primary', !on);
    btn.setAttribute('aria-pressed', on ? 'true' : 'false');
  };
  btn.addEventListener('click', async () => {
    if (!currentUser()) { requireLogin(); return; }
    if (busy) return;
    busy = true;
    try {
      const path = `/api/v1/lives/${encodeURIComponent(live.id)}/subscription`;
      const r = on ? await del(path) : await post(path, {});
      on = !!r.subscribed;
      count = Number(r.subscribers) || 0;
      draw();
      if (on) toast(t('live.notifySet'), 'success');
    } catch (e) { toast(errorText(e), 'error'); } finally { busy = false; }
  });
  draw();
  return btn;
}

function dayStart(d) { return new Date(d.getFullYear(), d.getMonth(), d.getDate()); }

function dayLabel(d) {
  return new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' }).format(d);
}

function liveRow(l) {
  const start = l.started_at || l.scheduled_at;
  return h('li', { class: 'card cal-live', id: `cal-live-${l.id}` },
    l.cover_url ? h('img', { class: 'cal-cover', src: l.cover_url, alt: '', loading: 'lazy' }) : null,
    h('div', { class: 'grow' },
      h('div', { class: 'row' }, h('strong', { class: 'cal-time' }, time(start)), statusBadge(l.status)),
      h('a', { href: `#/live/${l.id}`, class: 'cal-title' }, l.title),
      h('div', { class: 'muted small' }, [l.seller_name, regionText(l.region), t('calendar.minutes', { n: l.duration_min })].filter(Boolean).join(' · '))),
    notifyButton(l));
}

export async function render(ctx) {
  const from = dayStart(new Date());
  const to = new Date(from.getTime() + DAYS * DAY_MS);
  const region = regionPicker({ sidoId: 'cal-region', any: true, sigungu: false }).select; // a 시/도 (regions.js)
  const listEl = h('div', { id: 'calendar-list' });
  const load = () => withStates(listEl, async () => {
    const r = await get('/api/v1/lives/calendar' + qs({ from: from.toISOString(), to: to.toISOString(), region: region.value || undefined }));
    if (!ctx.alive()) return;
    const list = items(r);
    if (!list.length) { mount(listEl, emptyState(t('calendar.empty'))); return; }
    const days = new Map();
    for (const l of list) {
      const d = dayStart(new Date(l.started_at || l.scheduled_at));
      const key = d.getTime() < from.getTime() ? from.getTime() : d.getTime(); // running since before today
      if (!days.has(key)) days.set(key, []);
      days.get(key).push(l);
    }
    mount(listEl, [...days.entries()].map(([key, lives]) => h('section', { class: 'cal-day', dataset: { day: new Date(key).toISOString() } },
      h('h3', null, dayLabel(new Date(key))),
      h('ul', { class: 'cal-lives' }, lives.map(liveRow)))));
  });
  mount(ctx.el, h('div', { class: 'calendar' },
    h('div', { class: 'row between' }, h('h1', null, t('calendar.title')),
      h('form', { class: 'toolbar', onsubmit: (e) => { e.preventDefault(); load(); } }, region,
        h('button', { class: 'btn', type: 'submit', id: 'cal-filter' }, t('calendar.filter')))),
    listEl));
  load();
}
