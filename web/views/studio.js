// Seller studio: products (list, create, edit), lives (schedule, OBS settings, preview, chat, pin), incoming orders.
import { h, mount, icon } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { price, dateTime, toLocalInput, fromLocalInput } from '../format.js';
import { get, post, put, patch, del, items, currentUser, ApiError, uploadImage } from '../api.js';
import { requireLogin, navigate } from '../app.js';
import { withStates, emptyState, statusBadge, productImage, toast, spinner } from './ui.js';
import { buildLivePage } from './live.js';
import { clock } from './replay.js';
import { renderInbox, renderStoreNotices } from './studio_inbox.js';
import { regionPicker, regionText } from './regions.js';
import { salePostPicker } from './studio_posts.js';
import { optionsPanel } from './studio_options.js';

export async function render(ctx) {
  const user = currentUser();
  if (!user) { requireLogin(); return; }
  if (user.role !== 'seller' && user.role !== 'admin') { mount(ctx.el, emptyState(t('studio.sellerOnly'))); return; }
  const tab = ctx.name === 'liveDetail' ? 'lives' : ctx.name;
  const tabLink = (name, href) => h('a', { href, class: 'tab' + (tab === name ? ' active' : '') }, t(`studio.${name}`));
  const body = h('div', { class: 'studio-body' });
  mount(ctx.el, h('div', { class: 'studio' },
    h('div', { class: 'studio-head' }, h('h1', null, t('studio.title')),
      h('nav', { class: 'tabs' }, tabLink('lives', '#/studio/lives'), tabLink('products', '#/studio/products'), tabLink('orders', '#/studio/orders'),
        tabLink('inbox', '#/studio/inquiries'), tabLink('storeNotices', '#/studio/notices'), tabLink('coupons', '#/studio/coupons'), tabLink('posts', '#/studio/posts'))),
    body));
  const sub = { ...ctx, el: body };
  if (ctx.name === 'products') return renderProducts(sub);
  if (ctx.name === 'orders') return renderOrders(sub);
  if (ctx.name === 'inbox') return renderInbox(sub);
  if (ctx.name === 'storeNotices') return renderStoreNotices(sub);
  if (ctx.name === 'coupons') return (await import('./studio_coupons.js')).render(sub); // coupons
  if (ctx.name === 'posts') return (await import('./studio_posts.js')).render(sub); // sale posts
  if (ctx.name === 'liveDetail') return renderLiveDetail(sub);
  return renderLives(sub);
}

/* ---------- products ---------- */
async function sellerProducts() {
  return items(await get('/api/v1/seller/products?per_page=100'));
}

