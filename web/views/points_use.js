// "포인트 사용" on the buy sheet and the cart checkout: the balance (GET /api/v1/me/points), a
// points field and "전액 사용" (use as much as the balance and the order total allow). The caller
// tells it the order total (setTotal) and reads points() for the order body; onChange runs when
// the points to use change (to redraw the amount to pay).
import { h } from '../dom.js';
import { t, addStrings } from '../i18n.js';
import { get } from '../api.js';
import { price } from '../format.js';

addStrings({
  ko: { 'pts.use': '포인트 사용', 'pts.useAll': '전액 사용', 'pts.balance': '보유 {n}P', 'pts.discount': '포인트 사용',
    'pts.toPay': '결제할 금액', 'pts.paidByPoints': '포인트로 전액 결제' },
  en: { 'pts.use': 'Use points', 'pts.useAll': 'Use all', 'pts.balance': '{n} P available', 'pts.discount': 'Points used',
    'pts.toPay': 'To pay', 'pts.paidByPoints': 'Paid in full with points' },
});

// The points that can be used: a whole number from 0 to min(balance, total).
export function clampPoints(v, balance, total) {
  const n = Math.floor(Number(v));
  if (!Number.isFinite(n) || n <= 0) return 0;
  return Math.min(n, Math.max(0, balance), Math.max(0, total));
}

export function pointsField({ onChange } = {}) {
  let balance = 0, total = 0, used = 0;
  const input = h('input', { id: 'points-use', type: 'number', min: 0, step: 1, value: 0, inputmode: 'numeric', 'aria-label': t('pts.use') });
  const balEl = h('span', { class: 'muted small', id: 'points-balance' }, t('pts.balance', { n: '0' }));
  const allBtn = h('button', { type: 'button', class: 'btn-ghost small', id: 'points-all' }, t('pts.useAll'));
  const set = (v, fromInput = false) => {
    const next = clampPoints(v, balance, total);
    if (!fromInput || String(next) !== input.value) input.value = String(next);
    if (next !== used) { used = next; if (onChange) onChange(used); }
  };
  input.addEventListener('input', () => { if (input.value !== '') set(input.value, true); });
  input.addEventListener('change', () => set(input.value));
  allBtn.onclick = () => set(Math.min(balance, total));
  const el = h('div', { class: 'points-use', id: 'points-use-box' },
    h('label', { class: 'row' }, h('span', { class: 'grow' }, t('pts.use'), ' ', balEl)),
    h('div', { class: 'row' }, input, allBtn));
  get('/api/v1/me/points').then((p) => {
    balance = Number(p.balance) || 0;
    balEl.textContent = t('pts.balance', { n: new Intl.NumberFormat('ko-KR').format(balance) });
    allBtn.disabled = balance <= 0;
    set(input.value);
  }).catch(() => { allBtn.disabled = true; });
  return {
    el,
    points: () => used,
    setTotal(n) { total = Math.max(0, Number(n) || 0); set(used); },
    // the summary rows: points used and the amount to pay
    rows(sum) {
      if (!used) return [];
      const pay = Math.max(0, sum - used);
      return [
        h('div', { class: 'sum-row' }, h('span', null, t('pts.discount')), h('span', { id: 'points-discount' }, `−${price(used)}`)),
        h('div', { class: 'sum-row total' }, h('span', null, t('pts.toPay')),
          h('strong', { id: 'pay-amount' }, pay ? price(pay) : t('pts.paidByPoints'))),
      ];
    },
  };
}
