// #/search?q=&category=&min=&max=&hide_sold_out=&sort=&page= (search results with filter controls) and
// #/category/:id (a category page: its path in the tree, its subcategories and the same filters),
// both on GET /api/v1/products (q, category_id, min_price, max_price, hide_sold_out, sort, page) and
// the category tree GET /api/v1/categories.
import { h, mount } from '../dom.js';
import { t, addStrings } from '../i18n.js';
import { get, qs, items } from '../api.js';
import { navigate } from '../app.js';
import { withStates, skeletonGrid, emptyState, productCard } from './ui.js';

addStrings({
  ko: { 'search.title': '상품 검색', 'search.q': '검색어', 'search.category': '카테고리', 'search.min': '최저가', 'search.max': '최고가',
    'search.hideSoldOut': '품절 상품 숨기기', 'search.apply': '적용', 'search.reset': '초기화', 'search.total': '상품 {n}개',
    'search.all': '전체', 'search.sort': '정렬', 'search.notFound': '없는 카테고리입니다', 'search.results': '"{q}" 검색 결과' },
  en: { 'search.title': 'Search products', 'search.q': 'Search', 'search.category': 'Category', 'search.min': 'Min price', 'search.max': 'Max price',
    'search.hideSoldOut': 'Hide sold out', 'search.apply': 'Apply', 'search.reset': 'Reset', 'search.total': '{n} products',
    'search.all': 'All', 'search.sort': 'Sort', 'search.notFound': 'No such category', 'search.results': 'Results for "{q}"' },
});

const PER_PAGE = 20;

// The tree flattened: [{id, name, depth, path: [ancestors' {id, name}], children}].
function flatten(tree) {
  const out = [];
  const walk = (list, depth, path) => {
    for (const c of list) {
      out.push({ ...c, depth, path });
      if (Array.isArray(c.children)) walk(c.children, depth + 1, [...path, { id: c.id, name: c.name }]);
    }
  };
  walk(tree, 0, []);
  return out;
}

const int = (v) => { const n = parseInt(v, 10); return Number.isInteger(n) && n >= 0 ? n : null; };

export async function render(ctx) {
  const q = ctx.query;
  const isCategory = ctx.name === 'category';
  const state = {
    q: q.get('q') || '', category: isCategory ? ctx.params.id : (q.get('category') || ''),
    min: int(q.get('min')), max: int(q.get('max')), hide: q.get('hide_sold_out') === 'true',
    sort: q.get('sort') || 'newest', page: Math.max(1, int(q.get('page')) || 1),
  };
  const go = (patch) => {
    const s = { ...state, ...patch };
    if (!('page' in patch)) s.page = 1;
    const query = qs({ q: s.q, min: s.min ?? '', max: s.max ?? '', hide_sold_out: s.hide ? 'true' : '', sort: s.sort === 'newest' ? '' : s.sort,
      page: s.page > 1 ? s.page : '', ...(isCategory ? {} : { category: s.category }) });
    navigate(isCategory ? `/category/${encodeURIComponent(s.category)}${query}` : `/search${query}`);
  };

  let cats = [];
  try { cats = flatten(items(await get('/api/v1/categories'))); } catch { /* filters without the category list */ }
  if (!ctx.alive()) return;
  const current = cats.find((c) => String(c.id) === String(state.category));
  if (isCategory && !current) { mount(ctx.el, emptyState(t('search.notFound'))); return; }

  const qIn = h('input', { type: 'search', id: 'search-q', value: state.q, placeholder: t('search.q'), 'aria-label': t('search.q') });
  const catSel = h('select', { id: 'search-category', 'aria-label': t('search.category') }, h('option', { value: '' }, t('search.all')),
    cats.map((c) => h('option', { value: c.id, selected: String(c.id) === String(state.category) }, `${'  '.repeat(c.depth)}${c.name}`)));
  const minIn = h('input', { type: 'number', id: 'search-min', min: 0, step: 100, value: state.min ?? '', placeholder: t('search.min'), 'aria-label': t('search.min') });
  const maxIn = h('input', { type: 'number', id: 'search-max', min: 0, step: 100, value: state.max ?? '', placeholder: t('search.max'), 'aria-label': t('search.max') });
  const hide = h('input', { type: 'checkbox', id: 'search-hide', checked: state.hide });
  const sort = h('select', { id: 'search-sort', 'aria-label': t('search.sort') },
    ['newest', 'price_asc', 'price_desc', 'name'].map((s) => h('option', { value: s, selected: s === state.sort }, t(`sort.${s}`))));
  const apply = () => go({ q: qIn.value.trim(), category: isCategory ? state.category : catSel.value, min: int(minIn.value), max: int(maxIn.value), hide: hide.checked, sort: sort.value });
  sort.addEventListener('change', apply);
  hide.addEventListener('change', apply);
  const resultsEl = h('div', { class: 'products-wrap', id: 'search-results' });
  const totalEl = h('p', { class: 'muted small', id: 'search-total' });

  const head = isCategory
    ? h('div', { class: 'page-head' },
      h('nav', { class: 'muted small', id: 'category-path' }, h('a', { href: '#/' }, t('search.all')),
        current.path.map((c) => [' › ', h('a', { href: `#/category/${c.id}` }, c.name)])),
      h('h1', { id: 'category-name' }, current.name),
      current.children && current.children.length ? h('div', { class: 'chips', id: 'category-children' },
        current.children.map((c) => h('a', { class: 'chip', href: `#/category/${c.id}` }, c.name))) : null)
    : h('div', { class: 'page-head' }, h('h1', null, state.q ? t('search.results', { q: state.q }) : t('search.title')));

  mount(ctx.el, h('div', { class: 'search-page' }, head,
    h('form', { class: 'toolbar search-filters', id: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); apply(); } },
      qIn, isCategory ? null : catSel, minIn, h('span', { class: 'muted' }, '~'), maxIn,
      h('label', { class: 'check small' }, hide, t('search.hideSoldOut')), sort,
      h('button', { class: 'btn btn-primary', type: 'submit', id: 'search-apply' }, t('search.apply')),
      h('button', { class: 'btn-ghost', type: 'button', id: 'search-reset', onclick: () => go({ q: '', min: null, max: null, hide: false, sort: 'newest', ...(isCategory ? {} : { category: '' }) }) }, t('search.reset'))),
    totalEl, resultsEl));

  withStates(resultsEl, async () => {
    const r = await get('/api/v1/products' + qs({
      q: state.q, category_id: state.category, min_price: state.min ?? '', max_price: state.max || '',
      hide_sold_out: state.hide ? 'true' : '', sort: state.sort, page: state.page, per_page: PER_PAGE,
    }));
    if (!ctx.alive()) return;
    const list = items(r);
    totalEl.textContent = t('search.total', { n: r.total ?? list.length });
    if (!list.length) { mount(resultsEl, emptyState(t('empty.products'))); return; }
    const pages = Math.max(1, Math.ceil((r.total ?? list.length) / (r.per_page || PER_PAGE)));
    mount(resultsEl,
      h('div', { class: 'grid products-grid' }, list.map(productCard)),
      pages > 1 ? h('nav', { class: 'pager' },
        h('button', { class: 'btn-ghost', disabled: state.page <= 1, onclick: () => go({ page: state.page - 1 }) }, `‹ ${t('page.prev')}`),
        h('span', { class: 'muted' }, `${state.page} / ${pages}`),
        h('button', { class: 'btn-ghost', disabled: state.page >= pages, onclick: () => go({ page: state.page + 1 }) }, `${t('page.next')} ›`)) : null);
  }, { loading: skeletonGrid(8) });
}
