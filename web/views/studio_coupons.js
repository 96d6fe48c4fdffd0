// Seller studio, coupons tab (#/studio/coupons): create a coupon (my products, one product or one
// live; fixed or percent with a cap; minimum, window, quantity, per-user limit, downloadable),
// list mine with what was claimed, issue one to every follower, stop one.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { price, dateTime, toLocalInput, fromLocalInput } from '../format.js';
import { get, post, del, items, currentUser } from '../api.js';
import { withStates, emptyState, toast } from './ui.js';
import { couponTerms } from './coupons.js';

addStrings({
  ko: {
    'scpn.title': '쿠폰', 'scpn.new': '쿠폰 만들기', 'scpn.name': '쿠폰 이름', 'scpn.scope': '적용 범위',
    'scpn.product': '상품', 'scpn.live': '라이브', 'scpn.kind': '할인 방식', 'scpn.fixed': '정액(원)', 'scpn.percent': '정률(%)',
    'scpn.value': '할인 금액 / 비율', 'scpn.cap': '최대 할인 금액(원, 선택)', 'scpn.min': '최소 주문 금액(원)',
    'scpn.starts': '시작', 'scpn.ends': '종료', 'scpn.quantity': '발행 수량(비우면 무제한)', 'scpn.perUser': '1인당 최대',
    'scpn.downloadable': '구매자가 직접 받을 수 있음', 'scpn.create': '만들기', 'scpn.created': '쿠폰을 만들었습니다',
    'scpn.empty': '만든 쿠폰이 없습니다', 'scpn.claimed': '받은 수', 'scpn.status': '상태', 'scpn.window': '기간',
    'scpn.issue': '팔로워에게 발행', 'scpn.issued': '팔로워 {n}명에게 발행했습니다', 'scpn.soldOut': ' (수량 소진)',
    'scpn.stop': '중지', 'scpn.stopped': '쿠폰을 중지했습니다', 'scpn.ACTIVE': '진행 중', 'scpn.DISABLED': '중지됨',
    'scpn.unlimited': '무제한',
  },
  en: {
    'scpn.title': 'Coupons', 'scpn.new': 'New coupon', 'scpn.name': 'Coupon name', 'scpn.scope': 'Applies to',
    'scpn.product': 'Product', 'scpn.live': 'Live', 'scpn.kind': 'Discount', 'scpn.fixed': 'Fixed (KRW)', 'scpn.percent': 'Percent (%)',
    'scpn.value': 'Amount / percent', 'scpn.cap': 'Largest discount (KRW, optional)', 'scpn.min': 'Minimum order (KRW)',
    'scpn.starts': 'Starts', 'scpn.ends': 'Ends', 'scpn.quantity': 'Quantity (empty = unlimited)', 'scpn.perUser': 'Per buyer',
    'scpn.downloadable': 'Buyers can get it themselves', 'scpn.create': 'Create', 'scpn.created': 'Coupon created',
    'scpn.empty': 'No coupons yet', 'scpn.claimed': 'Claimed', 'scpn.status': 'Status', 'scpn.window': 'Valid',
    'scpn.issue': 'Issue to followers', 'scpn.issued': 'Issued to {n} followers', 'scpn.soldOut': ' (quantity used up)',
    'scpn.stop': 'Stop', 'scpn.stopped': 'Coupon stopped', 'scpn.ACTIVE': 'Active', 'scpn.DISABLED': 'Stopped',
    'scpn.unlimited': 'unlimited',
  },
});

