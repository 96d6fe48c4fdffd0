// #/posts/:id: a sale post (GET /api/v1/sale-posts/{id}): title, seller, region, images, body, its
// products with buy buttons (the buy sheet, views/buy.js) and the lives that used it.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { price, dateTime } from '../format.js';
import { get } from '../api.js';
import { spinner, emptyState, productImage, statusBadge } from './ui.js';
import { openBuySheet } from './buy.js';
import { regionText } from './regions.js';

addStrings({
  ko: { 'post.products': '상품', 'post.lives': '이 게시글로 진행한 라이브', 'post.noLives': '아직 라이브가 없습니다', 'post.buy': '구매하기',
    'post.notFound': '찾을 수 없는 판매 게시글입니다', 'post.closed': '판매가 마감된 게시글입니다', 'post.store': '상점 보기' },
  en: { 'post.products': 'Products', 'post.lives': 'Lives with this post', 'post.noLives': 'No lives yet', 'post.buy': 'Buy',
    'post.notFound': 'No such sale post', 'post.closed': 'This sale is closed', 'post.store': 'Visit store' },
});

function productRow(p) {
  const soldOut = p.status === 'SOLD_OUT' || p.stock === 0;
  return h('li', { class: 'card post-product', id: `post-product-${p.id}` },
    h('a', { href: `#/product/${p.id}` }, productImage(p, 'row-img')),
    h('div', { class: 'grow' }, h('a', { href: `#/product/${p.id}` }, h('strong', null, p.name)), h('div', { class: 'price' }, price(p.price))),
    h('button', { class: 'btn btn-primary', id: `post-buy-${p.id}`, disabled: soldOut, onclick: () => openBuySheet(p) }, soldOut ? t('status.SOLD_OUT') : t('post.buy')));
}

export async function render(ctx) {
  mount(ctx.el, spinner());
  let p;
  try { p = await get(`/api/v1/sale-posts/${encodeURIComponent(ctx.params.id)}`); } catch (ex) {
    mount(ctx.el, emptyState(ex.status === 404 ? t('post.notFound') : errorText(ex)));
    return;
  }
  if (!ctx.alive()) return;
  mount(ctx.el, h('article', { class: 'sale-post', id: 'sale-post', dataset: { id: String(p.id) } },
    h('header', { class: 'page-head' },
      h('h1', { id: 'post-title' }, p.title),
      h('div', { class: 'muted small' },
        h('a', { href: `#/sellers/${p.seller_id}`, id: 'post-seller' }, p.seller_name || t('post.store')),
        p.region ? h('span', { id: 'post-region' }, ` · ${regionText(p.region)}`) : null,
        p.published_at ? ` · ${dateTime(p.published_at)}` : null),
      p.status !== 'PUBLISHED' ? h('p', { class: 'muted' }, p.status === 'CLOSED' ? t('post.closed') : statusBadge(p.status)) : null),
    p.images.length ? h('div', { class: 'hscroll post-images', id: 'post-images' }, p.images.map((u) => h('img', { src: u, alt: '', class: 'post-image', loading: 'lazy' }))) : null,
    p.body ? h('p', { class: 'post-body', id: 'post-body', style: { whiteSpace: 'pre-line' } }, p.body) : null,
    h('section', null, h('h2', null, t('post.products')),
      p.products.length ? h('ul', { class: 'post-products', id: 'post-products' }, p.products.map(productRow)) : emptyState(t('empty.products'))),
    h('section', null, h('h2', null, t('post.lives')),
      p.lives.length ? h('ul', { class: 'post-lives', id: 'post-lives' }, p.lives.map((l) => h('li', null,
        h('a', { href: `#/live/${l.id}`, id: `post-live-${l.id}` }, l.title), ' ', statusBadge(l.status), ' ',
        h('span', { class: 'muted small' }, dateTime(l.started_at || l.scheduled_at)))))
        : h('p', { class: 'muted small' }, t('post.noLives')))));
}
