// 1:1 문의: #/inquiries (my inquiries), #/inquiries/new?product=&order= (write one: to the product's
// or the order's seller, or to the operator) and #/inquiries/:id (the thread: the question, the
// answers and follow-ups, a reply box, close). The same detail page serves the seller and admins.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { dateTime } from '../format.js';
import { get, post, qs, items, currentUser } from '../api.js';
import { requireLogin, navigate } from '../app.js';
import { withStates, emptyState, pageTitle, toast } from './ui.js';

addStrings({
  ko: { 'inq.title': '1:1 문의', 'inq.new': '문의하기', 'inq.empty': '문의 내역이 없습니다', 'inq.to': '받는 곳', 'inq.toSeller': '판매자',
    'inq.toOperator': '운영자 (고객센터)', 'inq.category': '문의 유형', 'inq.cat.DELIVERY': '배송', 'inq.cat.EXCHANGE_RETURN': '교환·반품',
    'inq.cat.PRODUCT': '상품', 'inq.cat.OTHER': '기타', 'inq.subject': '제목', 'inq.body': '내용', 'inq.send': '문의 등록',
    'inq.sent': '문의를 등록했습니다', 'inq.product': '상품', 'inq.order': '주문', 'inq.seller': '판매자', 'inq.reply': '답글 등록',
    'inq.replyPlaceholder': '메시지를 입력하세요', 'inq.close': '문의 종료', 'inq.closeAsk': '이 문의를 종료할까요?', 'inq.closed': '종료된 문의입니다',
    'inq.status.OPEN': '답변 대기', 'inq.status.ANSWERED': '답변 완료', 'inq.status.CLOSED': '종료', 'inq.role.buyer': '문의자',
    'inq.role.seller': '판매자', 'inq.role.admin': '운영자', 'inq.count': '{n}자 / 2,000자', 'inq.pickSeller': '판매자를 고르세요', 'inq.required': '제목과 내용을 입력하세요' },
  en: { 'inq.title': 'Inquiries', 'inq.new': 'New inquiry', 'inq.empty': 'No inquiries yet', 'inq.to': 'To', 'inq.toSeller': 'Seller',
    'inq.toOperator': 'Operator (customer service)', 'inq.category': 'Type', 'inq.cat.DELIVERY': 'Delivery', 'inq.cat.EXCHANGE_RETURN': 'Exchange / return',
    'inq.cat.PRODUCT': 'Product', 'inq.cat.OTHER': 'Other', 'inq.subject': 'Title', 'inq.body': 'Message', 'inq.send': 'Send',
    'inq.sent': 'Your inquiry was sent', 'inq.product': 'Product', 'inq.order': 'Order', 'inq.seller': 'Seller', 'inq.reply': 'Send',
    'inq.replyPlaceholder': 'Write a message', 'inq.close': 'Close inquiry', 'inq.closeAsk': 'Close this inquiry?', 'inq.closed': 'This inquiry is closed',
    'inq.status.OPEN': 'Waiting', 'inq.status.ANSWERED': 'Answered', 'inq.status.CLOSED': 'Closed', 'inq.role.buyer': 'Asker',
    'inq.role.seller': 'Seller', 'inq.role.admin': 'Operator', 'inq.count': '{n} / 2,000 characters', 'inq.pickSeller': 'Choose the seller', 'inq.required': 'Enter a title and a message' },
});

export const CATEGORIES = ['DELIVERY', 'EXCHANGE_RETURN', 'PRODUCT', 'OTHER'];

export function inquiryStatus(s) {
  const cls = s === 'OPEN' ? 'status-pending_payment' : s === 'ANSWERED' ? 'status-delivered' : 'status-canceled';
  return h('span', { class: `badge inq-status ${cls}`, dataset: { status: s } }, t(`inq.status.${s}`));
}

