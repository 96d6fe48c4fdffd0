// Announcements: #/notices (the operator's notices, pinned first) and #/notices/:id; the pinned
// notices block of the home page; a seller's announcements section of the store page; and the
// editor (write, pin, edit, delete) used by the admin (#/admin/notices, admin_inquiries.js) and the
// seller's studio.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { dateTime, toLocalInput, fromLocalInput } from '../format.js';
import { get, post, patch, del, qs, items } from '../api.js';
import { withStates, emptyState, pageTitle, toast } from './ui.js';

addStrings({
  ko: { 'ann.title': '공지사항', 'ann.pinned': '고정', 'ann.all': '전체 보기', 'ann.empty': '공지사항이 없습니다', 'ann.store': '상점 공지',
    'ann.new': '새 공지', 'ann.subject': '제목', 'ann.body': '내용', 'ann.pin': '상단 고정', 'ann.publishAt': '게시 시각 (비우면 지금)',
    'ann.save': '저장', 'ann.saved': '저장했습니다', 'ann.edit': '수정', 'ann.delete': '삭제', 'ann.deleteAsk': '이 공지를 삭제할까요?',
    'ann.deleted': '삭제했습니다', 'ann.scheduled': '예약', 'ann.cancel': '취소', 'ann.adminTitle': '공지사항 관리' },
  en: { 'ann.title': 'Notices', 'ann.pinned': 'Pinned', 'ann.all': 'See all', 'ann.empty': 'No notices', 'ann.store': 'Store news',
    'ann.new': 'New notice', 'ann.subject': 'Title', 'ann.body': 'Text', 'ann.pin': 'Pin to the top', 'ann.publishAt': 'Publish at (empty: now)',
    'ann.save': 'Save', 'ann.saved': 'Saved', 'ann.edit': 'Edit', 'ann.delete': 'Delete', 'ann.deleteAsk': 'Delete this notice?',
    'ann.deleted': 'Deleted', 'ann.scheduled': 'Scheduled', 'ann.cancel': 'Cancel', 'ann.adminTitle': 'Notices' },
});

const pinBadge = (a) => (a.pinned ? h('span', { class: 'badge ann-pin' }, `📌 ${t('ann.pinned')}`) : null);

// An announcement whose text unfolds on click (store page, studio).
function foldItem(a, extra) {
  const text = h('p', { class: 'pre ann-body', hidden: true }, a.body);
  return h('li', { class: 'card card-pad ann-item', dataset: { id: String(a.id), pinned: String(a.pinned) } },
    h('button', { class: 'ann-head btn-ghost', type: 'button', onclick: () => { text.hidden = !text.hidden; } },
      pinBadge(a), ' ', h('strong', { class: 'ann-title' }, a.title), ' ', h('span', { class: 'muted small' }, dateTime(a.published_at))),
    text, extra || null);
}

// The home page's pinned notices (nothing when there are none).
export function pinnedNotices() {
  const el = h('section', { class: 'section home-notices', id: 'home-notices', hidden: true });
  get('/api/v1/announcements?pinned=true&per_page=3').then((r) => {
    const list = items(r);
    if (!list.length) return;
    mount(el, h('div', { class: 'section-head row between' }, h('h2', null, t('ann.title')), h('a', { href: '#/notices', class: 'small', id: 'home-notices-all' }, t('ann.all'))),
      h('ul', { class: 'ann-list' }, list.map((a) => h('li', { class: 'ann-line' },
        pinBadge(a), ' ', h('a', { href: `#/notices/${a.id}`, class: 'ann-title' }, a.title), ' ', h('span', { class: 'muted small' }, dateTime(a.published_at))))));
    el.hidden = false;
  }).catch(() => {});
  return el;
}

// The store page's section of the seller's announcements (hidden when there are none).
export function storeAnnouncements(sellerId) {
  const el = h('section', { class: 'store-notices', id: 'store-notices', hidden: true });
  get(`/api/v1/sellers/${sellerId}/announcements?per_page=20`).then((r) => {
    const list = items(r);
    if (!list.length) return;
    mount(el, h('h2', null, t('ann.store')), h('ul', { class: 'ann-list' }, list.map((a) => foldItem(a))));
    el.hidden = false;
  }).catch(() => {});
  return el;
}

