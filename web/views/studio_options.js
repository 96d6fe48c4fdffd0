// Seller studio: a product's options (product options as SKUs). The option groups editor (at most 2
// groups, e.g. 사이즈 S, M, L × 색상 블랙, 화이트; PUT /api/v1/products/{id}/options builds or rebuilds
// the grid, keeping the SKUs whose combination survives) and the SKU grid: each SKU's price
// difference, stock (recorded in the stock ledger), code and active flag
// (PATCH /api/v1/products/{id}/skus/{sku_id}, only the rows changed).
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { price } from '../format.js';
import { get, put, patch } from '../api.js';
import { toast } from './ui.js';

addStrings({
  ko: {
    'sku.title': '옵션',
    'sku.button': '옵션',
    'sku.groups': '옵션 그룹 (최대 2개)',
    'sku.groupName': '그룹 이름',
    'sku.groupValues': '값 (쉼표로 구분, 최대 10개)',
    'sku.addGroup': '+ 그룹 추가',
    'sku.removeGroup': '그룹 삭제',
    'sku.saveGroups': '옵션 적용',
    'sku.none': '옵션이 없습니다. 그룹을 추가하면 조합마다 재고와 가격을 따로 관리합니다.',
    'sku.rebuildHint': '조합이 그대로인 옵션은 재고와 가격이 유지되고, 새 조합은 재고 0으로 시작합니다.',
    'sku.grid': '옵션별 재고·가격',
    'sku.option': '옵션',
    'sku.delta': '추가 금액',
    'sku.price': '판매가',
    'sku.stock': '재고',
    'sku.code': '옵션 코드',
    'sku.active': '판매',
    'sku.saveAll': '옵션 저장',
    'sku.total': '총 재고 {n}개 (판매 중인 옵션의 합)',
    'sku.saved': '옵션을 저장했습니다',
    'sku.badGroups': '그룹 이름과 값을 모두 입력해 주세요',
  },
  en: {
    'sku.title': 'Options',
    'sku.button': 'Options',
    'sku.groups': 'Option groups (at most 2)',
    'sku.groupName': 'Group name',
    'sku.groupValues': 'Values (comma-separated, at most 10)',
    'sku.addGroup': '+ Add group',
    'sku.removeGroup': 'Remove group',
    'sku.saveGroups': 'Apply options',
    'sku.none': 'No options. Add a group to keep stock and price per combination.',
    'sku.rebuildHint': 'Combinations that stay keep their stock and price; new ones start at stock 0.',
    'sku.grid': 'Stock and price per option',
    'sku.option': 'Option',
    'sku.delta': 'Price difference',
    'sku.price': 'Price',
    'sku.stock': 'Stock',
    'sku.code': 'SKU code',
    'sku.active': 'On sale',
    'sku.saveAll': 'Save options',
    'sku.total': 'Total stock {n} (sum of the options on sale)',
    'sku.saved': 'Options saved',
    'sku.badGroups': 'Fill in every group name and its values',
  },
});