export async function render(ctx) {
  const me = currentUser();
  const formSlot = h('div');
  const listEl = h('div');
  mount(ctx.el, h('div', { class: 'row between' }, h('h2', null, t('scpn.title')),
    h('button', { class: 'btn btn-primary', id: 'new-coupon', onclick: () => showForm() }, `+ ${t('scpn.new')}`)), formSlot, listEl);

  const load = () => withStates(listEl, async () => {
    const list = items(await get('/api/v1/seller/coupons'));
    if (!ctx.alive()) return;
    if (!list.length) { mount(listEl, emptyState(t('scpn.empty'))); return; }
    const act = async (fn, msg) => { try { toast(msg(await fn()), 'success'); load(); } catch (e) { toast(errorText(e), 'error'); } };
    mount(listEl, h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'seller-coupons' },
      h('thead', null, h('tr', null, h('th', null, t('scpn.name')), h('th', null, t('scpn.kind')), h('th', null, t('scpn.window')),
        h('th', null, t('scpn.claimed')), h('th', null, t('scpn.status')), h('th', null, ''))),
      h('tbody', null, list.map((c) => h('tr', { dataset: { couponId: String(c.id) } },
        h('td', null, c.name, h('div', { class: 'muted small' }, t(`cpn.scope.${c.scope}`))),
        h('td', null, couponTerms(c)),
        h('td', { class: 'small' }, `${dateTime(c.starts_at)} – ${dateTime(c.ends_at)}`),
        h('td', null, `${c.claimed} / ${c.quantity ?? t('scpn.unlimited')}`),
        h('td', null, t(`scpn.${c.status}`)),
        h('td', { class: 'row' },
          c.status === 'ACTIVE' ? h('button', { class: 'btn small', id: `coupon-issue-${c.id}`, onclick: () => act(
            () => post(`/api/v1/seller/coupons/${encodeURIComponent(c.id)}/issue-followers`),
            (r) => t('scpn.issued', { n: r.issued }) + (r.sold_out ? t('scpn.soldOut') : '')) }, t('scpn.issue')) : null,
          c.status === 'ACTIVE' ? h('button', { class: 'btn-ghost small', id: `coupon-stop-${c.id}`, onclick: () => act(
            () => del(`/api/v1/seller/coupons/${encodeURIComponent(c.id)}`), () => t('scpn.stopped')) }, t('scpn.stop')) : null)))))));
  });

  async function showForm() {
    const [products, lives] = await Promise.all([
      get('/api/v1/seller/products?per_page=100').then(items).catch(() => []),
      get('/api/v1/lives').then((r) => items(r).filter((l) => l.seller_id === me.id && (l.status === 'SCHEDULED' || l.status === 'LIVE'))).catch(() => []),
    ]);
    const now = new Date();
    const input = (id, attrs = {}) => h('input', { id, ...attrs });
    const name = input('coupon-name', { maxlength: 60, required: true });
    const scope = h('select', { id: 'coupon-scope' }, ['seller', 'product', 'live'].map((s) => h('option', { value: s }, t(`cpn.scope.${s}`))));
    const product = h('select', { id: 'coupon-product' }, products.map((p) => h('option', { value: String(p.id) }, `${p.name} (${price(p.price)})`)));
    const live = h('select', { id: 'coupon-live' }, lives.map((l) => h('option', { value: String(l.id) }, `${l.title} · ${dateTime(l.scheduled_at)}`)));
    const productField = h('label', { class: 'field', hidden: true }, h('span', null, t('scpn.product')), product);
    const liveField = h('label', { class: 'field', hidden: true }, h('span', null, t('scpn.live')), live);
    scope.onchange = () => { productField.hidden = scope.value !== 'product'; liveField.hidden = scope.value !== 'live'; };
    const kind = h('select', { id: 'coupon-kind' }, h('option', { value: 'fixed' }, t('scpn.fixed')), h('option', { value: 'percent' }, t('scpn.percent')));
    const value = input('coupon-value', { type: 'number', min: 1, required: true });
    const cap = input('coupon-cap', { type: 'number', min: 1 });
    const min = input('coupon-min', { type: 'number', min: 0, value: '0' });
    const starts = input('coupon-starts', { type: 'datetime-local', value: toLocalInput(now) });
    const ends = input('coupon-ends', { type: 'datetime-local', value: toLocalInput(new Date(now.getTime() + 7 * 86400000)) });
    const quantity = input('coupon-quantity', { type: 'number', min: 1 });
    const perUser = input('coupon-per-user', { type: 'number', min: 1, max: 100, value: '1' });
    const downloadable = input('coupon-downloadable', { type: 'checkbox', checked: true });
    const err = h('div', { class: 'form-error', role: 'alert', hidden: true, id: 'coupon-error' });
    const field = (label, el) => h('label', { class: 'field' }, h('span', null, label), el);
    const num = (el) => (el.value === '' ? undefined : Number(el.value));
    const form = h('form', { class: 'card card-pad', id: 'coupon-form', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.hidden = true;
      const body = { name: name.value.trim(), scope: scope.value, kind: kind.value, value: num(value), min_order: num(min) ?? 0,
        starts_at: fromLocalInput(starts.value), ends_at: fromLocalInput(ends.value), per_user: num(perUser) ?? 1, downloadable: downloadable.checked };
      if (kind.value === 'percent' && num(cap)) body.max_discount = num(cap);
      if (num(quantity)) body.quantity = num(quantity);
      if (scope.value === 'product') body.product_id = Number(product.value);
      if (scope.value === 'live') body.live_id = Number(live.value);
      try {
        await post('/api/v1/seller/coupons', body);
        toast(t('scpn.created'), 'success');
        mount(formSlot);
        load();
      } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
    } },
    field(t('scpn.name'), name), field(t('scpn.scope'), scope), productField, liveField,
    field(t('scpn.kind'), kind), field(t('scpn.value'), value), field(t('scpn.cap'), cap), field(t('scpn.min'), min),
    field(t('scpn.starts'), starts), field(t('scpn.ends'), ends), field(t('scpn.quantity'), quantity), field(t('scpn.perUser'), perUser),
    h('label', { class: 'row small' }, downloadable, t('scpn.downloadable')),
    err, h('button', { class: 'btn btn-primary', type: 'submit', id: 'coupon-create' }, t('scpn.create')));
    mount(formSlot, form);
    name.focus();
  }
  load();
}