// One row of an inquiry list, linking to its page.
export function inquiryRow(q, { showBuyer } = {}) {
  return h('li', null, h('a', { class: 'card card-pad inq-item', href: `#/inquiries/${q.id}`, dataset: { id: String(q.id), status: q.status } },
    h('div', { class: 'row between' },
      h('span', { class: 'muted small' }, `[${t(`inq.cat.${q.category}`)}] ${q.to === 'operator' ? t('inq.toOperator') : (q.seller_name || '')}`),
      inquiryStatus(q.status)),
    h('strong', { class: 'inq-title' }, q.title),
    h('div', { class: 'muted small' }, [q.product_name, showBuyer ? q.buyer_name : null, dateTime(q.created_at)].filter(Boolean).join(' · '))));
}

export async function render(ctx) {
  if (!currentUser()) { requireLogin(); return; }
  if (ctx.name === 'inquiryNew') return renderNew(ctx);
  if (ctx.name === 'inquiry') return renderDetail(ctx);
  return renderList(ctx);
}

function renderList(ctx) {
  const body = h('div');
  mount(ctx.el, h('div', { class: 'narrow' },
    pageTitle(t('inq.title'), h('a', { class: 'btn btn-primary btn-small', href: '#/inquiries/new', id: 'inq-new' }, t('inq.new'))), body));
  withStates(body, async () => {
    const list = items(await get('/api/v1/inquiries?per_page=50'));
    if (!ctx.alive()) return;
    mount(body, list.length ? h('ul', { class: 'inq-list', id: 'inq-list' }, list.map((q) => inquiryRow(q))) : emptyState(t('inq.empty')));
  });
}

async function renderNew(ctx) {
  const productId = Number(ctx.query.get('product')) || 0, orderId = Number(ctx.query.get('order')) || 0;
  const body = h('div');
  mount(ctx.el, h('div', { class: 'narrow' }, h('a', { href: '#/inquiries', class: 'back' }, `‹ ${t('inq.title')}`), pageTitle(t('inq.new')), body));
  await withStates(body, async () => {
    const [product, order] = await Promise.all([
      productId ? get(`/api/v1/products/${productId}`) : null,
      orderId ? get(`/api/v1/orders/${orderId}`) : null]);
    if (!ctx.alive()) return;
    const sellers = order ? [...new Set((order.shipments || []).map((s) => s.seller_id))] : [];
    const about = product || order;
    const to = h('select', { id: 'inq-to', 'aria-label': t('inq.to') },
      h('option', { value: 'seller', selected: !!about, disabled: !about }, t('inq.toSeller')),
      h('option', { value: 'operator', selected: !about }, t('inq.toOperator')));
    const sellerSel = !product && sellers.length > 1 ? h('select', { id: 'inq-seller', 'aria-label': t('inq.pickSeller') },
      sellers.map((id) => {
        const names = (order.shipments.find((s) => s.seller_id === id).lines || []).map((l) => l.name).join(', ');
        return h('option', { value: id }, names || `#${id}`);
      })) : null;
    const cat = h('select', { id: 'inq-category', 'aria-label': t('inq.category') },
      CATEGORIES.map((c) => h('option', { value: c, selected: c === (order ? 'DELIVERY' : 'PRODUCT') }, t(`inq.cat.${c}`))));
    const title = h('input', { id: 'inq-subject', maxlength: 100, required: true });
    const text = h('textarea', { id: 'inq-body', rows: 6, maxlength: 2000, required: true });
    const counter = h('div', { class: 'muted small' }, t('inq.count', { n: 0 }));
    text.addEventListener('input', () => { counter.textContent = t('inq.count', { n: text.value.length }); });
    const err = h('div', { class: 'form-error', role: 'alert', id: 'inq-error', hidden: true });
    const field = (label, el) => h('label', { class: 'field' }, h('span', null, label), el);
    mount(body, h('form', { class: 'card card-pad', id: 'inq-form', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.hidden = true;
      const req = { to: to.value, category: cat.value, title: title.value.trim(), body: text.value.trim() };
      if (productId) req.product_id = productId;
      if (orderId) req.order_id = orderId;
      if (sellerSel && to.value === 'seller') req.seller_id = Number(sellerSel.value);
      if (!req.title || !req.body) { err.textContent = t('inq.required'); err.hidden = false; return; }
      try {
        const r = await post('/api/v1/inquiries', req);
        toast(t('inq.sent'), 'success');
        navigate(`/inquiries/${r.id}`);
      } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
    } },
    product ? h('p', { class: 'muted', id: 'inq-about-product' }, `${t('inq.product')}: ${product.name}`) : null,
    order ? h('p', { class: 'muted', id: 'inq-about-order' }, `${t('inq.order')}: ${order.order_id}`) : null,
    field(t('inq.to'), to), sellerSel ? field(t('inq.seller'), sellerSel) : null,
    field(t('inq.category'), cat), field(t('inq.subject'), title), field(t('inq.body'), text), counter, err,
    h('button', { class: 'btn btn-primary', type: 'submit', id: 'inq-submit' }, t('inq.send'))));
  });
}

