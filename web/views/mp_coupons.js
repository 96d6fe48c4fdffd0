// my page: my coupons, usable / used / expired (GET /api/v1/me/coupons).
import { h, mount as put } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { dateTime } from '../format.js';
import { get, items } from '../api.js';
import { couponTerms } from './coupons.js';

addStrings({
  ko: { 'mpc.title': '내 쿠폰', 'mpc.usable': '사용 가능', 'mpc.used': '사용 완료', 'mpc.expired': '기간 만료',
    'mpc.empty': '쿠폰이 없습니다.', 'mpc.until': '{time}까지', 'mpc.order': '주문 #{id}', 'mpc.fromFollow': '팔로우 혜택' },
  en: { 'mpc.title': 'My coupons', 'mpc.usable': 'Usable', 'mpc.used': 'Used', 'mpc.expired': 'Expired',
    'mpc.empty': 'No coupons.', 'mpc.until': 'until {time}', 'mpc.order': 'Order #{id}', 'mpc.fromFollow': 'for followers' },
});

const STATES = ['usable', 'used', 'expired'];

export async function mount(el) {
  let state = 'usable';
  const tabs = h('div', { class: 'chips', role: 'tablist' });
  const list = h('ul', { class: 'coupon-list', id: 'mp-coupon-list' });
  const load = async () => {
    put(tabs, STATES.map((s) => h('button', { type: 'button', class: 'chip' + (s === state ? ' active' : ''), id: `mp-coupons-${s}`,
      role: 'tab', 'aria-selected': String(s === state), onclick: () => { state = s; load(); } }, t(`mpc.${s}`))));
    try {
      const mine = items(await get(`/api/v1/me/coupons?state=${state}`));
      put(list, mine.length ? mine.map((u) => h('li', { class: 'coupon-row', dataset: { userCouponId: String(u.id), state: u.state } },
        h('div', { class: 'grow' }, h('div', { class: 'name' }, u.coupon.name,
          u.source === 'followers' ? h('span', { class: 'muted small' }, ` · ${t('mpc.fromFollow')}`) : null),
        h('div', { class: 'muted small' }, couponTerms(u.coupon)),
        h('div', { class: 'muted small' }, u.state === 'used' && u.used_order_id
          ? h('a', { href: `#/orders/${u.used_order_id}` }, t('mpc.order', { id: u.used_order_id }))
          : t('mpc.until', { time: dateTime(u.coupon.ends_at) }))))) : h('li', { class: 'muted' }, t('mpc.empty')));
    } catch (e) { put(list, h('li', { class: 'form-error' }, errorText(e))); }
  };
  put(el, h('h2', null, t('mpc.title')), tabs, list);
  await load();
}