function renderProducts(ctx) {
  const formSlot = h('div');
  const listEl = h('div');
  mount(ctx.el, h('div', { class: 'row between' }, h('h2', null, t('studio.products')),
    h('button', { class: 'btn btn-primary', id: 'new-product', onclick: () => showForm(null) }, `+ ${t('studio.newProduct')}`)), formSlot, listEl);
  let categories = [];
  get('/api/v1/categories').then((r) => {
    const walk = (list, prefix) => { for (const c of list) { categories.push({ id: c.id, name: prefix + c.name }); if (Array.isArray(c.children)) walk(c.children, `${prefix}${c.name} › `); } };
    walk(items(r), '');
  }).catch(() => {});

  const load = () => withStates(listEl, async () => {
    const list = await sellerProducts();
    if (!ctx.alive()) return;
    if (!list.length) { mount(listEl, emptyState(t('empty.products'))); return; }
    mount(listEl, h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'seller-products' },
      h('thead', null, h('tr', null, ['', t('studio.name'), t('studio.price'), t('studio.stock'), t('studio.status'), ''].map((c) => h('th', null, c)))),
      h('tbody', null, list.map((p) => h('tr', null,
        h('td', null, productImage(p, 'row-img')),
        h('td', null, h('a', { href: `#/product/${p.id}` }, p.name), h('div', { class: 'muted small' }, p.category_name || '')),
        h('td', null, price(p.price)), h('td', null, String(p.stock)), h('td', null, statusBadge(p.status)),
        h('td', null, h('button', { class: 'btn-ghost small', id: `edit-${p.id}`, onclick: () => showForm(p) }, t('studio.edit')),
          h('button', { class: 'btn-ghost small', id: `limits-${p.id}`, onclick: () => mount(formSlot, limitsPanel(p, () => mount(formSlot))) }, t('studio.limits')),
          // product options as SKUs: the option groups and the SKU grid
          h('button', { class: 'btn-ghost small', id: `options-${p.id}`, onclick: () => mount(formSlot, optionsPanel(p, () => mount(formSlot), load)) }, t('sku.button')))))))));
  });

  function showForm(p) {
    const f = (name, label, attrs = {}) => h('label', { class: 'field' }, h('span', null, label), h('input', { name, id: `product-${name}`, ...attrs }));
    const cat = h('select', { name: 'category_id', id: 'product-category' }, h('option', { value: '' }, '—'),
      categories.map((c) => h('option', { value: c.id, selected: p && p.category_id === c.id }, c.name)));
    const status = h('select', { name: 'status', id: 'product-status' }, ['ON_SALE', 'SOLD_OUT', 'HIDDEN'].map((s) => h('option', { value: s, selected: p ? p.status === s : s === 'ON_SALE' }, t(`status.${s}`))));
    const desc = h('textarea', { name: 'description', id: 'product-description', rows: 4, maxlength: 5000 });
    desc.value = p ? p.description || '' : '';
    const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
    // images: uploaded to /api/v1/media/images (checked by content on the server), kept as /media URLs
    const images = p && Array.isArray(p.images) ? [...p.images] : [];
    const imgList = h('ul', { class: 'upload-list', id: 'product-images' });
    const imgErr = h('div', { class: 'form-error', role: 'alert', id: 'image-error', hidden: true });
    const imgBusy = h('span', { class: 'muted small', hidden: true }, t('studio.uploading'));
    const drawImages = () => mount(imgList, images.map((url, i) => h('li', { class: 'upload-item' },
      h('img', { src: url, alt: '', class: 'upload-preview', loading: 'lazy' }),
      i === 0 ? h('span', { class: 'upload-main small' }, t('studio.mainImage')) : null,
      h('button', { type: 'button', class: 'btn-ghost small', 'aria-label': t('studio.removeImage'), onclick: () => { images.splice(i, 1); drawImages(); } }, '×'))));
    const fileInput = h('input', { type: 'file', id: 'product-image-file', accept: 'image/jpeg,image/png,image/webp', onchange: async () => {
      const file = fileInput.files && fileInput.files[0];
      imgErr.hidden = true;
      if (!file) return;
      if (images.length >= 10) { imgErr.textContent = t('studio.tooManyImages'); imgErr.hidden = false; fileInput.value = ''; return; }
      if (!['image/jpeg', 'image/png', 'image/webp'].includes(file.type)) { imgErr.textContent = t('studio.UNSUPPORTED_MEDIA_TYPE'); imgErr.hidden = false; fileInput.value = ''; return; }
      fileInput.disabled = true; imgBusy.hidden = false;
      try {
        const r = await uploadImage(file);
        images.push(r.url);
        drawImages();
      } catch (ex) {
        imgErr.textContent = errorText(ex, 'studio.'); imgErr.hidden = false;
      } finally {
        fileInput.disabled = false; imgBusy.hidden = true; fileInput.value = '';
      }
    } });
    drawImages();
    const form = h('form', { class: 'card card-pad studio-form', id: 'product-form', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const fd = new FormData(form);
      const body = {
        name: String(fd.get('name') || '').trim(),
        description: String(fd.get('description') || ''),
        price: Number(fd.get('price')),
        stock: Number(fd.get('stock')),
      };
      const perSku = p && Array.isArray(p.skus) && p.skus.length; // its stock is its options' (the SKU grid)
      if (perSku) delete body.stock;
      if (fd.get('category_id')) body.category_id = Number(fd.get('category_id'));
      if (p || images.length) body.images = [...images];
      if (p) body.status = fd.get('status');
      if (!body.name || !Number.isInteger(body.price) || body.price < 0 || (!perSku && (!Number.isInteger(body.stock) || body.stock < 0))) {
        err.textContent = t('buy.invalid').replace(/배송지 /, ''); err.hidden = false; return;
      }
      try {
        if (p) await patch(`/api/v1/products/${p.id}`, body); else await post('/api/v1/products', body);
        toast(t('studio.saved'), 'success');
        mount(formSlot);
        load();
      } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
    } },
      h('h3', null, p ? t('studio.editProduct') : t('studio.newProduct')),
      f('name', t('studio.name'), { required: true, maxlength: 200, value: p ? p.name : '' }),
      h('div', { class: 'row2' },
        f('price', t('studio.price'), { type: 'number', min: 1, step: 1, required: true, value: p ? p.price : '' }),
        f('stock', t('studio.stock'), { type: 'number', min: 0, step: 1, required: true, value: p ? p.stock : '',
          disabled: !!(p && Array.isArray(p.skus) && p.skus.length), title: p && p.skus && p.skus.length ? t('sku.grid') : undefined })),
      h('div', { class: 'row2' },
        h('label', { class: 'field' }, h('span', null, t('studio.category')), cat),
        p ? h('label', { class: 'field' }, h('span', null, t('studio.status')), status) : h('span')),
      h('div', { class: 'field' }, h('span', null, t('studio.images')), imgList,
        h('label', { class: 'btn btn-small upload-btn' }, t('studio.addImage'), fileInput), imgBusy,
        h('div', { class: 'muted small' }, t('studio.imageHint')), imgErr),
      h('label', { class: 'field' }, h('span', null, t('studio.description')), desc),
      err,
      h('div', { class: 'actions' },
        h('button', { class: 'btn btn-primary', type: 'submit', id: 'product-save' }, t('studio.save')),
        h('button', { class: 'btn', type: 'button', onclick: () => mount(formSlot) }, t('studio.cancel'))));
    mount(formSlot, form);
    form.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }
  load();
}

