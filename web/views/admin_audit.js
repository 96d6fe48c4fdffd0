// #/admin/audit: the admin audit log: every admin action (who, what, which target, when), newest
// first, filterable by action, target, actor and time; each row opens a before/after diff of the
// target's fields.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, qs, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { dateTime } from '../format.js';
import { spinner, emptyState } from './ui.js';
import { adminNav } from './admin.js';

addStrings({
  ko: { 'aud.title': '감사 로그', 'aud.action': '작업 (예: user.block)', 'aud.targetType': '대상 종류 (예: user)', 'aud.targetId': '대상 ID',
    'aud.actor': '관리자 ID', 'aud.from': '시작', 'aud.to': '끝', 'aud.find': '검색', 'aud.none': '기록이 없습니다', 'aud.when': '시각',
    'aud.who': '관리자', 'aud.what': '작업', 'aud.target': '대상', 'aud.reason': '사유', 'aud.field': '항목', 'aud.before': '변경 전',
    'aud.after': '변경 후', 'aud.diff': '변경 내용', 'aud.noChange': '바뀐 항목이 없습니다', 'aud.total': '총 {n}건', 'aud.prev': '이전',
    'aud.next': '다음', 'aud.request': '요청 ID' },
  en: { 'aud.title': 'Audit log', 'aud.action': 'Action (e.g. user.block)', 'aud.targetType': 'Target type (e.g. user)', 'aud.targetId': 'Target ID',
    'aud.actor': 'Admin ID', 'aud.from': 'From', 'aud.to': 'To', 'aud.find': 'Search', 'aud.none': 'No entries', 'aud.when': 'When',
    'aud.who': 'Admin', 'aud.what': 'Action', 'aud.target': 'Target', 'aud.reason': 'Reason', 'aud.field': 'Field', 'aud.before': 'Before',
    'aud.after': 'After', 'aud.diff': 'Changes', 'aud.noChange': 'No field changed', 'aud.total': '{n} entries', 'aud.prev': 'Previous',
    'aud.next': 'Next', 'aud.request': 'Request ID' },
});

const show = (v) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

// The fields of before/after that differ (all of them when one side is not an object).
export function diffRows(before, after) {
  const obj = (v) => v && typeof v === 'object' && !Array.isArray(v);
  if (!obj(before) || !obj(after)) {
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ field: '', before: before ?? undefined, after: after ?? undefined }];
  }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => ({ field: k, before: before[k], after: after[k] }));
}

function diffTable(e) {
  const rows = diffRows(e.before, e.after);
  if (!rows.length) return h('p', { class: 'muted small' }, t('aud.noChange'));
  return h('table', { class: 'aud-diff' },
    h('thead', null, h('tr', null, h('th', null, t('aud.field')), h('th', null, t('aud.before')), h('th', null, t('aud.after')))),
    h('tbody', null, rows.map((r) => h('tr', { dataset: { field: r.field } },
      h('td', null, r.field), h('td', { class: 'aud-before' }, show(r.before)), h('td', { class: 'aud-after' }, show(r.after))))));
}

function row(e) {
  const detail = h('tr', { class: 'aud-detail', hidden: true },
    h('td', { colspan: 5 }, diffTable(e), e.request_id ? h('p', { class: 'muted small' }, `${t('aud.request')}: ${e.request_id}`) : null));
  const toggle = h('button', { class: 'btn btn-small btn-ghost aud-toggle', type: 'button', 'aria-expanded': 'false',
    onclick: () => { detail.hidden = !detail.hidden; toggle.setAttribute('aria-expanded', String(!detail.hidden)); } }, t('aud.diff'));
  return [
    h('tr', { class: 'aud-row', dataset: { id: String(e.id), action: e.action } },
      h('td', null, dateTime(e.created_at)),
      h('td', null, `${e.actor_name || ''} #${e.actor_id}`),
      h('td', null, h('code', null, e.action)),
      h('td', null, `${e.target_type}${e.target_id ? ` #${e.target_id}` : ''}`),
      h('td', null, e.reason || '', ' ', toggle)),
    detail,
  ];
}

export async function render(ctx) {
  const me = currentUser();
  if (!me) { requireLogin(); return; }
  if (me.role !== 'admin') { mount(ctx.el, emptyState(t('adm.only'))); return; }
  const input = (id, key, type = 'text') => h('input', { id, type, placeholder: t(key), 'aria-label': t(key), maxlength: 64 });
  const action = input('aud-action', 'aud.action'), targetType = input('aud-target-type', 'aud.targetType');
  const targetId = input('aud-target-id', 'aud.targetId', 'number'), actor = input('aud-actor', 'aud.actor', 'number');
  const from = input('aud-from', 'aud.from', 'datetime-local'), to = input('aud-to', 'aud.to', 'datetime-local');
  const list = h('div', { id: 'aud-results' });
  let page = 1;
  const iso = (el) => (el.value ? new Date(el.value).toISOString() : '');
  const load = async () => {
    mount(list, spinner());
    try {
      const r = await get(`/api/v1/admin/audit${qs({ action: action.value.trim(), target_type: targetType.value.trim(), target_id: targetId.value,
        actor_id: actor.value, from: iso(from), to: iso(to), page, per_page: 50 })}`);
      const pages = Math.max(1, Math.ceil(r.total / r.per_page));
      mount(list,
        h('p', { class: 'muted small', id: 'aud-total' }, t('aud.total', { n: r.total })),
        r.items.length ? h('table', { class: 'aud-table', id: 'aud-table' },
          h('thead', null, h('tr', null, ['aud.when', 'aud.who', 'aud.what', 'aud.target', 'aud.reason'].map((k) => h('th', null, t(k))))),
          h('tbody', null, r.items.flatMap(row))) : emptyState(t('aud.none')),
        pages > 1 ? h('div', { class: 'adm-actions' },
          h('button', { class: 'btn btn-small', type: 'button', disabled: page <= 1, onclick: () => { page--; load(); } }, t('aud.prev')),
          ` ${page} / ${pages} `,
          h('button', { class: 'btn btn-small', type: 'button', disabled: page >= pages, onclick: () => { page++; load(); } }, t('aud.next'))) : null);
    } catch (ex) { mount(list, h('p', { class: 'form-error' }, errorText(ex))); }
  };
  const form = h('form', { class: 'aud-search', id: 'aud-search', onsubmit: (e) => { e.preventDefault(); page = 1; load(); } },
    action, targetType, targetId, actor, from, to, h('button', { class: 'btn btn-primary', type: 'submit', id: 'aud-find' }, t('aud.find')));
  mount(ctx.el, h('div', { class: 'admin-page' }, adminNav('adminAudit'), h('h1', null, t('aud.title')), form, list));
  await load();
}
