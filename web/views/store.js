// #/sellers/:id: a seller's public store page: shop name, logo, introduction, shipping policy and
// followers (GET /api/v1/sellers/{id}), a follow button, the seller's lives (on air, coming, recent)
// and products on sale. The catalog has no seller filter yet: the products are the seller's among
// the newest pages of the catalog (at most MAX_PAGES pages).
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post, del, qs, items, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { spinner, emptyState, productCard, liveCard, toast } from './ui.js';
import { storeAnnouncements } from './announcements.js';

addStrings({
  ko: { 'store.followers': '팔로워 {n}명', 'store.follow': '팔로우', 'store.unfollow': '팔로우 취소', 'store.following': '팔로우 중',
    'store.shipping': '배송 안내', 'store.lives': '라이브', 'store.products': '상품', 'store.noLives': '예정된 라이브가 없습니다',
    'store.noProducts': '판매 중인 상품이 없습니다', 'store.notFound': '찾을 수 없는 상점입니다' },
  en: { 'store.followers': '{n} followers', 'store.follow': 'Follow', 'store.unfollow': 'Unfollow', 'store.following': 'Following',
    'store.shipping': 'Shipping', 'store.lives': 'Lives', 'store.products': 'Products', 'store.noLives': 'No lives planned',
    'store.noProducts': 'No products on sale', 'store.notFound': 'No such store' },
});

const MAX_PAGES = 5;

// The seller's products among the first MAX_PAGES pages of the newest products.
async function sellerProducts(id) {
  const out = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const r = await get(`/api/v1/products${qs({ sort: 'newest', page, per_page: 20 })}`);
    out.push(...items(r).filter((p) => p.seller_id === id));
    if (!r || !r.total || page * 20 >= r.total) break;
  }
  return out;
}

function followButton(s, count) {
  let following = false;
  const btn = h('button', { class: 'btn btn-primary', type: 'button', id: 'store-follow' }, t('store.follow'));
  const paint = () => { btn.textContent = following ? t('store.unfollow') : t('store.follow'); btn.className = following ? 'btn' : 'btn btn-primary'; };
  btn.addEventListener('click', async () => {
    if (!currentUser()) { requireLogin(); return; }
    try {
      const r = following ? await del(`/api/v1/sellers/${s.id}/follow`) : await post(`/api/v1/sellers/${s.id}/follow`, {});
      following = r.following;
      count.textContent = t('store.followers', { n: r.followers });
      paint();
      if (following) toast(t('store.following'));
    } catch (ex) { toast(errorText(ex), 'error'); }
  });
  return btn;
}

export async function render(ctx) {
  const id = Number(ctx.params.id);
  mount(ctx.el, spinner());
  let s;
  try { s = await get(`/api/v1/sellers/${encodeURIComponent(ctx.params.id)}`); } catch (ex) {
    mount(ctx.el, emptyState(ex.status === 404 ? t('store.notFound') : errorText(ex)));
    return;
  }
  const count = h('span', { class: 'muted', id: 'store-followers' }, t('store.followers', { n: s.followers }));
  const me = currentUser();
  const lives = h('div', { id: 'store-lives' }, spinner());
  const products = h('div', { id: 'store-products' }, spinner());
  mount(ctx.el, h('div', { class: 'store-page', id: 'store', dataset: { id: String(s.id) } },
    h('header', { class: 'card card-pad store-head' },
      s.logo_url ? h('img', { class: 'store-logo', src: s.logo_url, alt: '', width: 72, height: 72 }) : null,
      h('div', null,
        h('h1', { id: 'store-name' }, s.shop_name || s.name),
        s.shop_name && s.name !== s.shop_name ? h('div', { class: 'muted small' }, s.name) : null,
        h('div', null, count, ' ', me && me.id === s.id ? null : followButton(s, count)))),
    s.intro ? h('p', { class: 'store-intro', id: 'store-intro', style: { whiteSpace: 'pre-line' } }, s.intro) : null,
    s.shipping_policy ? h('section', { class: 'card card-pad' }, h('h2', null, t('store.shipping')),
      h('p', { id: 'store-shipping', style: { whiteSpace: 'pre-line' } }, s.shipping_policy)) : null,
    storeAnnouncements(s.id),
    h('section', null, h('h2', null, t('store.lives')), lives),
    h('section', null, h('h2', null, t('store.products')), products)));
  const [l, p] = await Promise.allSettled([get('/api/v1/lives'), sellerProducts(id)]);
  if (l.status === 'fulfilled') {
    const mine = items(l.value).filter((x) => x.seller_id === id);
    mount(lives, mine.length ? h('div', { class: 'hscroll' }, mine.map(liveCard)) : h('p', { class: 'muted small' }, t('store.noLives')));
  } else mount(lives, h('p', { class: 'form-error' }, errorText(l.reason)));
  if (p.status === 'fulfilled') {
    mount(products, p.value.length ? h('div', { class: 'grid products-grid' }, p.value.map(productCard)) : emptyState(t('store.noProducts')));
  } else mount(products, h('p', { class: 'form-error' }, errorText(p.reason)));
}