// A product's purchase limits (GET /api/v1/products/{id}/limits, PUT /api/v1/seller/products/{id}/limits;
// 0 = no limit) and its stock ledger (GET /api/v1/seller/products/{id}/stock-ledger, newest first).
function limitsPanel(p, onClose) {
  const num = (id, label) => h('label', { class: 'field' }, h('span', null, label),
    h('input', { type: 'number', id, min: 0, max: 1000000, step: 1, required: true, value: 0 }));
  const fields = { max_per_order: num('limit-per-order', t('studio.maxPerOrder')), max_per_buyer: num('limit-per-buyer', t('studio.maxPerBuyer')),
    max_per_buyer_live: num('limit-per-buyer-live', t('studio.maxPerBuyerLive')) };
  const input = (k) => fields[k].querySelector('input');
  const err = h('div', { class: 'form-error', role: 'alert', id: 'limits-error', hidden: true });
  const ledgerEl = h('div', { id: 'stock-ledger-wrap' });
  const fill = (lim) => { for (const k of Object.keys(fields)) input(k).value = Number.isInteger(lim[k]) ? lim[k] : 0; };
  get(`/api/v1/products/${encodeURIComponent(p.id)}/limits`).then(fill).catch((e) => { err.textContent = errorText(e); err.hidden = false; });
  const loadLedger = () => withStates(ledgerEl, async () => {
    const r = await get(`/api/v1/seller/products/${encodeURIComponent(p.id)}/stock-ledger?per_page=50`);
    const rows = items(r);
    if (!rows.length) { mount(ledgerEl, emptyState(t('studio.ledgerEmpty'))); return; }
    const reason = (x) => (t(`ledger.${x}`) === `ledger.${x}` ? String(x) : t(`ledger.${x}`));
    const ref = (e) => [e.order_id ? `#${e.order_id}` : null, e.hold_id ? `hold ${e.hold_id}` : null, e.actor_id ? `user ${e.actor_id}` : null].filter(Boolean).join(' · ');
    mount(ledgerEl, h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'stock-ledger' },
      h('thead', null, h('tr', null, [t('studio.when'), t('studio.reason'), t('studio.delta'), t('studio.balance'), t('studio.ref')].map((c) => h('th', null, c)))),
      h('tbody', null, rows.map((e) => h('tr', { 'data-reason': e.reason },
        h('td', null, dateTime(e.created_at)), h('td', null, reason(e.reason)),
        h('td', { class: e.delta < 0 ? 'neg' : 'pos' }, e.delta > 0 ? `+${e.delta}` : String(e.delta)),
        h('td', null, e.balance_after == null ? '—' : String(e.balance_after)), h('td', { class: 'muted small' }, ref(e))))))),
    h('div', { class: 'muted small' }, `${rows.length} / ${r.total ?? rows.length}`));
  });
  const form = h('form', { class: 'card card-pad studio-form', id: 'limits-form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    const body = {};
    for (const k of Object.keys(fields)) {
      const v = Number(input(k).value);
      if (!Number.isInteger(v) || v < 0) { err.textContent = errorText({ code: 'VALIDATION_FAILED' }); err.hidden = false; return; }
      body[k] = v;
    }
    try {
      fill(await put(`/api/v1/seller/products/${encodeURIComponent(p.id)}/limits`, body));
      toast(t('studio.saved'), 'success');
    } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
  } },
    h('div', { class: 'row between' }, h('h3', null, `${t('studio.limitsTitle')} — ${p.name}`),
      h('button', { class: 'btn-ghost small', type: 'button', id: 'limits-close', onclick: onClose }, t('studio.close'))),
    h('div', { class: 'row2' }, fields.max_per_order, fields.max_per_buyer),
    h('div', { class: 'row2' }, fields.max_per_buyer_live, h('span', { class: 'muted small' }, t('studio.limitHint'))),
    err,
    h('div', { class: 'actions' }, h('button', { class: 'btn btn-primary', type: 'submit', id: 'limits-save' }, t('studio.save'))),
    h('h3', null, t('studio.ledger')), ledgerEl);
  loadLedger();
  setTimeout(() => form.scrollIntoView({ behavior: 'smooth', block: 'start' }), 0);
  return form;
}

/* ---------- lives ---------- */
async function myLives() {
  const me = currentUser();
  try {
    return items(await get('/api/v1/seller/lives'));
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 405)) throw e;
    return items(await get('/api/v1/lives')).filter((l) => me.role === 'admin' || l.seller_id === me.id);
  }
}

