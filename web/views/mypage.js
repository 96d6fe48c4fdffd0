// #/me: my page. Each section is its own module (mounted into its own element), so the profile,
// password and seller application stay apart.
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { currentUser } from '../api.js';
import { requireLogin } from '../app.js';

// [element id, module] in page order; each module exports mount(el, user).
const SECTIONS = [
  ['mp-profile', () => import('./mp_profile.js')],
  ['mp-points', () => import('./mp_points.js')], // points
  ['mp-subscriptions', () => import('./mp_subscriptions.js')], // subscriptions
  ['mp-identities', () => import('./mp_identities.js')],
  ['mp-wishlist', () => import('./mp_wishlist.js')],
  ['mp-reviews', () => import('./mp_reviews.js')],
  ['mp-addresses', () => import('./mp_addresses.js')],
  ['mp-coupons', () => import('./mp_coupons.js')], // coupons
  ['mp-security', () => import('./mp_security.js')],
  ['mp-seller', () => import('./mp_seller.js')],
  ['mp-shop', () => import('./mp_shop.js')],
  ['mp-delete', () => import('./mp_delete.js')],
];

export async function render(ctx) {
  const user = currentUser();
  if (!user) { requireLogin(); return; }
  const els = SECTIONS.map(([id]) => h('section', { class: 'card card-pad mp-section', id }));
  mount(ctx.el, h('div', { class: 'mypage' }, h('h1', null, t('nav.mypage')), ...els));
  await Promise.all(SECTIONS.map(async ([, load], i) => {
    try { (await load()).mount(els[i], user); } catch (e) { console.error(e); els[i].remove(); }
  }));
}
