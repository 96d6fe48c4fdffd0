// #/sellers/:id: a seller's public store page: shop name, logo, introduction, shipping policy and
// followers (GET /api/v1/sellers/{id}), a follow button, the seller's lives on air and coming and
// the past ones (GET /api/v1/lives?seller_id=), sale posts (GET /api/v1/sale-posts?seller_id=) and
// products (GET /api/v1/products?seller_id=, paged).
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post, del, qs, items, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { spinner, emptyState, productCard, liveCard, toast, statusBadge } from './ui.js';
import { dateTime } from '../format.js';
import { regionText } from './regions.js';
import { storeAnnouncements } from './announcements.js';

addStrings({
  ko: { 'store.followers': '팔로워 {n}명', 'store.follow': '팔로우', 'store.unfollow': '팔로우 취소', 'store.following': '팔로우 중',
    'store.shipping': '배송 안내', 'store.lives': '라이브', 'store.products': '상품', 'store.noLives': '예정된 라이브가 없습니다',
    'store.noProducts': '판매 중인 상품이 없습니다', 'store.notFound': '찾을 수 없는 상점입니다',
    'store.upcoming': '방송 중 · 예정 라이브', 'store.past': '지난 라이브', 'store.noPast': '지난 라이브가 없습니다', 'store.posts': '판매 게시글',
    'store.noPosts': '판매 게시글이 없습니다', 'store.more': '더 보기' },
  en: { 'store.followers': '{n} followers', 'store.follow': 'Follow', 'store.unfollow': 'Unfollow', 'store.following': 'Following',
    'store.shipping': 'Shipping', 'store.lives': 'Lives', 'store.products': 'Products', 'store.noLives': 'No lives planned',
    'store.noProducts': 'No products on sale', 'store.notFound': 'No such store',
    'store.upcoming': 'On air and coming', 'store.past': 'Past lives', 'store.noPast': 'No past lives', 'store.posts': 'Sale posts',
    'store.noPosts': 'No sale posts', 'store.more': 'More' },
});

const PER_PAGE = 20;

// A sale post card (links to #/posts/:id).
function postCard(p) {
  return h('a', { class: 'card product-card post-card', href: `#/posts/${p.id}`, id: `store-post-${p.id}` },
    h('div', { class: 'img-wrap' }, p.image_url ? h('img', { class: 'thumb', src: p.image_url, alt: '', loading: 'lazy' }) : h('div', { class: 'thumb thumb-empty', 'aria-hidden': 'true' }, p.title.slice(0, 1))),
    h('div', { class: 'card-body' }, h('div', { class: 'name' }, p.title), p.region ? h('div', { class: 'muted small' }, regionText(p.region)) : null));
}

// The seller's products, PER_PAGE at a time, with a "more" button.
function productsSection(el, id) {
  let page = 1;
  const grid = h('div', { class: 'grid products-grid' });
  const more = h('button', { class: 'btn-ghost', id: 'store-more', hidden: true }, t('store.more'));
  const load = async () => {
    more.disabled = true;
    try {
      const r = await get(`/api/v1/products${qs({ seller_id: id, page, per_page: PER_PAGE })}`);
      const list = items(r);
      if (page === 1 && !list.length) { mount(el, emptyState(t('store.noProducts'))); return; }
      for (const p of list) grid.appendChild(productCard(p));
      more.hidden = page * PER_PAGE >= (r.total || 0);
      page++;
    } catch (ex) { mount(el, h('p', { class: 'form-error' }, errorText(ex))); } finally { more.disabled = false; }
  };
  more.addEventListener('click', load);
  mount(el, grid, more);
  return load();
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
  const past = h('div', { id: 'store-past-lives' }, spinner());
  const posts = h('div', { id: 'store-posts' }, spinner());
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
    h('section', null, h('h2', null, t('store.upcoming')), lives),
    h('section', null, h('h2', null, t('store.posts')), posts),
    h('section', null, h('h2', null, t('store.products')), products),
    h('section', null, h('h2', null, t('store.past')), past)));
  const [l, e, sp] = await Promise.allSettled([get(`/api/v1/lives${qs({ seller_id: id })}`),
    get(`/api/v1/lives${qs({ seller_id: id, status: 'ENDED' })}`), get(`/api/v1/sale-posts${qs({ seller_id: id, per_page: 20 })}`),
    productsSection(products, id)]);
  if (!ctx.alive()) return;
  if (l.status === 'fulfilled') {
    const on = items(l.value).filter((x) => x.status === 'LIVE' || x.status === 'SCHEDULED');
    mount(lives, on.length ? h('div', { class: 'hscroll' }, on.map(liveCard)) : h('p', { class: 'muted small' }, t('store.noLives')));
  } else mount(lives, h('p', { class: 'form-error' }, errorText(l.reason)));
  if (e.status === 'fulfilled') {
    const ended = items(e.value);
    mount(past, ended.length ? h('ul', { class: 'store-past' }, ended.map((x) => h('li', null,
      h('a', { href: `#/live/${x.id}`, id: `store-past-${x.id}` }, x.title), ' ', statusBadge(x.status), ' ',
      h('span', { class: 'muted small' }, dateTime(x.ended_at || x.scheduled_at)))))
      : h('p', { class: 'muted small' }, t('store.noPast')));
  } else mount(past, h('p', { class: 'form-error' }, errorText(e.reason)));
  if (sp.status === 'fulfilled') {
    const list = items(sp.value);
    mount(posts, list.length ? h('div', { class: 'grid products-grid' }, list.map(postCard)) : h('p', { class: 'muted small' }, t('store.noPosts')));
  } else mount(posts, h('p', { class: 'form-error' }, errorText(sp.reason)));
}