function renderLives(ctx) {
  const formSlot = h('div');
  const listEl = h('div');
  mount(ctx.el, h('div', { class: 'row between' }, h('h2', null, t('studio.lives')),
    h('button', { class: 'btn btn-primary', id: 'new-live', onclick: showForm }, `+ ${t('studio.newLive')}`)), formSlot, listEl);

  withStates(listEl, async () => {
    const list = await myLives();
    if (!ctx.alive()) return;
    if (!list.length) { mount(listEl, emptyState(t('studio.noLives'))); return; }
    mount(listEl, h('ul', { class: 'studio-lives', id: 'studio-lives' }, list.map((l) => h('li', null,
      h('a', { class: 'card live-row-card', href: `#/studio/lives/${l.id}`, id: `studio-live-${l.id}` },
        h('div', { class: 'grow' }, h('strong', null, l.title), h('div', { class: 'muted small' },
          [dateTime(l.scheduled_at), l.duration_min ? `${l.duration_min}′` : null, regionText(l.region)].filter(Boolean).join(' · '))),
        statusBadge(l.status), h('span', { class: 'btn-ghost small' }, t('studio.open')))))));
  });

  async function showForm() {
    mount(formSlot, spinner());
    let products = [];
    try { products = await sellerProducts(); } catch (e) { toast(errorText(e), 'error'); }
    const title = h('input', { id: 'live-title', required: true, maxlength: 100 });
    const when = h('input', { id: 'live-when', type: 'datetime-local', required: true, value: toLocalInput(new Date(Date.now() + 10 * 60000)) });
    // schedule: expected length, region, cover image (uploaded first: POST /api/v1/media/images)
    const duration = h('input', { id: 'live-duration', type: 'number', min: 1, max: 1440, step: 1, value: 60 });
    const region = regionPicker({ sidoId: 'live-region', sigunguId: 'live-sigungu' }); // 17 시/도 + 시/군/구
    const posts = await salePostPicker(); // sale posts: their products join the live's
    const cover = h('input', { id: 'live-cover', type: 'file', accept: 'image/jpeg,image/png,image/webp' });
    const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'card card-pad studio-form', id: 'live-form', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const ids = [...form.querySelectorAll('input[name=product]:checked')].map((c) => Number(c.value));
      const postIds = posts.value();
      const at = fromLocalInput(when.value);
      const some = ids.length || postIds.length;
      if (!title.value.trim() || !at || !some) { err.textContent = t(some ? 'error.generic' : 'studio.pickOne'); err.hidden = false; return; }
      try {
        const body = { title: title.value.trim(), scheduled_at: at, product_ids: ids, duration_min: Number(duration.value) || 60 };
        if (region.value()) body.region = region.value();
        if (postIds.length) body.sale_post_ids = postIds;
        if (cover.files && cover.files[0]) body.cover_url = (await uploadImage(cover.files[0])).url;
        const l = await post('/api/v1/lives', body);
        navigate(`/studio/lives/${l.id}`);
      } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
    } },
      h('h3', null, t('studio.newLive')),
      h('label', { class: 'field' }, h('span', null, t('studio.liveTitle')), title),
      h('label', { class: 'field' }, h('span', null, t('studio.scheduledAt')), when),
      h('label', { class: 'field' }, h('span', null, t('studio.duration')), duration),
      region.el,
      h('label', { class: 'field' }, h('span', null, t('studio.cover')), cover),
      posts.el,
      h('fieldset', { class: 'pick' }, h('legend', null, t('studio.pickProducts')),
        products.length ? products.map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'product', value: p.id }), productImage(p, 'mini'), h('span', null, p.name), h('span', { class: 'muted small' }, price(p.price))))
          : h('p', { class: 'muted small' }, t('empty.products'))),
      err,
      h('div', { class: 'actions' },
        h('button', { class: 'btn btn-primary', type: 'submit', id: 'live-save' }, t('studio.schedule')),
        h('button', { class: 'btn', type: 'button', onclick: () => mount(formSlot) }, t('studio.cancel'))));
    mount(formSlot, form);
    title.focus();
  }
}

// "라이브 가격 15,000원 · 한정 30개 · 적용 중" for a product's live_offer (null: none).
function offerSummary(o) {
  if (!o || (o.live_price == null && o.stock_cap == null)) return t('studio.offerNone');
  const parts = [];
  if (o.live_price != null) parts.push(`${t('studio.livePrice')}: ${price(o.live_price)}`);
  if (o.stock_cap != null) parts.push(`${t('studio.stockCap')}: ${o.stock_cap}`);
  if (o.replay) parts.push(t('studio.replay'));
  if (o.active) parts.push(t('studio.offerActive'));
  return parts.join(' · ');
}