// The editor of the caller's announcements under base ('/api/v1/admin/announcements' or
// '/api/v1/seller/announcements'); schedule: offer a publication time (the operator's only).
export function announceEditor(base, { schedule = false } = {}) {
  const formSlot = h('div');
  const listEl = h('div');
  const show = (a) => {
    const title = h('input', { id: 'ann-subject', maxlength: 100, value: a ? a.title : '' });
    const body = h('textarea', { id: 'ann-text', rows: 5, maxlength: 5000 });
    body.value = a ? a.body : '';
    const pinned = h('input', { type: 'checkbox', id: 'ann-pinned', checked: a ? a.pinned : false });
    const when = schedule ? h('input', { type: 'datetime-local', id: 'ann-when', value: a ? toLocalInput(new Date(a.published_at)) : '' }) : null;
    const err = h('div', { class: 'form-error', role: 'alert', id: 'ann-error', hidden: true });
    mount(formSlot, h('form', { class: 'card card-pad studio-form', id: 'ann-form', onsubmit: async (e) => {
      e.preventDefault();
      const req = { title: title.value.trim(), body: body.value.trim(), pinned: pinned.checked };
      if (when && when.value) req.published_at = fromLocalInput(when.value);
      try {
        if (a) await patch(`${base}/${a.id}`, req); else await post(base, req);
        toast(t('ann.saved'), 'success');
        mount(formSlot);
        load();
      } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
    } },
    h('label', { class: 'field' }, h('span', null, t('ann.subject')), title),
    h('label', { class: 'field' }, h('span', null, t('ann.body')), body),
    h('label', { class: 'check' }, pinned, ' ', t('ann.pin')),
    when ? h('label', { class: 'field' }, h('span', null, t('ann.publishAt')), when) : null, err,
    h('div', { class: 'row' }, h('button', { class: 'btn btn-primary', type: 'submit', id: 'ann-save' }, t('ann.save')),
      h('button', { class: 'btn-ghost', type: 'button', onclick: () => mount(formSlot) }, t('ann.cancel')))));
  };
  const load = () => withStates(listEl, async () => {
    const list = items(await get(`${base}?per_page=100`));
    const now = Date.now();
    mount(listEl, list.length ? h('ul', { class: 'ann-list', id: 'ann-own-list' }, list.map((a) => foldItem(a, h('div', { class: 'row' },
      Date.parse(a.published_at) > now ? h('span', { class: 'badge' }, t('ann.scheduled')) : null,
      h('button', { class: 'btn-ghost small ann-edit', type: 'button', onclick: () => show(a) }, t('ann.edit')),
      h('button', { class: 'btn-ghost small ann-delete', type: 'button', onclick: async () => {
        if (!confirm(t('ann.deleteAsk'))) return;
        try { await del(`${base}/${a.id}`); toast(t('ann.deleted')); load(); } catch (ex) { toast(errorText(ex), 'error'); }
      } }, t('ann.delete')))))) : emptyState(t('ann.empty')));
  });
  load();
  return h('div', { class: 'ann-editor' },
    h('div', { class: 'row between' }, h('h2', null, t('ann.title')),
      h('button', { class: 'btn btn-primary', type: 'button', id: 'ann-new', onclick: () => show(null) }, `+ ${t('ann.new')}`)),
    formSlot, listEl);
}

export async function render(ctx) {
  if (ctx.name === 'notice') {
    const body = h('div');
    mount(ctx.el, h('div', { class: 'narrow' }, h('a', { href: '#/notices', class: 'back' }, `‹ ${t('ann.title')}`), body));
    await withStates(body, async () => {
      const a = await get(`/api/v1/announcements/${encodeURIComponent(ctx.params.id)}`);
      if (!ctx.alive()) return;
      mount(body, h('article', { class: 'card card-pad notice-detail', id: 'notice-detail' },
        h('div', null, pinBadge(a)), h('h1', { id: 'notice-title' }, a.title),
        h('div', { class: 'muted small' }, dateTime(a.published_at)), h('p', { class: 'pre', id: 'notice-body' }, a.body)));
    });
    return;
  }
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  const body = h('div');
  mount(ctx.el, h('div', { class: 'narrow' }, pageTitle(t('ann.title')), body));
  await withStates(body, async () => {
    const r = await get(`/api/v1/announcements${qs({ page, per_page: 20 })}`);
    if (!ctx.alive()) return;
    const list = items(r);
    mount(body, list.length ? h('ul', { class: 'ann-list', id: 'notice-list' }, list.map((a) => h('li', null,
      h('a', { class: 'card card-pad ann-item', href: `#/notices/${a.id}`, dataset: { id: String(a.id), pinned: String(a.pinned) } },
        pinBadge(a), ' ', h('strong', { class: 'ann-title' }, a.title), h('div', { class: 'muted small' }, dateTime(a.published_at)))))) : emptyState(t('ann.empty')),
    r.total > page * 20 ? h('a', { class: 'btn-ghost', href: `#/notices?page=${page + 1}` }, t('page.next')) : null);
  });
}
