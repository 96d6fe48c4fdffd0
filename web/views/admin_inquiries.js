// The admin console's inbox of 1:1 inquiries (#/admin/inquiries: to the operator by default, or
// to sellers, or all; by status), each opening #/inquiries/:id to answer, and the operator's
// notices editor (#/admin/notices).
import { h, mount } from '../dom.js';
import { t, addStrings } from '../i18n.js';
import { get, qs, items, currentUser } from '../api.js';
import { requireLogin, navigate } from '../app.js';
import { withStates, emptyState } from './ui.js';
import { adminNav } from './admin.js';
import { inquiryRow } from './inquiries.js';
import { announceEditor } from './announcements.js';

addStrings({
  ko: { 'admi.title': '1:1 문의 관리', 'admi.to.operator': '운영자 문의', 'admi.to.seller': '판매자 문의', 'admi.to.all': '전체',
    'admi.status.all': '모든 상태', 'admi.empty': '문의가 없습니다' },
  en: { 'admi.title': 'Inquiries', 'admi.to.operator': 'To the operator', 'admi.to.seller': 'To sellers', 'admi.to.all': 'All',
    'admi.status.all': 'Any status', 'admi.empty': 'No inquiries' },
});

export async function render(ctx) {
  const u = currentUser();
  if (!u) { requireLogin(); return; }
  if (u.role !== 'admin') { mount(ctx.el, emptyState(t('adm.only'))); return; }
  if (ctx.name === 'adminNotices') {
    mount(ctx.el, h('div', { class: 'admin-page' }, adminNav('adminNotices'), announceEditor('/api/v1/admin/announcements', { schedule: true })));
    return;
  }
  const to = ctx.query.get('to') || 'operator', status = ctx.query.get('status') || '';
  const go = (patch) => navigate(`/admin/inquiries${qs({ to, status, ...patch })}`);
  const toSel = h('select', { id: 'admi-to', onchange: () => go({ to: toSel.value }) },
    ['operator', 'seller', 'all'].map((x) => h('option', { value: x, selected: x === to }, t(`admi.to.${x}`))));
  const stSel = h('select', { id: 'admi-status', onchange: () => go({ status: stSel.value }) },
    h('option', { value: '' }, t('admi.status.all')),
    ['OPEN', 'ANSWERED', 'CLOSED'].map((x) => h('option', { value: x, selected: x === status }, t(`inq.status.${x}`))));
  const body = h('div');
  mount(ctx.el, h('div', { class: 'admin-page' }, adminNav('adminInquiries'), h('h1', null, t('admi.title')),
    h('div', { class: 'toolbar' }, toSel, stSel), body));
  await withStates(body, async () => {
    const list = items(await get(`/api/v1/admin/inquiries${qs({ to, status, per_page: 50 })}`));
    if (!ctx.alive()) return;
    mount(body, list.length ? h('ul', { class: 'inq-list', id: 'admi-list' }, list.map((q) => inquiryRow(q, { showBuyer: true }))) : emptyState(t('admi.empty')));
  });
}