// The seller's live-only terms for one product of a live: PUT /api/v1/lives/{id}/products/{pid}/offer
// {live_price?, stock_cap?, replay?} (the PUT replaces the whole offer; empty fields = none).
// onSaved(live) gets the updated live.
function offerForm(live, p, onSaved) {
  const o = p.live_offer || {};
  const lp = h('input', { type: 'number', id: `offer-price-${p.id}`, min: 0, step: 100, value: o.live_price ?? '', 'aria-label': t('studio.livePrice'), placeholder: t('studio.offerHint') });
  const cap = h('input', { type: 'number', id: `offer-cap-${p.id}`, min: 0, step: 1, value: o.stock_cap ?? '', 'aria-label': t('studio.stockCap'), placeholder: t('studio.offerHint') });
  const replay = h('input', { type: 'checkbox', id: `offer-replay-${p.id}`, checked: !!o.replay });
  const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'offer-form', id: `offer-form-${p.id}`, novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    const body = { replay: replay.checked };
    const n = (v) => (v === '' ? null : Number(v));
    const price_ = n(lp.value), cap_ = n(cap.value);
    if ((price_ !== null && (!Number.isInteger(price_) || price_ < 0)) || (cap_ !== null && (!Number.isInteger(cap_) || cap_ < 0))) {
      err.textContent = errorText({ code: 'VALIDATION_FAILED' }); err.hidden = false; return;
    }
    if (price_ !== null) body.live_price = price_;
    if (cap_ !== null) body.stock_cap = cap_;
    try {
      const l = await put(`/api/v1/lives/${encodeURIComponent(live.id)}/products/${encodeURIComponent(p.id)}/offer`, body);
      toast(t('studio.saved'), 'success');
      onSaved(l || {});
    } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
  } },
    h('label', { class: 'small' }, t('studio.livePrice'), ' ', lp), ' ',
    h('label', { class: 'small' }, t('studio.stockCap'), ' ', cap), ' ',
    h('label', { class: 'small check' }, replay, t('studio.replay')), ' ',
    h('button', { class: 'btn btn-small', type: 'submit', id: `offer-save-${p.id}` }, t('studio.save')), err);
  return h('details', { class: 'offer', id: `offer-${p.id}` }, h('summary', { class: 'small' }, t('studio.offer')), form);
}

function copyButton(id, text) {
  return h('button', { class: 'btn btn-small', id, type: 'button', onclick: async () => {
    try { await navigator.clipboard.writeText(text); } catch {
      const ta = h('textarea', { style: { position: 'fixed', opacity: '0' } }); ta.value = text;
      document.body.appendChild(ta); ta.select(); document.execCommand('copy'); ta.remove();
    }
    toast(t('studio.copied'), 'success', 1500);
  } }, t('studio.copy'));
}

function renderLiveDetail(ctx) {
  withStates(ctx.el, async () => {
    const live = await get(`/api/v1/lives/${encodeURIComponent(ctx.params.id)}`);
    if (!ctx.alive()) return;
    const preview = h('div', { class: 'studio-preview' });
    const pinList = h('ul', { class: 'pin-list', id: 'pin-list' });
    let pinnedId = live.pinned_product ? live.pinned_product.id : null;

    const drawPins = () => mount(pinList, (live.products || []).map((p) => {
      const on = p.id === pinnedId;
      return h('li', { class: 'pin-row' + (on ? ' pinned' : '') },
        productImage(p, 'row-img'),
        h('div', { class: 'grow' }, h('div', { class: 'name' }, p.name), h('div', { class: 'muted small' }, `${price(p.price)} · ${t('buy.stock', { n: p.stock })}`),
          h('div', { class: 'small offer-summary', id: `offer-summary-${p.id}` }, offerSummary(p.live_offer)),
          offerForm(live, p, (l) => { if (Array.isArray(l.products)) live.products = l.products; drawPins(); })),
        h('button', { class: 'btn btn-small' + (on ? ' btn-primary' : ''), id: `pin-${p.id}`, 'aria-pressed': String(on), onclick: () => pin(p.id) },
          on ? [icon('pin', 14), t('studio.pinned')] : t('studio.pin')));
    }));
    async function pin(productId) {
      try {
        const r = await post(`/api/v1/lives/${encodeURIComponent(live.id)}/pin`, { product_id: productId });
        const p = r && (r.pinned_product !== undefined ? r.pinned_product : r.product !== undefined ? r.product : undefined);
        pinnedId = p !== undefined ? (p ? p.id : null) : productId;
        if (r && Array.isArray(r.products)) live.products = r.products;
        drawPins();
      } catch (e) { toast(errorText(e), 'error'); }
    }

    mount(ctx.el,
      h('a', { href: '#/studio/lives', class: 'back' }, `‹ ${t('studio.lives')}`),
      h('div', { class: 'row between' }, h('h2', null, live.title), h('div', { class: 'row' }, statusBadge(live.status),
        h('a', { class: 'btn btn-small', href: `#/live/${live.id}`, target: '_blank' }, t('studio.viewPage')),
        live.status === 'SCHEDULED' || live.status === 'LIVE' ? h('button', { class: 'btn btn-small btn-danger', id: 'end-live', onclick: async () => {
          if (!confirm(`${t('studio.end')}?`)) return;
          try { await post(`/api/v1/lives/${encodeURIComponent(live.id)}/end`, {}); navigate(`/studio/lives/${live.id}`); } catch (e) { toast(errorText(e), 'error'); }
        } }, t('studio.end')) : null)),
      h('div', { class: 'studio-live' },
        h('div', { class: 'studio-col' },
          h('section', { class: 'card card-pad obs', id: 'obs-settings' },
            h('h3', null, t('studio.obs')),
            h('div', { class: 'kv-copy' }, h('span', { class: 'label' }, t('studio.server')), h('code', { id: 'obs-server' }, live.rtmp_url || '—'), live.rtmp_url ? copyButton('copy-server', live.rtmp_url) : null),
            h('div', { class: 'kv-copy' }, h('span', { class: 'label' }, t('studio.streamKey')), h('code', { id: 'obs-key', class: 'secret' }, live.obs_stream_key || '—'), live.obs_stream_key ? copyButton('copy-key', live.obs_stream_key) : null),
            h('p', { class: 'hint', id: 'obs-hint' }, t('studio.obsHint')),
            live.status === 'SCHEDULED' || live.status === 'LIVE' ? h('button', { class: 'btn btn-small', id: 'rotate-key', type: 'button', onclick: async () => {
              if (!confirm(t('studio.rotateConfirm'))) return;
              try {
                const r = await post(`/api/v1/lives/${encodeURIComponent(live.id)}/stream-key`, {});
                const keyEl = ctx.el.querySelector('#obs-key');
                if (keyEl) keyEl.textContent = r.obs_stream_key || '—';
                const copy = ctx.el.querySelector('#copy-key');
                if (copy) copy.replaceWith(copyButton('copy-key', r.obs_stream_key));
                toast(t('studio.keyRotated'), 'success');
              } catch (e) { toast(errorText(e), 'error'); }
            } }, t('studio.rotateKey')) : null,
            h('p', { class: 'muted small' }, dateTime(live.scheduled_at))),
          healthCard(ctx, live),
          replayCard(live),
          h('section', { class: 'card card-pad' }, h('h3', null, t('live.products')), pinList,
            h('button', { class: 'btn-ghost small', id: 'unpin', onclick: () => pin(null) }, t('studio.unpin')))),
        h('div', { class: 'studio-col' }, h('h3', null, t('studio.preview')), preview)));
    drawPins();
    const built = buildLivePage({ ...ctx, el: preview }, live, { studio: true });
    built.studioHooks.onPin = (p) => { pinnedId = p ? p.id : null; drawPins(); };
  });
}

