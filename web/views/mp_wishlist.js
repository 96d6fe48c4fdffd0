// my page: 찜한 상품 (my wishlist): the products I wished, newest first, as product cards (the
// heart on each card takes one off the list).
import { h, mount as put } from '../dom.js';
import { t, addStrings } from '../i18n.js';
import { get } from '../api.js';
import { productCard } from './ui.js';

addStrings({
  ko: { 'mpwish.title': '찜한 상품', 'mpwish.empty': '찜한 상품이 없습니다', 'mpwish.more': '더 보기' },
  en: { 'mpwish.title': 'My wishlist', 'mpwish.empty': 'Nothing on your wishlist yet', 'mpwish.more': 'More' },
});

export async function mount(el) {
  let page = 1;
  const grid = h('div', { class: 'grid products-grid', id: 'mp-wishlist-grid' });
  const more = h('button', { class: 'btn btn-ghost', id: 'mp-wishlist-more', hidden: true, onclick: () => { page++; load(); } }, t('mpwish.more'));
  const empty = h('p', { class: 'muted', id: 'mp-wishlist-empty', hidden: true }, t('mpwish.empty'));
  put(el, h('h2', null, t('mpwish.title')), empty, grid, more);
  async function load() {
    const r = await get(`/api/v1/me/wishlist?page=${page}&per_page=12`);
    for (const p of r.items || []) grid.appendChild(productCard(p));
    empty.hidden = (r.total || 0) > 0;
    more.hidden = page * 12 >= (r.total || 0);
  }
  await load();
}
