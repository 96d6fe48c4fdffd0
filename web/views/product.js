// Product page: image, price, stock, options (size × colour: the chosen SKU's price and stock), add
// to cart, buy now.
import { h, mount } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { price } from '../format.js';
import { get, cart, currentUser, ApiError } from '../api.js';
import { requireLogin } from '../app.js';
import { withStates, emptyState, productImage, statusBadge, toast } from './ui.js';
import { openBuySheet } from './buy.js';
import { qnaSection } from './product_qna.js';
import { heartButton } from './wish.js';
import { reviewsSection } from './reviews.js';
import { couponChip } from './coupons.js';
import { hasOptions, optionPicker } from './options.js';

export async function render(ctx) {
  await withStates(ctx.el, async () => {
    let p;
    try { p = await get(`/api/v1/products/${encodeURIComponent(ctx.params.id)}`); } catch (e) {
      if (e instanceof ApiError && e.status === 404) { mount(ctx.el, emptyState(t('product.notFound'))); return; }
      throw e;
    }
    if (!ctx.alive()) return;
    const soldOut = p.status === 'SOLD_OUT' || p.stock === 0;
    let qty = 1;
    // product options as SKUs: the chosen SKU sets the price, the stock and the quantity's bound
    const opts = hasOptions(p);
    const stockNow = () => (opts && picker.sku() ? picker.sku().stock : p.stock || 0);
    const priceEl = h('div', { class: 'product-price', id: 'product-price' }, price(p.price));
    const stockEl = h('span', { class: 'muted small', id: 'product-stock' }, t('buy.stock', { n: p.stock ?? 0 }));
    const qtyEl = h('input', { type: 'number', id: 'product-qty', min: 1, max: Math.max(1, p.stock || 1), value: 1, 'aria-label': t('buy.qty') });
    qtyEl.addEventListener('change', () => { qty = Math.max(1, Math.min(Number(qtyEl.value) || 1, stockNow() || 1)); qtyEl.value = qty; });
    const picker = opts ? optionPicker(p, { onChange: (k) => {
      priceEl.textContent = price(k ? k.price : p.price);
      stockEl.textContent = t('buy.stock', { n: k ? k.stock : p.stock ?? 0 });
      qtyEl.max = Math.max(1, stockNow());
      if (qty > stockNow() && stockNow() > 0) { qty = stockNow(); qtyEl.value = qty; }
    } }) : null;
    const chosenSku = () => {
      if (!opts) return 0;
      const k = picker.sku();
      if (!k) toast(t('opt.choose'), 'error');
      return k ? k.id : null;
    };
    const images = (p.images && p.images.length ? p.images : [p.image_url]).filter(Boolean);
    const main = productImage(p, 'product-img');
    mount(ctx.el, h('div', { class: 'product-page' },
      h('div', { class: 'gallery' }, main,
        images.length > 1 ? h('div', { class: 'thumbs' }, images.map((u) => h('img', { src: u, alt: '', class: 'mini', onclick: () => { main.src = u; } }))) : null),
      h('div', { class: 'product-info' },
        h('div', { class: 'muted small' }, p.category_name ? `${p.category_name} · ` : '', p.seller_name ? h('a', { href: `#/sellers/${p.seller_id}`, id: 'product-seller-link' }, p.seller_name) : ''),
        h('div', { class: 'row between' }, h('h1', { class: 'product-name' }, p.name), heartButton(p)),
        priceEl,
        h('div', { class: 'row' }, couponChip({ product_id: p.id })), // coupons: claimable ones
        h('div', { class: 'row' }, statusBadge(soldOut ? 'SOLD_OUT' : p.status), stockEl),
        picker ? picker.el : null,
        h('div', { class: 'qty-row' }, h('span', null, t('buy.qty')), qtyEl),
        h('div', { class: 'actions' },
          h('button', { class: 'btn', id: 'add-to-cart', disabled: soldOut, onclick: async () => {
            if (!currentUser()) { requireLogin(); return; }
            const sku = chosenSku();
            if (sku === null) return;
            try {
              const c = await cart.get().catch(() => ({ lines: [] }));
              const cur = (c.lines || []).find((l) => l.product_id === p.id && (l.sku_id || 0) === sku);
              await cart.set(p.id, (cur ? cur.quantity : 0) + qty, sku);
              window.dispatchEvent(new Event('bc:cart'));
              toast(t('buy.added'), 'success');
            } catch (e) { toast(e.code === 'OUT_OF_STOCK' ? t('buy.soldOut') : errorText(e), 'error'); }
          } }, t('buy.addToCart')),
          h('button', { class: 'btn btn-primary', id: 'buy-now', disabled: soldOut, onclick: () => {
            const sku = chosenSku();
            if (sku !== null) openBuySheet(p, { initialQty: qty, skuId: sku || null });
          } },
            soldOut ? t('status.SOLD_OUT') : t('buy.buyNow'))),
        h('section', { class: 'description' }, h('h2', null, t('product.description')), h('p', { class: 'pre' }, p.description || ''))),
      reviewsSection(p)),
      qnaSection(p));
  });
}