// The replay of an ended live: its length, a trim of the start and end (seconds into the replay as
// it is now; PUT /lives/{id}/replay cuts for good) and deleting it. Nothing before the replay is READY.
function replayCard(live) {
  const r = live.replay;
  if (!r || r.status !== 'READY') return null;
  const err = h('div', { class: 'form-error', role: 'alert', id: 'replay-error', hidden: true });
  const len = h('span', { id: 'replay-length' }, clock(r.duration_ms || 0));
  const start = h('input', { type: 'number', id: 'trim-start', min: '0', step: '1', value: '0', inputmode: 'numeric' });
  const end = h('input', { type: 'number', id: 'trim-end', min: '0', step: '1', value: String(Math.floor((r.duration_ms || 0) / 1000)), inputmode: 'numeric' });
  const card = h('section', { class: 'card card-pad', id: 'replay-card', dataset: { duration: String(r.duration_ms || 0) } },
    h('div', { class: 'row between' }, h('h3', null, t('studio.replay')), len),
    h('p', { class: 'hint' }, t('studio.replayTrimHint')),
    h('div', { class: 'row2' },
      h('label', null, t('studio.trimStart'), start),
      h('label', null, t('studio.trimEnd'), end)),
    err,
    h('div', { class: 'actions' },
      h('button', { class: 'btn btn-primary btn-small', id: 'trim-save', type: 'button', onclick: async () => {
        err.hidden = true;
        const a = Number(start.value), b = Number(end.value);
        if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b <= a) {
          err.textContent = errorText({ code: 'INVALID_TRIM' }); err.hidden = false; return;
        }
        if (!confirm(t('studio.trimConfirm'))) return;
        try {
          // the end left at (or past) the replay's last whole second keeps it to the end
          const dur = Number(card.dataset.duration);
          const endMs = b >= Math.floor(dur / 1000) ? null : b * 1000;
          const nr = await put(`/api/v1/lives/${encodeURIComponent(live.id)}/replay`, { trim_start_ms: a * 1000, trim_end_ms: endMs });
          const now = nr && nr.duration_ms !== undefined ? nr : nr?.replay;
          if (now) {
            card.dataset.duration = String(now.duration_ms || 0);
            len.textContent = clock(now.duration_ms || 0); start.value = '0'; end.value = String(Math.floor((now.duration_ms || 0) / 1000));
          }
          toast(t('studio.saved'), 'success');
        } catch (e) { err.textContent = errorText(e); err.hidden = false; }
      } }, t('studio.trimSave')),
      h('button', { class: 'btn btn-small btn-danger', id: 'replay-delete', type: 'button', onclick: async () => {
        if (!confirm(t('studio.replayDeleteConfirm'))) return;
        try { await del(`/api/v1/lives/${encodeURIComponent(live.id)}/replay`); card.remove(); toast(t('studio.replayDeleted'), 'success'); }
        catch (e) { err.textContent = errorText(e); err.hidden = false; }
      } }, t('studio.replayDelete'))));
  return card;
}