// The panel of product p; onClose() hides it, onSaved() after a change (the list reloads).
export function optionsPanel(p, onClose, onSaved = () => {}) {
  let prod = p;
  const groups = (p.options || []).map((g) => ({ name: g.name, values: g.values.join(', ') }));
  const groupsEl = h('div', { id: 'opt-groups' });
  const gridEl = h('div', { id: 'sku-grid-wrap' });
  const err = h('div', { class: 'form-error', role: 'alert', id: 'options-error', hidden: true });
  const showErr = (m) => { err.textContent = m; err.hidden = !m; };

  const drawGroups = () => mount(groupsEl,
    groups.length ? null : h('p', { class: 'muted small' }, t('sku.none')),
    groups.map((g, i) => h('div', { class: 'row2 opt-group' },
      h('label', { class: 'field' }, h('span', null, t('sku.groupName')),
        h('input', { id: `opt-group-name-${i}`, maxlength: 20, value: g.name, oninput: (e) => { g.name = e.target.value; } })),
      h('label', { class: 'field' }, h('span', null, t('sku.groupValues')),
        h('input', { id: `opt-group-values-${i}`, value: g.values, oninput: (e) => { g.values = e.target.value; } })),
      h('button', { type: 'button', class: 'btn-ghost small', id: `opt-group-remove-${i}`, onclick: () => { groups.splice(i, 1); drawGroups(); } }, t('sku.removeGroup')))),
    groups.length < 2 ? h('button', { type: 'button', class: 'btn btn-small', id: 'opt-group-add', onclick: () => { groups.push({ name: '', values: '' }); drawGroups(); } }, t('sku.addGroup')) : null);

  const rows = new Map(); // sku id -> {delta, stock, code, active} inputs
  const drawGrid = () => {
    rows.clear();
    const skus = prod.skus || [];
    if (!skus.length) { mount(gridEl); return; }
    mount(gridEl,
      h('h4', null, t('sku.grid')),
      h('div', { class: 'muted small', id: 'sku-total' }, t('sku.total', { n: prod.stock })),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'sku-grid' },
        h('thead', null, h('tr', null, [t('sku.option'), t('sku.delta'), t('sku.price'), t('sku.stock'), t('sku.code'), t('sku.active')].map((c) => h('th', null, c)))),
        h('tbody', null, skus.map((k) => {
          const r = {
            delta: h('input', { type: 'number', id: `sku-delta-${k.id}`, step: 100, value: k.price_delta, class: 'qty-input', 'aria-label': t('sku.delta') }),
            stock: h('input', { type: 'number', id: `sku-stock-${k.id}`, min: 0, max: 1000000, step: 1, value: k.stock, class: 'qty-input', 'aria-label': t('sku.stock') }),
            code: h('input', { id: `sku-code-${k.id}`, maxlength: 40, value: k.code || '', 'aria-label': t('sku.code') }),
            active: h('input', { type: 'checkbox', id: `sku-active-${k.id}`, checked: k.active, 'aria-label': t('sku.active') }),
          };
          const priceEl = h('td', { id: `sku-price-${k.id}` }, price(k.price));
          r.delta.addEventListener('input', () => { priceEl.textContent = price(prod.price + (Number(r.delta.value) || 0)); });
          rows.set(k.id, { k, r });
          return h('tr', { dataset: { skuId: String(k.id), label: k.label } },
            h('td', null, k.label), h('td', null, r.delta), priceEl, h('td', null, r.stock), h('td', null, r.code), h('td', null, r.active));
        })))),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-primary', id: 'skus-save', onclick: saveSkus }, t('sku.saveAll'))));
  };

  async function saveGroups() {
    showErr('');
    const body = [];
    for (const g of groups) {
      const values = String(g.values || '').split(',').map((v) => v.trim()).filter(Boolean);
      if (!g.name.trim() || !values.length) { showErr(t('sku.badGroups')); return; }
      body.push({ name: g.name.trim(), values });
    }
    try {
      prod = await put(`/api/v1/products/${encodeURIComponent(p.id)}/options`, { groups: body });
      toast(t('sku.saved'), 'success');
      drawGrid();
      onSaved();
    } catch (ex) { showErr(errorText(ex)); }
  }

  async function saveSkus() {
    showErr('');
    try {
      for (const { k, r } of rows.values()) {
        const body = {};
        const delta = Number(r.delta.value), stock = Number(r.stock.value), code = r.code.value.trim();
        if (!Number.isInteger(delta) || !Number.isInteger(stock) || stock < 0) { showErr(errorText({ code: 'VALIDATION_FAILED' })); return; }
        if (delta !== k.price_delta) body.price_delta = delta;
        if (stock !== k.stock) body.stock = stock;
        if (code !== (k.code || '')) body.code = code || null;
        if (r.active.checked !== k.active) body.active = r.active.checked;
        if (Object.keys(body).length) prod = await patch(`/api/v1/products/${encodeURIComponent(p.id)}/skus/${encodeURIComponent(k.id)}`, body);
      }
      toast(t('sku.saved'), 'success');
      drawGrid();
      onSaved();
    } catch (ex) {
      showErr(errorText(ex));
      prod = await get(`/api/v1/products/${encodeURIComponent(p.id)}`).catch(() => prod);
      drawGrid();
    }
  }

  drawGroups();
  drawGrid();
  const panel = h('section', { class: 'card card-pad studio-form', id: 'options-panel' },
    h('div', { class: 'row between' }, h('h3', null, `${t('sku.title')} — ${p.name}`),
      h('button', { class: 'btn-ghost small', type: 'button', id: 'options-close', onclick: onClose }, t('studio.close'))),
    h('h4', null, t('sku.groups')), groupsEl,
    h('p', { class: 'muted small' }, t('sku.rebuildHint')),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', id: 'options-save', onclick: saveGroups }, t('sku.saveGroups'))),
    err, gridEl);
  setTimeout(() => panel.scrollIntoView({ behavior: 'smooth', block: 'start' }), 0);
  return panel;
}
