// The studio's inbox tab (#/studio/inquiries): the seller's 1:1 inquiries (by status, each opening
// #/inquiries/:id to answer) and the questions on their products with an answer box; and the
// store announcements tab (#/studio/notices): the seller's editor of the store page's notices.
import { h, mount } from '../dom.js';
import { t, addStrings } from '../i18n.js';
import { get, qs, items, currentUser } from '../api.js';
import { withStates, emptyState } from './ui.js';
import { inquiryRow } from './inquiries.js';
import { questionItem } from './product_qna.js';
import { announceEditor } from './announcements.js';

addStrings({
  ko: { 'studio.inbox': '문의 관리', 'studio.storeNotices': '상점 공지', 'sib.inquiries': '1:1 문의', 'sib.questions': '상품 Q&A',
    'sib.waiting': '답변 대기', 'sib.all': '전체', 'sib.empty': '문의가 없습니다', 'sib.adminHere': '관리자는 관리자 화면에서 문의를 처리합니다' },
  en: { 'studio.inbox': 'Inquiries', 'studio.storeNotices': 'Store notices', 'sib.inquiries': 'Inquiries', 'sib.questions': 'Product Q&A',
    'sib.waiting': 'Waiting', 'sib.all': 'All', 'sib.empty': 'No inquiries', 'sib.adminHere': 'Admins answer inquiries in the admin console' },
});

// A two-way filter (waiting / all) above a list that load(filter) fills.
function filtered(id, load) {
  let waiting = true;
  const listEl = h('div', { id });
  const btn = (w, key) => h('button', { type: 'button', class: 'btn-ghost small', 'aria-pressed': String(w === waiting), onclick: (e) => {
    waiting = w;
    for (const b of e.target.parentNode.children) b.setAttribute('aria-pressed', String(b === e.target));
    load(listEl, waiting);
  } }, t(key));
  load(listEl, waiting);
  return [h('div', { class: 'row' }, btn(true, 'sib.waiting'), btn(false, 'sib.all')), listEl];
}

export function renderInbox(ctx) {
  if (currentUser().role !== 'seller') {
    mount(ctx.el, emptyState(t('sib.adminHere'), h('a', { class: 'btn', href: '#/admin/inquiries' }, t('sib.inquiries'))));
    return;
  }
  const inquiries = (el, waiting) => withStates(el, async () => {
    const list = items(await get(`/api/v1/seller/inquiries${qs({ status: waiting ? 'OPEN' : '', per_page: 50 })}`));
    if (!ctx.alive()) return;
    mount(el, list.length ? h('ul', { class: 'inq-list', id: 'studio-inquiry-list' }, list.map((q) => inquiryRow(q, { showBuyer: true }))) : emptyState(t('sib.empty')));
  });
  const questions = (el, waiting) => withStates(el, async () => {
    const list = items(await get(`/api/v1/seller/questions${qs({ answered: waiting ? 'false' : '', per_page: 50 })}`));
    if (!ctx.alive()) return;
    mount(el, list.length ? h('ul', { class: 'qna-list', id: 'studio-qna-list' },
      list.map((q) => questionItem(q, { canAnswer: true, showProduct: true, onAnswered: () => questions(el, waiting) }))) : emptyState(t('sib.empty')));
  });
  mount(ctx.el,
    h('section', { class: 'section', id: 'studio-inquiries' }, h('h2', null, t('sib.inquiries')), ...filtered('studio-inquiries-list', inquiries)),
    h('section', { class: 'section', id: 'studio-questions' }, h('h2', null, t('sib.questions')), ...filtered('studio-questions-list', questions)));
}

export function renderStoreNotices(ctx) {
  if (currentUser().role !== 'seller') {
    mount(ctx.el, emptyState(t('sib.adminHere'), h('a', { class: 'btn', href: '#/admin/notices' }, t('ann.title'))));
    return;
  }
  mount(ctx.el, announceEditor('/api/v1/seller/announcements'));
}