// The control room's stream health: what the ingest receives (GET /lives/{id}/health, sampled by
// the server every 2 s from nginx-rtmp's statistics) and the viewers now, refreshed every 3 s while
// the page is open.
function healthCard(ctx, live) {
  const row = (key, id) => h('div', { class: 'kv' }, h('span', { class: 'label' }, t(key)), h('span', { id }, '—'));
  const state = h('span', { class: 'badge', id: 'health-state' }, t('studio.health.offline'));
  const card = h('section', { class: 'card card-pad', id: 'stream-health' },
    h('div', { class: 'row between' }, h('h3', null, t('studio.health')), state),
    row('studio.health.bitrate', 'health-bitrate'), row('studio.health.fps', 'health-fps'),
    row('studio.health.resolution', 'health-resolution'), row('studio.health.dropped', 'health-dropped'),
    row('studio.health.viewers', 'health-viewers'));
  const set = (id, text) => { const el = card.querySelector(`#${id}`); if (el) el.textContent = text; };
  async function refresh() {
    try {
      const [hl, l] = await Promise.all([get(`/api/v1/lives/${encodeURIComponent(live.id)}/health`), get(`/api/v1/lives/${encodeURIComponent(live.id)}`)]);
      if (!ctx.alive()) return;
      state.textContent = t(hl.publishing ? 'studio.health.receiving' : 'studio.health.offline');
      state.className = 'badge' + (hl.publishing ? ' badge-live' : '');
      set('health-bitrate', hl.publishing ? `${hl.bitrate_kbps.toLocaleString()} kbps` : '—');
      set('health-fps', hl.publishing && hl.fps ? `${Math.round(hl.fps * 100) / 100} fps` : '—');
      set('health-resolution', hl.publishing && hl.width ? `${hl.width}×${hl.height} ${hl.video_codec || ''}`.trim() : '—');
      set('health-dropped', hl.publishing ? String(hl.dropped_frames) : '—');
      set('health-viewers', Number.isFinite(l.viewer_count) ? String(l.viewer_count) : '—');
    } catch { /* the next tick tries again */ }
  }
  refresh();
  const timer = setInterval(() => { if (!document.hidden) refresh(); }, 3000);
  ctx.onCleanup(() => clearInterval(timer));
  return card;
}

/* ---------- orders ---------- */
const CARRIERS = ['CJ대한통운', '한진택배', '롯데택배', '우체국택배', '로젠택배', '경동택배'];

// Fulfilment cell of the seller's own shipment (the order as the seller sees it has only theirs):
// prepare + ship form (carrier + tracking number) while PAID, ship form while PREPARING, delivered
// while SHIPPING, approve/reject a cancel request, receive/reject a return, refund a returned part;
// the tracking info once shipped. onDone(order) gets the updated order.
function fulfilmentCell(o, onDone) {
  const s = (o.shipments || [])[0] || o;
  const err = h('div', { class: 'form-error small', role: 'alert', hidden: true });
  const fail = (ex) => { err.textContent = errorText(ex, 'studio.'); err.hidden = false; };
  const tracking = s.tracking_number ? h('div', { class: 'small tracking' }, `${s.carrier || ''} ${s.tracking_number}`) : null;
  const action = (name, label, id, cls = 'btn btn-small', question) => {
    const btn = h('button', { class: cls, type: 'button', id: `${id}-${o.id}`, onclick: async () => {
      if (question && !confirm(question)) return;
      err.hidden = true;
      btn.disabled = true;
      try { onDone(await post(`/api/v1/seller/orders/${encodeURIComponent(o.id)}/${name}`, {})); toast(t('studio.updated'), 'success'); } catch (ex) { fail(ex); btn.disabled = false; }
    } }, label);
    return btn;
  };
  if (s.status === 'PAID' || s.status === 'PREPARING') {
    const carrier = h('input', { name: 'carrier', id: `carrier-${o.id}`, list: 'carrier-list', maxlength: 40, required: true, placeholder: t('studio.carrier'), 'aria-label': t('studio.carrier') });
    const number = h('input', { name: 'tracking_number', id: `tracking-${o.id}`, maxlength: 40, required: true, placeholder: t('studio.trackingNumber'), 'aria-label': t('studio.trackingNumber') });
    const btn = h('button', { class: 'btn btn-small btn-primary', type: 'submit', id: `ship-${o.id}` }, t('studio.ship'));
    return h('div', null, s.status === 'PAID' ? action('prepare', t('studio.prepare'), 'prepare') : null,
      h('form', { class: 'ship-form', novalidate: true, dataset: { orderId: String(o.id) }, onsubmit: async (e) => {
        e.preventDefault();
        err.hidden = true;
        const body = { carrier: carrier.value.trim(), tracking_number: number.value.trim() };
        if (!body.carrier || !body.tracking_number) { err.textContent = t('studio.shipMissing'); err.hidden = false; return; }
        btn.disabled = true;
        try { onDone(await post(`/api/v1/seller/orders/${encodeURIComponent(o.id)}/ship`, body)); toast(t('studio.shipped'), 'success'); } catch (ex) { fail(ex); btn.disabled = false; }
      } }, carrier, number, btn), err);
  }
  if (s.status === 'SHIPPING') {
    const btn = h('button', { class: 'btn btn-small', type: 'button', id: `deliver-${o.id}`, onclick: async () => {
      err.hidden = true;
      btn.disabled = true;
      try { onDone(await post(`/api/v1/seller/orders/${encodeURIComponent(o.id)}/deliver`, {})); toast(t('studio.deliveredDone'), 'success'); } catch (ex) { fail(ex); btn.disabled = false; }
    } }, t('studio.markDelivered'));
    return h('div', null, tracking, btn, err);
  }
  if (s.status === 'CANCEL_REQUESTED')
    return h('div', null, action('approve-cancel', t('studio.approveCancel'), 'approve-cancel', 'btn btn-small btn-danger', t('studio.approveCancelConfirm')),
      action('reject-cancel', t('studio.rejectCancel'), 'reject-cancel'), err);
  if (s.status === 'RETURN_REQUESTED')
    return h('div', null, tracking, action('receive-return', t('studio.receiveReturn'), 'receive-return'), action('reject-return', t('studio.rejectReturn'), 'reject-return'), err);
  if (s.status === 'RETURNED')
    return h('div', null, tracking, action('refund', t('studio.refund'), 'refund', 'btn btn-small btn-danger', t('studio.refundConfirm')), err);
  return tracking || h('span', { class: 'muted small' }, '—');
}

