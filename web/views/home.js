// Home: live now / upcoming cards (and the "우리동네 라이브" tab: lives of the region of the buyer's
// default address), then the product grid with category chips, search, sort and paging.
import { h, mount, icon } from '../dom.js';
import { t, addStrings } from '../i18n.js';
import { get, qs, items, currentUser } from '../api.js';
import { navigate, requireLogin } from '../app.js';
import { regionOfAddress, regionQuery, regionText } from './regions.js';
import { withStates, skeletonGrid, emptyState, productCard, liveCard, spinner } from './ui.js';
import { pinnedNotices } from './announcements.js';

const PER_PAGE = 20;

addStrings({
  ko: { 'home.tabAll': '전체 라이브', 'home.tabLocal': '우리동네 라이브', 'home.localTitle': '{region} 라이브', 'home.localNone': '우리 동네 라이브가 아직 없습니다',
    'home.localLogin': '로그인하면 기본 배송지 지역의 라이브를 볼 수 있습니다', 'home.localNoAddress': '기본 배송지를 등록하면 우리 동네 라이브를 볼 수 있습니다',
    'home.login': '로그인', 'home.addAddress': '배송지 등록', 'home.moreSearch': '상세 검색' },
  en: { 'home.tabAll': 'All lives', 'home.tabLocal': 'Local lives', 'home.localTitle': 'Lives in {region}', 'home.localNone': 'No local lives yet',
    'home.localLogin': 'Sign in to see the lives of your default address\'s region', 'home.localNoAddress': 'Add a default address to see lives near you',
    'home.login': 'Sign in', 'home.addAddress': 'Add an address', 'home.moreSearch': 'Advanced search' },
});

export async function render(ctx) {
  const q = ctx.query;
  const state = {
    q: q.get('q') || '', category: q.get('category') || '', sort: q.get('sort') || 'newest',
    page: Math.max(1, parseInt(q.get('page') || '1', 10) || 1),
  };
  const go = (patch) => {
    const s = { ...state, ...patch };
    if (!('page' in patch)) s.page = 1;
    navigate('/' + qs({ q: s.q, category: s.category, sort: s.sort === 'newest' ? '' : s.sort, page: s.page > 1 ? s.page : '' }));
  };

  const livesEl = h('section', { class: 'section lives-section' });
  const catsEl = h('div', { class: 'chips', role: 'tablist' });
  const search = h('input', { type: 'search', id: 'search', placeholder: t('home.search'), value: state.q, 'aria-label': t('home.search') });
  const sort = h('select', { id: 'sort', 'aria-label': 'sort', onchange: () => go({ sort: sort.value }) },
    ['newest', 'price_asc', 'price_desc', 'name'].map((s) => h('option', { value: s, selected: s === state.sort }, t(`sort.${s}`))));
  const gridEl = h('div', { class: 'products-wrap' });

  mount(ctx.el,
    pinnedNotices(),
    livesEl,
    h('section', { class: 'section' },
      h('div', { class: 'section-head' }, h('h2', null, t('home.products'))),
      h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => { e.preventDefault(); go({ q: search.value.trim() }); } },
        h('div', { class: 'search-box' }, search, h('button', { class: 'btn', type: 'submit', 'aria-label': t('home.search') }, icon('search', 18))),
        sort, h('a', { class: 'btn-ghost small', href: '#/search', id: 'advanced-search' }, t('home.moreSearch'))),
      catsEl,
      gridEl));

  livesTabs(livesEl);
  loadCategories(catsEl, state, go);
  withStates(gridEl, async () => {
    const r = await get('/api/v1/products' + qs({
      q: state.q, category_id: state.category, sort: state.sort, page: state.page, per_page: PER_PAGE,
    }));
    const list = items(r);
    if (!ctx.alive()) return;
    if (!list.length) { mount(gridEl, emptyState(t('empty.products'))); return; }
    const total = r.total ?? list.length;
    const pages = Math.max(1, Math.ceil(total / (r.per_page || PER_PAGE)));
    mount(gridEl,
      h('div', { class: 'grid products-grid' }, list.map(productCard)),
      pages > 1 ? h('nav', { class: 'pager' },
        h('button', { class: 'btn-ghost', disabled: state.page <= 1, onclick: () => go({ page: state.page - 1 }) }, `‹ ${t('page.prev')}`),
        h('span', { class: 'muted' }, `${state.page} / ${pages}`),
        h('button', { class: 'btn-ghost', disabled: state.page >= pages, onclick: () => go({ page: state.page + 1 }) }, `${t('page.next')} ›`)) : null);
  }, { loading: skeletonGrid(8) });
}