function renderDetail(ctx) {
  const body = h('div');
  const me = currentUser();
  const back = me.role === 'admin' ? '#/admin/inquiries' : me.role === 'seller' ? '#/studio/inquiries' : '#/inquiries';
  mount(ctx.el, h('div', { class: 'narrow' }, h('a', { href: back, class: 'back', id: 'inq-back' }, `‹ ${t('inq.title')}`), body));
  const load = () => withStates(body, async () => {
    const q = await get(`/api/v1/inquiries/${encodeURIComponent(ctx.params.id)}`);
    if (!ctx.alive()) return;
    const bubble = (who, role, text, at) => h('li', { class: `inq-msg inq-msg-${role}`, dataset: { role } },
      h('div', { class: 'muted small' }, `${t(`inq.role.${role}`)} · ${who || ''} · ${dateTime(at)}`),
      h('p', { class: 'pre inq-msg-body' }, text));
    const reply = h('textarea', { id: 'inq-reply', rows: 3, maxlength: 2000, placeholder: t('inq.replyPlaceholder'), 'aria-label': t('inq.replyPlaceholder') });
    const closed = q.status === 'CLOSED';
    mount(body, h('article', { class: 'inq-detail', id: 'inq-detail', dataset: { id: String(q.id), status: q.status } },
      h('header', { class: 'card card-pad' },
        h('div', { class: 'row between' }, h('span', { class: 'muted small' }, `[${t(`inq.cat.${q.category}`)}] ${q.to === 'operator' ? t('inq.toOperator') : (q.seller_name || '')}`), inquiryStatus(q.status)),
        h('h1', { class: 'inq-title', id: 'inq-title' }, q.title),
        q.product_id ? h('div', { class: 'small' }, `${t('inq.product')}: `, h('a', { href: `#/product/${q.product_id}` }, q.product_name || `#${q.product_id}`)) : null,
        q.order_id ? h('div', { class: 'small' }, `${t('inq.order')}: `, me.id === q.buyer_id ? h('a', { href: `#/orders/${q.order_id}` }, q.order_number || `#${q.order_id}`) : (q.order_number || `#${q.order_id}`)) : null),
      h('ul', { class: 'inq-thread', id: 'inq-thread' },
        bubble(q.buyer_name, 'buyer', q.body, q.created_at),
        q.messages.map((m) => bubble(m.author_name, m.author_role, m.body, m.created_at))),
      closed ? h('p', { class: 'muted', id: 'inq-closed' }, t('inq.closed')) : h('form', { class: 'inq-reply-form', onsubmit: async (e) => {
        e.preventDefault();
        const text = reply.value.trim();
        if (!text) return;
        try { await post(`/api/v1/inquiries/${q.id}/messages`, { body: text }); load(); } catch (ex) { toast(errorText(ex), 'error'); }
      } }, reply, h('div', { class: 'row between' },
        h('button', { class: 'btn-ghost', type: 'button', id: 'inq-close', onclick: async () => {
          if (!confirm(t('inq.closeAsk'))) return;
          try { await post(`/api/v1/inquiries/${q.id}/close`, {}); load(); } catch (ex) { toast(errorText(ex), 'error'); }
        } }, t('inq.close')),
        h('button', { class: 'btn btn-primary', type: 'submit', id: 'inq-reply-send' }, t('inq.reply'))))));
  });
  load();
}