// The seller's shipping fee and free-shipping threshold (orders placed afterwards use them).
function shippingSettings() {
  const fee = h('input', { type: 'number', id: 'shipping-fee', min: 0, max: 1000000, step: 100, 'aria-label': t('studio.shippingFee') });
  const over = h('input', { type: 'number', id: 'shipping-free-over', min: 0, max: 100000000, step: 1000, 'aria-label': t('studio.freeOver') });
  const note = h('span', { class: 'muted small', id: 'shipping-note' });
  get('/api/v1/seller/shipping').then((r) => { fee.value = r.shipping_fee; over.value = r.free_shipping_over; note.textContent = r.default ? t('studio.shippingDefault') : ''; }).catch(() => {});
  return h('form', { class: 'card card-pad row shipping-settings', id: 'shipping-settings', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await put('/api/v1/seller/shipping', { shipping_fee: Number(fee.value), free_shipping_over: Number(over.value) });
      note.textContent = '';
      fee.value = r.shipping_fee; over.value = r.free_shipping_over;
      toast(t('studio.saved'), 'success');
    } catch (ex) { toast(errorText(ex), 'error'); }
  } }, h('label', null, t('studio.shippingFee'), ' ', fee), h('label', null, t('studio.freeOver'), ' ', over),
  h('button', { class: 'btn btn-small', type: 'submit', id: 'shipping-save' }, t('studio.save')), note);
}

function renderOrders(ctx) {
  const listEl = h('div');
  const stamp = h('span', { class: 'muted small' }, t('studio.autoRefresh'));
  mount(ctx.el, h('div', { class: 'row between' }, h('h2', null, t('studio.orders')), stamp), shippingSettings(),
    h('datalist', { id: 'carrier-list' }, CARRIERS.map((c) => h('option', { value: c }))), listEl);
  let first = true;
  // A timed refresh must not wipe what the seller is typing into a ship form.
  const editing = () => [...listEl.querySelectorAll('.ship-form input')].some((i) => i.value || i === document.activeElement);
  const load = async ({ timed = false } = {}) => {
    if (timed && editing()) return;
    try {
      const r = await get('/api/v1/seller/orders?per_page=50');
      if (!ctx.alive() || (timed && editing())) return;
      const list = items(r);
      first = false;
      stamp.textContent = `${t('studio.autoRefresh')} · ${new Date().toLocaleTimeString()}`;
      if (!list.length) { mount(listEl, emptyState(t('studio.noOrders'))); return; }
      const row = (o) => {
        const tr = h('tr', { id: `seller-order-${o.id}` },
          h('td', null, dateTime(o.paid_at || o.created_at)),
          h('td', null, h('code', null, o.order_id)),
          h('td', null, (o.lines || []).map((l) => h('div', null, `${l.product_name} × ${l.quantity}`))),
          h('td', null, (o.shipping_address && o.shipping_address.recipient) || o.buyer_name || ''),
          h('td', null, statusBadge(((o.shipments || [])[0] || o).status)),
          h('td', null, price(o.amount)),
          h('td', null, fulfilmentCell(o, (updated) => tr.replaceWith(row({ ...o, ...updated })))));
        return tr;
      };
      mount(listEl, h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'seller-orders' },
        h('thead', null, h('tr', null, [t('orders.date'), t('pay.orderNo'), t('orders.lines'), t('studio.buyer'), t('studio.status'), t('studio.amount'), t('studio.fulfilment')].map((c) => h('th', null, c)))),
        h('tbody', null, list.map(row)))));
    } catch (e) {
      if (first) mount(listEl, h('div', { class: 'state state-error' }, h('p', null, errorText(e)), h('button', { class: 'btn', onclick: () => load() }, t('retry'))));
    }
  };
  mount(listEl, spinner());
  load();
  const timer = setInterval(() => load({ timed: true }), 10000);
  ctx.onCleanup(() => clearInterval(timer));
}