// The lives section with two tabs: every live, and the "우리동네 라이브" of the buyer's region.
function livesTabs(el) {
  const body = h('div');
  const tab = (id, label, on, load) => h('button', { type: 'button', role: 'tab', id, class: 'chip' + (on ? ' active' : ''), 'aria-selected': String(on),
    onclick: () => { for (const b of bar.children) { const me = b.id === id; b.classList.toggle('active', me); b.setAttribute('aria-selected', String(me)); } load(body); } }, label);
  const bar = h('div', { class: 'chips', role: 'tablist' }, tab('lives-tab-all', t('home.tabAll'), true, loadLives), tab('lives-tab-local', t('home.tabLocal'), false, loadLocal));
  mount(el, bar, body);
  loadLives(body);
}

// 우리동네 라이브: the region of the default address (GET /api/v1/me/addresses, the default first;
// its address1's first two words) and GET /api/v1/lives?region= for it (on air and coming).
async function loadLocal(el) {
  if (!currentUser()) {
    mount(el, h('p', { class: 'muted small', id: 'local-lives' }, t('home.localLogin'), ' ', h('button', { class: 'btn-ghost small', onclick: requireLogin }, t('home.login'))));
    return;
  }
  mount(el, spinner());
  try {
    const book = items(await get('/api/v1/me/addresses'));
    const region = book.length ? regionOfAddress(book[0].address1) : null;
    if (!region) {
      mount(el, h('p', { class: 'muted small', id: 'local-lives' }, t('home.localNoAddress'), ' ', h('a', { href: '#/me' }, t('home.addAddress'))));
      return;
    }
    const list = items(await get('/api/v1/lives' + qs({ region: regionQuery(region) }))).filter((l) => l.status === 'LIVE' || l.status === 'SCHEDULED');
    mount(el, h('div', { class: 'live-row local', id: 'local-lives', dataset: { region: regionText(region) } },
      h('div', { class: 'section-head' }, h('h2', null, t('home.localTitle', { region: regionText(region) }))),
      list.length ? h('div', { class: 'hscroll' }, list.map(liveCard)) : h('p', { class: 'muted small' }, t('home.localNone'))));
  } catch (e) {
    mount(el, h('div', { class: 'state state-error small' }, h('p', null, t('error.network')),
      h('button', { class: 'btn-ghost', onclick: () => loadLocal(el) }, t('retry'))));
  }
}

async function loadLives(el) {
  mount(el, spinner());
  try {
    const all = items(await get('/api/v1/lives'));
    const live = all.filter((l) => l.status === 'LIVE');
    const upcoming = all.filter((l) => l.status === 'SCHEDULED').sort((a, b) => String(a.scheduled_at).localeCompare(String(b.scheduled_at)));
    const row = (title, list, cls) => h('div', { class: `live-row ${cls}` },
      h('div', { class: 'section-head' }, h('h2', null, cls === 'now' ? h('span', { class: 'dot-live', 'aria-hidden': 'true' }) : null, title)),
      list.length ? h('div', { class: 'hscroll' }, list.map(liveCard)) : h('p', { class: 'muted small' }, t(cls === 'now' ? 'home.noLiveNow' : 'home.noUpcoming')));
    mount(el, row(`${t('home.liveNow')}`, live, 'now'), row(t('home.upcoming'), upcoming, 'upcoming'));
  } catch (e) {
    mount(el, h('div', { class: 'state state-error small' }, h('p', null, t('error.network')),
      h('button', { class: 'btn-ghost', onclick: () => loadLives(el) }, t('retry'))));
  }
}

async function loadCategories(el, state, go) {
  try {
    const flat = [];
    const walk = (list, depth) => { for (const c of list) { flat.push({ ...c, depth }); if (Array.isArray(c.children)) walk(c.children, depth + 1); } };
    walk(items(await get('/api/v1/categories')), 0);
    const cats = flat;
    const chip = (id, name) => h('button', {
      class: 'chip' + (String(state.category) === String(id) ? ' active' : ''), type: 'button', role: 'tab',
      'aria-selected': String(String(state.category) === String(id)), onclick: () => go({ category: id }),
    }, name);
    mount(el, chip('', t('home.allCategories')), cats.map((c) => chip(c.id, c.name)));
  } catch { mount(el); }
}
