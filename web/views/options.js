// Product options as SKUs on the buyer's side: the option picker of the product page and the buy
// sheet (one row of value chips per option group; a value no buyable SKU has with the other
// groups' choices is disabled and marked sold out), and the chosen SKU's price and stock.
import { h, mount } from '../dom.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  ko: {
    'opt.choose': '옵션을 선택해 주세요',
    'opt.soldOut': '품절',
    'opt.chosen': '선택: {label}',
    'opt.left': '{n}개 남음',
  },
  en: {
    'opt.choose': 'Please choose an option',
    'opt.soldOut': 'sold out',
    'opt.chosen': 'Chosen: {label}',
    'opt.left': '{n} left',
  },
});

// 1 when product p ({options, skus}) has options: it is bought per SKU.
export function hasOptions(p) {
  return !!(p && Array.isArray(p.options) && p.options.length && Array.isArray(p.skus) && p.skus.length);
}

const buyable = (k) => k.active && k.stock > 0;

// The picker of product p. prefix names the chips' ids (`${prefix}-${group}-${value}` by index,
// e.g. opt-0-1) and the picker's (`${prefix}-picker`); skuId preselects that SKU's values;
// onChange(sku|null) after each choice. Returns {el, sku() (the chosen SKU or null while a group
// has no value), update(p) (the product again, e.g. after a stock change)}.
export function optionPicker(p, { prefix = 'opt', skuId = null, onChange } = {}) {
  let prod = p;
  const groups = prod.options || [];
  const chosen = groups.map(() => null);
  const start = skuId && (prod.skus || []).find((k) => k.id === skuId);
  if (start) start.options.forEach((v, i) => { chosen[i] = v; });
  const el = h('div', { class: 'option-picker', id: `${prefix}-picker` });
  const fits = (k, gi) => k.options.every((x, j) => j === gi || chosen[j] == null || x === chosen[j]);
  const open = (gi, v) => prod.skus.some((k) => buyable(k) && k.options[gi] === v && fits(k, gi));
  const current = () => (chosen.every((v) => v != null)
    ? prod.skus.find((k) => k.options.every((v, i) => v === chosen[i])) || null : null);
  const draw = () => {
    const sku = current();
    mount(el,
      groups.map((g, gi) => h('div', { class: 'option-group', role: 'group', 'aria-label': g.name },
        h('div', { class: 'option-name small' }, g.name),
        h('div', { class: 'option-values' }, g.values.map((v, vi) => {
          const ok = open(gi, v), on = chosen[gi] === v;
          return h('button', {
            type: 'button', class: 'option-chip' + (on ? ' on' : '') + (ok ? '' : ' out'), id: `${prefix}-${gi}-${vi}`,
            disabled: !ok && !on, 'aria-pressed': on ? 'true' : 'false', dataset: { value: v },
            onclick: () => { chosen[gi] = on ? null : v; draw(); if (onChange) onChange(current()); },
          }, v, ok ? null : h('span', { class: 'muted small' }, ` · ${t('opt.soldOut')}`));
        })))),
      h('div', { class: 'option-chosen muted small', id: `${prefix}-chosen`, role: 'status' },
        sku ? t('opt.chosen', { label: sku.label }) : t('opt.choose')));
  };
  draw();
  return {
    el,
    sku: current,
    update: (np) => { if (np && Array.isArray(np.skus)) prod = np; draw(); },
  };
}
